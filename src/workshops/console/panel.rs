//! After the draw: invitations, placing people in sessions, and who came.

use axum::extract::{Path, State};
use axum::response::Response;
use uuid::Uuid;

use crate::error::PageError;
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;
use crate::workshops::applications::{Recruitment, find_recruitment};
use crate::workshops::assignment;
use crate::workshops::queries::{self, DrawRecord, SelectionRow};

/// The campaign's recruitment and its draw, or 404 (no recruitment, or no draw yet).
async fn drawn(tx: &mut TenantTx, campaign: Uuid) -> Result<(Recruitment, DrawRecord, Vec<SelectionRow>), PageError> {
    let tenant = tx.tenant_id();
    let recruitment = find_recruitment(tx, tenant, campaign)
        .await?
        .ok_or(PageError::NotFound)?;
    let (draw, selections) = queries::find_draw(tx, recruitment.id)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok((recruitment, draw, selections))
}

/// `POST /admin/campagnes/{id}/ateliers/invitations`: mails everyone drawn who has no link yet
/// (answer within 7 days).
pub async fn send_invitations(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (_, draw, _) = drawn(&mut tx, id).await?;
    let sent = crate::workshops::invitations::send_invitations(&mut tx, draw.id, &page.origin.base_url(), 7).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::WORKSHOPS_INVITE,
        &draw.id.to_string(),
        serde_json::json!({"sent": sent}),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/ateliers"))
}

/// `POST /admin/campagnes/{id}/ateliers/repartition`: places the drawn people who have no
/// session yet in sessions they can attend, within capacities (sessions already set, by hand
/// or before, are kept). Those who cannot be placed are listed on the page.
pub async fn assign_sessions(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (recruitment, draw, _) = drawn(&mut tx, id).await?;
    // Answers, promotions and other assignments of this draw wait: capacities hold.
    crate::workshops::invitations::lock_draw(&mut tx, draw.id).await?;
    let (_, selections) = queries::find_draw(&mut tx, recruitment.id)
        .await?
        .ok_or(PageError::NotFound)?;
    let pool = queries::pool(&mut tx, recruitment.id).await?;
    let plan = assignment::plan(&recruitment.sessions, &pool, &selections);
    let placed = queries::assign_sessions(&mut tx, draw.id, &plan.new).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::WORKSHOPS_ASSIGN,
        &draw.id.to_string(),
        serde_json::json!({"placed": placed, "unplaced": plan.unplaced.len()}),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/ateliers?fait=repartition"))
}

/// `POST /admin/campagnes/{id}/ateliers/presences`: for each person of the panel (invited or
/// confirmed), the session (`seance-{application}`), set by hand; for confirmed people,
/// whether they came (`present-{application}` = `oui`).
pub async fn record_attendance(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path(id): Path<Uuid>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (recruitment, draw, selections) = drawn(&mut tx, id).await?;
    let value = |name: String| fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str());
    let mut marks = Vec::new();
    for s in selections
        .iter()
        .filter(|s| s.status == "confirmed" || s.status == "invited")
    {
        let session = match value(format!("seance-{}", s.application_id)) {
            None | Some("") => None,
            Some(v) => Some(
                v.parse::<Uuid>()
                    .ok()
                    .filter(|id| recruitment.sessions.iter().any(|x| x.id == *id))
                    .ok_or(PageError::BadRequest)?,
            ),
        };
        let present = value(format!("present-{}", s.application_id)) == Some("oui");
        marks.push((s.application_id, session, present));
    }
    // People who had a session and are given another are told, with an updated calendar.
    let moves: Vec<(Uuid, Uuid)> = marks
        .iter()
        .filter_map(|(application, session, _)| {
            let before = selections
                .iter()
                .find(|s| s.application_id == *application)?
                .session_id?;
            (session.is_some() && *session != Some(before)).then_some((*application, before))
        })
        .collect();
    let changed = queries::record_attendance(&mut tx, draw.id, &marks).await?;
    let told = crate::workshops::invitations::send_session_changes(&mut tx, draw.id, &moves).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::WORKSHOPS_ATTENDANCE,
        &draw.id.to_string(),
        serde_json::json!({"rows": changed, "moved_and_told": told}),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/ateliers"))
}

/// The form recording the answer of someone drawn who has no address.
#[derive(serde::Deserialize)]
pub struct AnswerForm {
    personne: Uuid,
    choix: String,
}

/// `POST /admin/campagnes/{id}/ateliers/reponses`: the answer an operator took by phone or
/// letter (`choix` `oui` or `non`) from someone drawn without an address; a decline promotes from
/// the waitlist as a declined link does. Once: a second submit finds the answer recorded.
pub async fn record_answer(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Result<Response, PageError> {
    use crate::workshops::invitations::{Answer, answer_for};
    let answer = match form.choix.as_str() {
        "oui" => Answer::Confirm,
        "non" => Answer::Decline,
        _ => return Err(PageError::BadRequest),
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let (_, draw, _) = drawn(&mut tx, id).await?;
    let origin = page.origin.base_url();
    if answer_for(&mut tx, draw.id, form.personne, answer, &origin)
        .await?
        .is_some()
    {
        crate::audit::record(
            &mut tx,
            &operator.0,
            crate::audit::AuditAction::WORKSHOPS_ANSWER,
            &form.personne.to_string(),
            serde_json::json!({"draw": draw.id, "answer": form.choix}),
        )
        .await?;
    }
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/ateliers"))
}
