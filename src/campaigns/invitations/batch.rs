//! A batch's page: before the confirm, the preview of the list and the confirm form (with the
//! batch's idempotency key); after it, the delivery of its mail and the addresses it skipped,
//! which the operator may re-invite.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::store::{self, Batch, Claim, KindLine, SHOWN_PER_KIND};
use super::{Progress, batch_path, campaign, format_moment, mail_text};
use crate::accounts::session::SessionCache;
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::mail::status::Filter;
use crate::mail::{BulkQueued, MailContent, MailKind, queue_batch};
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, NoticeQuery, Operator, notice, render_console, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

/// The kinds of lines a batch's page may show (see [`store::KindLine`]).
const KINDS: [&str; 8] = [
    "new",
    "already",
    "unsubscribed",
    "invited",
    "skipped",
    "reinvited",
    "repeat",
    "refused",
];

/// One line as shown, with what there is to say about it.
#[derive(Serialize)]
struct ShownLine {
    line: i32,
    value: String,
    note: String,
}

/// The lines of one kind: how many, and the first ones.
#[derive(Serialize, Default)]
struct Group {
    total: i64,
    more: i64,
    rows: Vec<ShownLine>,
}

fn note(page: &Page, l: &KindLine) -> String {
    let on = |key: &str| match l.invited_at {
        Some(at) => page
            .text(key)
            .replace("{date}", &crate::web::i18n::format_date(page.lang, at)),
        None => String::new(),
    };
    match l.kind.as_str() {
        "already" | "skipped" => on("invitations.already_on"),
        "reinvited" => on("invitations.reinvited_on"),
        "repeat" => page
            .text("invitations.repeats")
            .replace("{line}", &l.repeats_line.unwrap_or_default().to_string()),
        "refused" => l.problem.as_deref().map(|p| page.text(p)).unwrap_or_default(),
        _ => String::new(),
    }
}

async fn groups(
    tx: &mut TenantTx,
    page: &Page,
    campaign: Uuid,
    batch: Uuid,
) -> Result<BTreeMap<&'static str, Group>, PageError> {
    let mut groups: BTreeMap<&'static str, Group> = KINDS.iter().map(|k| (*k, Group::default())).collect();
    for l in store::kind_lines(tx, campaign, batch).await? {
        let Some(group) = groups.get_mut(l.kind.as_str()) else {
            continue;
        };
        group.total = l.total;
        group.more = (l.total - SHOWN_PER_KIND).max(0);
        let note = note(page, &l);
        group.rows.push(ShownLine {
            line: l.line,
            value: l.value,
            note,
        });
    }
    Ok(groups)
}

/// What the page says above the batch: a done-notice after a change, or why a post was refused
/// (the page then answers 422).
enum Said {
    Nothing,
    Notice(String),
    Refused(String),
}

/// Renders the batch's page: the preview while it is pending, its delivery once confirmed.
async fn render(
    tx: &mut TenantTx,
    page: &Page,
    operator: &Operator,
    c: &CampaignDetail,
    b: &Batch,
    said: Said,
) -> Result<Response, PageError> {
    let progress = match b.confirmed_at {
        Some(_) => Some(Progress::from(
            crate::mail::status::counts(tx, &batch_filter(b.id)).await?,
        )),
        None => None,
    };
    #[derive(Serialize)]
    struct View<'a> {
        campaign: &'a CampaignDetail,
        batch: &'a Batch,
        created: String,
        confirmed: Option<String>,
        groups: BTreeMap<&'static str, Group>,
        progress: Option<Progress>,
        notice: Option<String>,
        error: Option<String>,
    }
    let (notice, error, status) = match said {
        Said::Nothing => (None, None, StatusCode::OK),
        Said::Notice(notice) => (Some(notice), None, StatusCode::OK),
        Said::Refused(error) => (None, Some(error), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let view = View {
        campaign: c,
        batch: b,
        created: format_moment(page, b.created_at),
        confirmed: b.confirmed_at.map(|at| format_moment(page, at)),
        groups: groups(tx, page, c.summary.id, b.id).await?,
        progress,
        notice,
        error,
    };
    render_console(
        page,
        operator,
        "console_invitations_batch.html",
        "/admin/campagnes",
        view,
        status,
    )
}

fn batch_filter(batch: Uuid) -> Filter {
    Filter {
        batch: Some(batch),
        ..Default::default()
    }
}

async fn find(tx: &mut TenantTx, campaign: Uuid, batch: Uuid) -> Result<Batch, PageError> {
    store::find_batch(tx, campaign, batch).await?.ok_or(PageError::NotFound)
}

/// `GET /admin/campagnes/{id}/invitations/{batch}`.
pub async fn show(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    Path((id, batch)): Path<(Uuid, Uuid)>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let c = campaign(&mut tx, id).await?;
    let b = find(&mut tx, id, batch).await?;
    let said = notice(&page, &query).map_or(Said::Nothing, Said::Notice);
    let response = render(&mut tx, &page, &operator.0, &c, &b, said).await?;
    tx.commit().await?;
    Ok(response)
}

/// `GET /admin/campagnes/{id}/invitations/{batch}/etat`: the batch's delivery, for its page's
/// script.
pub async fn progress(
    State(state): State<Ground>,
    page: Page,
    _operator: ConsoleOf<right::InviteParticipants>,
    Path((id, batch)): Path<(Uuid, Uuid)>,
) -> Result<Json<Progress>, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    find(&mut tx, id, batch).await?;
    let counts = crate::mail::status::counts(&mut tx, &batch_filter(batch)).await?;
    tx.commit().await?;
    Ok(Json(Progress::from(counts)))
}

/// The confirm form: its idempotency key.
#[derive(Deserialize)]
pub struct ConfirmForm {
    cle: Uuid,
}

/// Queues the batch's mail to `to`, with the campaign's link.
async fn queue(
    tx: &mut TenantTx,
    page: &Page,
    c: &CampaignDetail,
    batch: Uuid,
    (subject, message): (&str, &str),
    to: &[String],
) -> Result<BulkQueued, PageError> {
    let text = mail_text(page, c, message);
    let content = MailContent {
        kind: MailKind::Invitation,
        subject,
        text: &text,
        campaign: Some(c.summary.id),
        attachment: None,
        // The team's own words, to addresses of unknown language: the space's, French.
        lang: crate::web::i18n::Lang::Fr,
    };
    Ok(queue_batch(tx, batch, to, &content).await?)
}

/// A campaign withdrawn since the upload: the batch's page again, saying why nothing went.
async fn refuse_draft(
    tx: &mut TenantTx,
    page: &Page,
    operator: &Operator,
    c: &CampaignDetail,
    batch: Uuid,
) -> Result<Response, PageError> {
    let b = find(tx, c.summary.id, batch).await?;
    render(tx, page, operator, c, &b, Said::Refused(page.text("invitations.draft"))).await
}

/// `POST /admin/campagnes/{id}/invitations/{batch}/confirmer`: queues the invitations of the
/// new addresses, once: the same key again only redirects to the batch's page.
pub async fn confirm(
    State(state): State<Ground>,
    State(sessions): State<SessionCache>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    Path((id, batch)): Path<(Uuid, Uuid)>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, PageError> {
    let path = batch_path(id, batch);
    let mut tx = state.db.begin(&page.tenant).await?;
    let c = campaign(&mut tx, id).await?;
    if c.published_at.is_none() {
        return refuse_draft(&mut tx, &page, &operator.0, &c, batch).await;
    }
    let (subject, message, as_staff) = match store::claim(&mut tx, id, batch, form.cle, &operator.0.email).await? {
        Claim::Claimed {
            subject,
            message,
            as_staff,
        } => (subject, message, as_staff),
        Claim::Done => return see_other(&path),
        Claim::WrongKey => return Err(PageError::BadRequest),
        Claim::Unknown => return Err(PageError::NotFound),
    };
    let fresh = store::invite_new(&mut tx, id, batch).await?;
    let queued = queue(&mut tx, &page, &c, batch, (&subject, &message), &fresh).await?;
    let staff_added = if as_staff {
        store::add_staff(&mut tx, batch, operator.0.id).await?
    } else {
        0
    };
    let (addresses, repeats, refused) = store::line_counts(&mut tx, batch).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::INVITATIONS_SEND,
        &c.summary.slug,
        serde_json::json!({
            "batch": batch, "queued": queued.queued, "suppressed": queued.suppressed,
            "already_invited": addresses - fresh.len() as i64, "duplicates": repeats,
            "refused_lines": refused, "staff_added": staff_added,
        }),
    )
    .await?;
    tx.commit().await?;
    if staff_added > 0 {
        sessions.forget_all();
    }
    see_other(&path)
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub struct NoFields {}

/// `POST /admin/campagnes/{id}/invitations/{batch}/reinviter`: invites again the addresses the
/// batch skipped as invited before. Done once: a second post finds none left.
pub async fn reinvite(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    Path((id, batch)): Path<(Uuid, Uuid)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    let path = batch_path(id, batch);
    let mut tx = state.db.begin(&page.tenant).await?;
    let c = campaign(&mut tx, id).await?;
    let b = find(&mut tx, id, batch).await?;
    if c.published_at.is_none() {
        return refuse_draft(&mut tx, &page, &operator.0, &c, batch).await;
    }
    let again = store::reinvite_skipped(&mut tx, id, batch).await?;
    if !again.is_empty() {
        let queued = queue(&mut tx, &page, &c, batch, (&b.subject, &b.message), &again).await?;
        crate::audit::record(
            &mut tx,
            &operator.0,
            crate::audit::AuditAction::INVITATIONS_REINVITE,
            &c.summary.slug,
            serde_json::json!({
                "batch": batch, "reinvited": again.len(), "queued": queued.queued, "suppressed": queued.suppressed,
            }),
        )
        .await?;
    }
    tx.commit().await?;
    see_other(&format!("{path}?fait=reinvitations"))
}
