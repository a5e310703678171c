//! The recruitment page: the pool, its counts by answer and by session, the sessions, the
//! draw and its explanation, drawn in one place for every handler that shows it.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use uuid::Uuid;

use crate::campaigns::authoring;
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::Operator;
use crate::web::console::render_console;
use crate::web::page::Page;
use crate::workshops::applications::{Recruitment, find_recruitment};
use crate::workshops::assignment::{self, Unplaced};
use crate::workshops::criteria::CriterionKind;
use crate::workshops::queries::{self, DrawRecord, SelectionRow, Volunteer};

pub(super) use super::quotas::{CriterionCounts, Unit, asked_fields, counts, read_quotas};

#[derive(Serialize)]
pub(super) struct SessionCount {
    pub(super) title: String,
    pub(super) starts_at: chrono::DateTime<chrono::Utc>,
    pub(super) ends_at: chrono::DateTime<chrono::Utc>,
    pub(super) capacity: i32,
    pub(super) available: usize,
}

#[derive(Serialize)]
pub(super) struct PoolRow {
    pub(super) number: usize,
    pub(super) application_id: Uuid,
    pub(super) email: String,
    pub(super) probability: Option<f64>,
    pub(super) status: Option<String>,
    pub(super) confirmed: bool,
    /// Invited or confirmed: has a place in the panel, so a session.
    pub(super) in_panel: bool,
    pub(super) session_id: Option<Uuid>,
    pub(super) attended: bool,
    /// Drawn without an address and not answered yet: the operator records their answer.
    pub(super) to_contact: bool,
}

#[derive(Serialize)]
pub(super) struct AttendanceLine {
    pub(super) title: String,
    pub(super) starts_at: chrono::DateTime<chrono::Utc>,
    pub(super) ends_at: chrono::DateTime<chrono::Utc>,
    pub(super) capacity: i32,
    pub(super) assigned: usize,
    pub(super) attended: usize,
}

#[derive(Serialize)]
pub(super) struct View<'a> {
    pub(super) campaign: &'a CampaignDetail,
    pub(super) recruitment: Option<&'a Recruitment>,
    pub(super) pool_size: usize,
    pub(super) criteria: Vec<CriterionCounts>,
    pub(super) sessions: Vec<SessionCount>,
    pub(super) draw: Option<DrawRecord>,
    pub(super) seed: Option<String>,
    pub(super) rows: Vec<PoolRow>,
    pub(super) seats: String,
    /// How the quotas are typed: `pourcentage` or `places`.
    pub(super) unit: &'static str,
    /// The imported files' columns, offered for the household rule: (field, column, ticked).
    pub(super) household_columns: Vec<(String, String, bool)>,
    pub(super) problems: Vec<String>,
    pub(super) notice: Option<String>,
    pub(super) attendance: Vec<AttendanceLine>,
    pub(super) session_options: Vec<(Uuid, String)>,
    /// Drawn people without a session whom the automatic assignment can place.
    pub(super) to_place: usize,
    /// Drawn people who cannot be placed: (address, why).
    pub(super) unplaceable: Vec<(String, String)>,
    /// The questionnaire as it stands: (label, kind, whether the operator added it).
    /// (label, kind, operator's own, key)
    pub(super) questions: Vec<(String, String, bool, String)>,
    /// The form adding a question: what was typed, and a message per invalid field.
    pub(super) question: BTreeMap<String, String>,
    /// The form adding a session: what was typed, when it was refused.
    pub(super) session: BTreeMap<String, String>,
}

/// The fields of the form that adds a session (shown again when it is refused).
pub(super) const SESSION_FIELDS: &[&str] = &[
    "title",
    "place",
    "address",
    "accessibility",
    "starts_at",
    "ends_at",
    "capacity",
];

pub(super) async fn load(
    state: &Ground,
    page: &Page,
    id: Uuid,
) -> Result<
    (
        CampaignDetail,
        Option<Recruitment>,
        Vec<Volunteer>,
        Option<(DrawRecord, Vec<SelectionRow>)>,
    ),
    PageError,
> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = authoring::find(&mut tx, id).await?.ok_or(PageError::NotFound)?;
    let recruitment = find_recruitment(&mut tx, page.tenant.id, id).await?;
    let (pool, draw) = match &recruitment {
        Some(r) => (
            queries::pool(&mut tx, r.id).await?,
            queries::find_draw(&mut tx, r.id).await?,
        ),
        None => (Vec::new(), None),
    };
    tx.commit().await?;
    Ok((campaign, recruitment, pool, draw))
}

#[expect(
    clippy::too_many_arguments,
    reason = "one view assembled from what the handlers loaded"
)]
pub(super) fn render(
    page: &Page,
    operator: &Operator,
    campaign: &CampaignDetail,
    recruitment: Option<&Recruitment>,
    pool: &[Volunteer],
    draw: Option<(DrawRecord, Vec<SelectionRow>)>,
    fields: &BTreeMap<String, String>,
    problems: Vec<String>,
    notice_text: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (draw, selections) = match draw {
        Some((d, s)) => (Some(d), s),
        None => (None, Vec::new()),
    };
    let attendance = attendance_lines(recruitment, &selections);
    let session_options = recruitment
        .map(|r| r.sessions.iter().map(|s| (s.id, s.title.clone())).collect())
        .unwrap_or_default();
    let placing = recruitment
        .map(|r| assignment::plan(&r.sessions, pool, &selections))
        .unwrap_or_default();
    let unplaceable = unplaceable(page, pool, &placing.unplaced);
    let rows = pool_rows(page, pool, &selections);
    let seated: Vec<Uuid> = selections
        .iter()
        .filter(|s| s.status == "invited" || s.status == "confirmed")
        .map(|s| s.application_id)
        .collect();
    let typed_seats = fields
        .get("seats")
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|&s| s > 0);
    let asked = recruitment
        .zip(draw.as_ref())
        .map(|(r, d)| asked_fields(r, &d.quotas, d.seats as u32));
    let shown = asked.as_ref().unwrap_or(fields);
    let view = View {
        campaign,
        recruitment,
        pool_size: pool.len(),
        criteria: recruitment
            .map(|r| match &draw {
                Some(d) => counts(page, r, pool, shown, Some(&seated), Some(d.seats as u32)),
                None => counts(page, r, pool, fields, None, typed_seats),
            })
            .unwrap_or_default(),
        unit: match Unit::of(shown) {
            Unit::Percent => "pourcentage",
            Unit::Seats => "places",
        },
        household_columns: household_columns(pool)
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let field = format!("foyer-{i}");
                let ticked = fields.contains_key(&field) || draw.as_ref().is_some_and(|d| d.households.contains(&c));
                (field, c, ticked)
            })
            .collect(),
        sessions: session_counts(recruitment, pool),
        seed: draw
            .as_ref()
            .map(|d| u64::from_ne_bytes(d.seed.to_ne_bytes()).to_string()),
        draw,
        rows,
        seats: fields.get("seats").cloned().unwrap_or_default(),
        problems,
        notice: notice_text,
        attendance,
        session_options,
        to_place: placing.new.len(),
        unplaceable,
        questions: question_lines(page, recruitment),
        question: fields
            .iter()
            .filter(|(k, _)| k.starts_with("q_") || k.starts_with("err_q_"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        session: fields
            .iter()
            .filter(|(k, _)| SESSION_FIELDS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    render_console(
        page,
        operator,
        "console_workshops.html",
        "/admin/ateliers",
        view,
        status,
    )
}

/// The imported files' columns, in the pool's order: what the household rule can use.
pub(super) fn household_columns(pool: &[Volunteer]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in pool {
        for (c, _) in &v.columns {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
    }
    out
}

/// Each session's seats, people placed and people who came.
fn attendance_lines(recruitment: Option<&Recruitment>, selections: &[SelectionRow]) -> Vec<AttendanceLine> {
    recruitment
        .map(|r| {
            r.sessions
                .iter()
                .map(|s| AttendanceLine {
                    title: s.title.clone(),
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                    capacity: s.capacity,
                    assigned: selections.iter().filter(|x| x.session_id == Some(s.id)).count(),
                    attended: selections
                        .iter()
                        .filter(|x| x.session_id == Some(s.id) && x.attended == Some(true))
                        .count(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Those the automatic placing leaves out, with why (their e-mail, the reason in words).
fn unplaceable(page: &Page, pool: &[Volunteer], unplaced: &[(Uuid, Unplaced)]) -> Vec<(String, String)> {
    unplaced
        .iter()
        .map(|(application, why)| {
            let email = pool
                .iter()
                .find(|v| v.application_id == *application)
                .map(|v| shown_email(page, v))
                .unwrap_or_default();
            let why = match why {
                Unplaced::NoAvailability => page.text("workshops_console.unplaced_no_availability"),
                Unplaced::SessionsFull => page.text("workshops_console.unplaced_full"),
            };
            (email, why)
        })
        .collect()
}

/// How the console names a volunteer: their address, or for someone imported without one,
/// their id in the file and "sans adresse".
fn shown_email(page: &Page, v: &Volunteer) -> String {
    match (v.email.is_empty(), &v.external_id) {
        (false, _) => v.email.clone(),
        (true, Some(id)) => format!("{id} ({})", page.text("workshops_console.no_email")),
        (true, None) => page.text("workshops_console.no_email"),
    }
}

/// What the console calls a selection's state: "invited" only once the invitation has left the
/// outbox (invitations queued before it was followed count as sent).
fn shown_status(s: &SelectionRow) -> &str {
    match (s.status.as_str(), s.invitation_made, s.mail_status.as_deref()) {
        ("invited", false, _) => "to_invite",
        ("invited", true, Some("queued" | "sending" | "uncertain")) => "invitation_queued",
        ("invited", true, Some("failed" | "suppressed" | "bounced")) => "invitation_failed",
        (status, _, _) => status,
    }
}

/// The pool, one row a volunteer, with their place in the draw if any.
fn pool_rows(page: &Page, pool: &[Volunteer], selections: &[SelectionRow]) -> Vec<PoolRow> {
    pool.iter()
        .enumerate()
        .map(|(i, v)| {
            let s = selections.iter().find(|s| s.application_id == v.application_id);
            PoolRow {
                number: i + 1,
                application_id: v.application_id,
                confirmed: s.is_some_and(|s| s.status == "confirmed"),
                in_panel: s.is_some_and(|s| s.status == "confirmed" || s.status == "invited"),
                session_id: s.and_then(|s| s.session_id),
                attended: s.and_then(|s| s.attended).unwrap_or(false),
                to_contact: v.email.is_empty() && s.is_some_and(|s| s.status == "invited"),
                email: shown_email(page, v),
                probability: s.map(|s| s.probability),
                status: s.map(|s| {
                    if s.status == "waitlist" {
                        format!(
                            "{} {}",
                            page.text("workshops_console.waitlist"),
                            s.waitlist_rank.unwrap_or(0)
                        )
                    } else if v.email.is_empty() && s.status == "invited" {
                        page.text("workshops_console.status.to_contact")
                    } else {
                        page.text(&format!("workshops_console.status.{}", shown_status(s)))
                    }
                }),
            }
        })
        .collect()
}

/// Each session with how many volunteers can attend it.
fn session_counts(recruitment: Option<&Recruitment>, pool: &[Volunteer]) -> Vec<SessionCount> {
    recruitment
        .map(|r| {
            r.sessions
                .iter()
                .map(|s| SessionCount {
                    title: s.title.clone(),
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                    capacity: s.capacity,
                    available: pool.iter().filter(|v| v.sessions.contains(&s.id)).count(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The questionnaire's questions: label, kind in words, whether the operator added it, key.
fn question_lines(page: &Page, recruitment: Option<&Recruitment>) -> Vec<(String, String, bool, String)> {
    recruitment
        .map(|r| {
            r.criteria
                .iter()
                .map(|c| {
                    let kind = match c.kind {
                        CriterionKind::Single => "single",
                        CriterionKind::Multiple => "multiple",
                        CriterionKind::Text => "text",
                    };
                    (
                        c.label.clone(),
                        page.text(&format!("workshops_console.question_kind.{kind}")),
                        c.key.starts_with("custom_"),
                        c.key.clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
