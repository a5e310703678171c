//! Inviting people to a campaign from a pasted list or a CSV file (as staff too, for internal
//! campaigns). Lines are checked one by one: the valid ones are taken, the others reported with
//! their line number and reason. Addresses that unsubscribed from the space are kept off
//! (the outbox records them as suppressed). Mails are queued in one statement, in the same
//! transaction as the audit line; the page then follows their delivery.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use uuid::Uuid;

use crate::accounts::session::SessionCache;
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::mail::status::{Counts, Filter};
use crate::mail::{MailContent, MailKind, queue_bulk};
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::console::Operator;
use crate::web::console::render_console;
use crate::web::console::{ConsoleOf, right};
use crate::web::page::Page;
use crate::web::uploads::read_capped;

use super::address_list::{ParsedList, both_lists};

/// Largest list file taken (about 100,000 addresses).
pub const MAX_LIST_BYTES: usize = 4 * 1024 * 1024;

async fn campaign(tx: &mut TenantTx, id: Uuid) -> Result<CampaignDetail, PageError> {
    crate::campaigns::authoring::find(tx, id)
        .await?
        .ok_or(PageError::NotFound)
}

fn default_message(page: &Page, c: &CampaignDetail) -> (String, String) {
    let subject = page
        .text("invitations.default_subject")
        .replace("{title}", &c.summary.title);
    let text = page
        .text("invitations.default_message")
        .replace("{space}", &page.tenant.name)
        .replace("{title}", &c.summary.title)
        .replace("{summary}", &c.summary.summary);
    (subject, text)
}

#[derive(Serialize, Default)]
struct Report {
    queued: u64,
    suppressed: u64,
    duplicates: u64,
    staff_added: u64,
    problems: Vec<ShownLine>,
}

/// A refused line, with its reason in the page's language.
#[derive(Serialize)]
struct ShownLine {
    line: usize,
    value: String,
    reason: String,
}

impl Report {
    fn new(page: &Page, queued: &crate::mail::BulkQueued, list: ParsedList, staff_added: u64) -> Self {
        Report {
            queued: queued.queued,
            suppressed: queued.suppressed,
            duplicates: list.duplicates as u64 + queued.duplicates,
            staff_added,
            problems: list
                .problems
                .into_iter()
                .map(|p| ShownLine {
                    line: p.line,
                    value: p.value,
                    reason: page.text(p.reason),
                })
                .collect(),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn render(
    page: &Page,
    operator: &Operator,
    c: &CampaignDetail,
    counts: Counts,
    subject: String,
    message: String,
    report: Option<Report>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    #[derive(Serialize)]
    struct View<'a> {
        campaign: &'a CampaignDetail,
        counts: Counts,
        total: i64,
        done: i64,
        subject: String,
        message: String,
        report: Option<Report>,
        error: Option<String>,
        staff_campaign: bool,
        max_mib: usize,
        notice: Option<String>,
    }
    let view = View {
        total: counts.total(),
        done: counts.sent + counts.failed + counts.suppressed + counts.uncertain,
        counts,
        campaign: c,
        subject,
        message,
        report,
        error,
        staff_campaign: c.summary.audience == "staff",
        max_mib: MAX_LIST_BYTES / (1024 * 1024),
        notice: None,
    };
    render_console(
        page,
        operator,
        "console_invitations.html",
        "/admin/campagnes",
        view,
        status,
    )
}

/// `GET /admin/campagnes/{id}/invitations`.
pub async fn form(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let c = campaign(&mut tx, id).await?;
    let counts = crate::mail::status::counts(&mut tx, &campaign_filter(id)).await?;
    tx.commit().await?;
    let (subject, message) = default_message(&page, &c);
    render(
        &page,
        &operator,
        &c,
        counts,
        subject,
        message,
        None,
        None,
        StatusCode::OK,
    )
}

fn campaign_filter(id: Uuid) -> Filter {
    Filter {
        campaign: Some(id),
        kind: Some(MailKind::Invitation),
        ..Default::default()
    }
}

/// `GET /admin/campagnes/{id}/invitations/etat`: delivery counts, for the progress bar.
pub async fn progress(
    State(state): State<Ground>,
    page: Page,
    _operator: ConsoleOf<right::InviteParticipants>,
    Path(id): Path<Uuid>,
) -> Result<Json<serde_json::Value>, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    campaign(&mut tx, id).await?;
    let counts = crate::mail::status::counts(&mut tx, &campaign_filter(id)).await?;
    tx.commit().await?;
    Ok(Json(serde_json::json!({
        "counts": counts,
        "total": counts.total(),
        "done": counts.sent + counts.failed + counts.suppressed + counts.uncertain,
    })))
}

/// What the invitation form sent (a list pasted and/or a file, the message, whether the
/// addresses join the staff list), and whether the file was over the limit.
struct Sent {
    csrf: String,
    pasted: String,
    file: String,
    subject: String,
    message: String,
    as_staff: bool,
    too_big: bool,
}

async fn read_sent(multipart: &mut Multipart) -> Result<Sent, PageError> {
    let (mut csrf, mut pasted, mut file, mut subject, mut message, mut as_staff) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        false,
    );
    let mut too_big = false;
    while let Some(mut field) = multipart.next_field().await.map_err(crate::web::uploads::refused)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            match read_capped(&mut field, MAX_LIST_BYTES).await? {
                Some(bytes) => file = String::from_utf8_lossy(&bytes).into_owned(),
                None => too_big = true,
            }
            continue;
        }
        let value = crate::web::uploads::text(&mut field).await?;
        match name.as_str() {
            "csrf" => csrf = value,
            "addresses" => pasted = value,
            "subject" => subject = value.trim().to_owned(),
            "message" => message = value.trim().to_owned(),
            "as_staff" => as_staff = value == "on",
            _ => {}
        }
    }
    Ok(Sent {
        csrf,
        pasted,
        file,
        subject,
        message,
        as_staff,
        too_big,
    })
}

/// Adds the addresses to the space's staff list (internal campaigns); returns how many were new.
async fn add_staff(tx: &mut TenantTx, addresses: &[String], invited_by: Uuid) -> Result<u64, sqlx::Error> {
    let tenant = tx.tenant_id();
    let added = sqlx::query(
        "INSERT INTO staff_members (tenant_id, email, invited_by) SELECT $1, e, $3 FROM unnest($2::text[]) AS e
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(addresses)
    .bind(invited_by)
    .execute(&mut **tx)
    .await?;
    Ok(added.rows_affected())
}

/// `POST /admin/campagnes/{id}/invitations` (multipart: a pasted list and/or a file).
pub async fn send(
    State(state): State<Ground>,
    State(sessions): State<SessionCache>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    Path(id): Path<Uuid>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let Sent {
        csrf,
        pasted,
        file,
        subject,
        message,
        as_staff,
        too_big,
    } = read_sent(&mut multipart).await?;
    if !crate::web::csrf::csrf_valid(&state.csrf_key, page.tenant.id, &page.visitor, &csrf) {
        return Err(PageError::Forbidden);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let c = campaign(&mut tx, id).await?;
    let refuse = |key: &str| Some(page.text(key));
    let error = if too_big {
        refuse("invitations.too_big")
    } else if subject.is_empty()
        || subject.chars().count() > 200
        || message.chars().count() > 5000
        || crate::web::text::clean(&subject).is_err()
        || crate::web::text::clean(&message).is_err()
    {
        refuse("invitations.message_invalid")
    } else if c.published_at.is_none() {
        refuse("invitations.draft")
    } else {
        None
    };
    let list = both_lists(&pasted, &file);
    let nothing_sent = list.addresses.is_empty() && list.problems.is_empty();
    if let Some(error) = error.or_else(|| nothing_sent.then(|| page.text("invitations.empty"))) {
        let counts = crate::mail::status::counts(&mut tx, &campaign_filter(id)).await?;
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(
            &page,
            &operator,
            &c,
            counts,
            subject,
            message,
            None,
            Some(error),
            status,
        );
    }
    let link = format!("{}/consultations/{}", page.origin.base_url(), c.summary.slug);
    let text = format!("{message}\n\n{link}");
    let content = MailContent {
        kind: MailKind::Invitation,
        subject: &subject,
        text: &text,
        campaign: Some(id),
        attachment: None,
    };
    let queued = queue_bulk(&mut tx, &list.addresses, &content).await?;
    let staff_added = if as_staff {
        add_staff(&mut tx, &list.addresses, operator.0.id).await?
    } else {
        0
    };
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::INVITATIONS_SEND,
        &c.summary.slug,
        serde_json::json!({
            "queued": queued.queued, "suppressed": queued.suppressed,
            "duplicates": list.duplicates, "refused_lines": list.problems.len(), "staff_added": staff_added,
        }),
    )
    .await?;
    let counts = crate::mail::status::counts(&mut tx, &campaign_filter(id)).await?;
    tx.commit().await?;
    if staff_added > 0 {
        sessions.forget_all();
    }
    let report = Report::new(&page, &queued, list, staff_added);
    render(
        &page,
        &operator,
        &c,
        counts,
        subject,
        message,
        Some(report),
        None,
        StatusCode::OK,
    )
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
    crate::accounts::session::SessionCache: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::get;
    Router::new()
        .route(
            "/admin/campagnes/{id}/invitations",
            get(form)
                .post(send)
                .layer(crate::web::limits::layer("/admin/campagnes/{id}/invitations")),
        )
        .route("/admin/campagnes/{id}/invitations/etat", get(progress))
}
