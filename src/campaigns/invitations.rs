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

use crate::accounts::EmailAddress;
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

/// Largest list file taken (about 100,000 addresses).
pub const MAX_LIST_BYTES: usize = 4 * 1024 * 1024;

/// A line that could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineProblem {
    pub line: usize,
    pub value: String,
    /// Locale key.
    pub reason: &'static str,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ParsedList {
    pub addresses: Vec<String>,
    pub duplicates: usize,
    pub problems: Vec<LineProblem>,
}

/// Reads a pasted list or a CSV export: cells split on `,`, `;` or tabs (quotes removed); every
/// cell holding an `@` is an address (so "a@x.fr, b@y.fr" on one line is two people). A first
/// line without any `@` is taken as a header; later ones are reported. Empty lines are skipped.
pub fn parse_list(text: &str) -> ParsedList {
    let mut parsed = ParsedList::default();
    let mut seen = std::collections::HashSet::new();
    for (index, raw) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if crate::web::text::clean(line).is_err() {
            parsed.problems.push(LineProblem {
                line: index + 1,
                value: line
                    .chars()
                    .filter(|c| crate::web::text::allowed(*c))
                    .take(80)
                    .collect(),
                reason: "invitations.control",
            });
            continue;
        }
        let cells: Vec<&str> = line
            .split([',', ';', '\t'])
            .map(|c| c.trim().trim_matches('"').trim())
            .collect();
        let found: Vec<&&str> = cells.iter().filter(|c| c.contains('@')).collect();
        if found.is_empty() {
            if index > 0 || parsed.addresses.len() + parsed.problems.len() > 0 {
                parsed.problems.push(LineProblem {
                    line: index + 1,
                    value: line.chars().take(80).collect(),
                    reason: "invitations.no_address",
                });
            }
            continue;
        }
        for cell in found {
            match EmailAddress::parse(cell) {
                Ok(email) => {
                    if seen.insert(email.as_str().to_owned()) {
                        parsed.addresses.push(email.as_str().to_owned());
                    } else {
                        parsed.duplicates += 1;
                    }
                }
                Err(_) => parsed.problems.push(LineProblem {
                    line: index + 1,
                    value: cell.chars().take(80).collect(),
                    reason: "invitations.invalid",
                }),
            }
        }
    }
    parsed
}

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

/// `POST /admin/campagnes/{id}/invitations` (multipart: a pasted list and/or a file).
pub async fn send(
    State(state): State<Ground>,
    State(sessions): State<SessionCache>,
    page: Page,
    operator: ConsoleOf<right::InviteParticipants>,
    Path(id): Path<Uuid>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
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
    let mut list = parse_list(&pasted);
    let from_file = parse_list(&file);
    list.problems.extend(from_file.problems);
    list.duplicates += from_file.duplicates;
    for address in from_file.addresses {
        if list.addresses.contains(&address) {
            list.duplicates += 1;
        } else {
            list.addresses.push(address);
        }
    }
    if error.is_none() && list.addresses.is_empty() && list.problems.is_empty() {
        let counts = crate::mail::status::counts(&mut tx, &campaign_filter(id)).await?;
        let error = Some(page.text("invitations.empty"));
        return render(
            &page,
            &operator,
            &c,
            counts,
            subject,
            message,
            None,
            error,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    if let Some(error) = error {
        let counts = crate::mail::status::counts(&mut tx, &campaign_filter(id)).await?;
        return render(
            &page,
            &operator,
            &c,
            counts,
            subject,
            message,
            None,
            Some(error),
            StatusCode::UNPROCESSABLE_ENTITY,
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
        sqlx::query(
            "INSERT INTO staff_members (tenant_id, email, invited_by) SELECT $1, e, $3 FROM unnest($2::text[]) AS e
             ON CONFLICT DO NOTHING",
        )
        .bind(page.tenant.id)
        .bind(&list.addresses)
        .bind(operator.0.id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    } else {
        0
    };
    crate::audit::record(
        &mut tx,
        &operator.0,
        "invitations.send",
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
    let report = Report {
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
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_with_a_control_character_is_refused_with_its_number() {
        let parsed = parse_list("nom;email\nDurand;anne@exemple.fr\nNul;a\u{0}b@exemple.fr\n");
        assert_eq!(parsed.addresses, vec!["anne@exemple.fr"]);
        assert_eq!(
            parsed.problems,
            vec![LineProblem {
                line: 3,
                value: "Nul;ab@exemple.fr".into(),
                reason: "invitations.control"
            }]
        );
    }

    #[test]
    fn lists_and_csv_exports_are_read_line_by_line() {
        let csv = "\u{feff}nom;prénom;email\nDurand;Anne;anne.durand@exemple.fr\n\"Martin\";\"Paul\";\"PAUL@exemple.fr\"\n\nsans adresse;x\nBernard;Luc;luc@\npaul@exemple.fr\n";
        let parsed = parse_list(csv);
        assert_eq!(parsed.addresses, vec!["anne.durand@exemple.fr", "paul@exemple.fr"]);
        assert_eq!(parsed.duplicates, 1);
        assert_eq!(
            parsed.problems,
            vec![
                LineProblem {
                    line: 5,
                    value: "sans adresse;x".into(),
                    reason: "invitations.no_address"
                },
                LineProblem {
                    line: 6,
                    value: "luc@".into(),
                    reason: "invitations.invalid"
                },
            ]
        );
        assert_eq!(
            parse_list("a@b.fr, c@d.fr").addresses,
            vec!["a@b.fr", "c@d.fr"],
            "a pasted list"
        );
    }
}
