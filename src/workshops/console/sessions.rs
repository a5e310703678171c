//! Editing a session (`POST /admin/campagnes/{id}/ateliers/seances/{session}`): its title,
//! date and times, place, address, accessibility and capacity. Its capacity never goes below the
//! people already placed in it. When what people need to come changes, its revision goes up
//! and those invited to it or confirmed are told by mail, with their calendar event updated
//! (same UID, next SEQUENCE). Audited.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::csrf::CheckedForm;
use crate::web::i18n::Lang;
use crate::web::page::Page;
use crate::web::pages::see_other;
use crate::workshops::invitations::send_session_edit;

use super::recruitment::read_session;
use super::render_again;
use super::view::SESSION_FIELDS;

/// `POST /admin/campagnes/{id}/ateliers/seances/{session}`.
pub async fn edit_session(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path((id, session)): Path<(Uuid, Uuid)>,
    checked: CheckedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (fields, refused) = checked.shown(|f| SESSION_FIELDS.contains(&f))?;
    let f: BTreeMap<String, String> = fields.into_iter().collect();
    let refuse = |key: &str| page.text(key);
    let Some(new) = read_session(&page, &f).filter(|_| refused.is_none()) else {
        let problem = refuse(if refused.is_some() {
            "error.invalid_text.field"
        } else {
            "workshops_console.session_invalid"
        });
        return render_again(
            &state,
            &page,
            &operator,
            id,
            &BTreeMap::new(),
            vec![problem],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let old = current(&mut tx, id, session).await?.ok_or(PageError::NotFound)?;
    if i64::from(new.capacity) < old.placed {
        drop(tx);
        let problem = refuse("workshops_console.capacity_below_placed").replace("{n}", &old.placed.to_string());
        return render_again(
            &state,
            &page,
            &operator,
            id,
            &BTreeMap::new(),
            vec![problem],
            StatusCode::CONFLICT,
        )
        .await;
    }
    // The lines that say what changed, in a language: each person told reads their own; the
    // audit log keeps them in French.
    let describe_in = |lang: Lang| {
        let local = |t: chrono::NaiveDateTime| crate::web::format::local_date_time(lang, t);
        describe(
            lang,
            &[
                ("starts", &local(old.starts), &local(new.starts_at)),
                ("ends", &local(old.ends), &local(new.ends_at)),
                ("place", &old.place, &new.place),
                ("address", &old.address, &new.address),
                ("accessibility", &old.accessibility, &new.accessibility),
                ("title", &old.title, &new.title),
            ],
        )
    };
    let changes = describe_in(Lang::Fr);
    let revised = !changes.is_empty();
    sqlx::query!(
        "UPDATE workshop_sessions
            SET title = $3, place = $4, address = $5, accessibility = $6,
                starts_at = $7::timestamp AT TIME ZONE 'Europe/Paris', ends_at = $8::timestamp AT TIME ZONE 'Europe/Paris',
                capacity = $9, sequence = sequence + CASE WHEN $10 THEN 1 ELSE 0 END
          WHERE tenant_id = $1 AND id = $2",
        tx.tenant_id(),
        session,
        &new.title,
        &new.place,
        &new.address,
        &new.accessibility,
        new.starts_at,
        new.ends_at,
        new.capacity,
        revised,
    )
    .execute(&mut *tx)
    .await?;
    let told = if revised {
        send_session_edit(&mut tx, session, &describe_in).await?
    } else {
        0
    };
    let details = serde_json::json!({ "changes": changes, "told": told, "capacity": new.capacity });
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::WORKSHOPS_SESSION_EDIT,
        &session.to_string(),
        details,
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/ateliers?fait=seance"))
}

/// The mail's lines for what changed: "Lieu : Salle Bleue (au lieu de Maison des familles)",
/// from (label, before, after) triples, the unchanged left out.
fn describe(lang: Lang, fields: &[(&str, &str, &str)]) -> Vec<String> {
    fields
        .iter()
        .filter(|(_, before, after)| before != after)
        .map(|(field, before, after)| {
            let label = lang.text(&format!("workshop_mail.fields.{field}"));
            lang.fill(
                "workshop_mail.edit_line",
                &[("label", &label), ("after", after), ("before", before)],
            )
        })
        .collect()
}

/// The session as it is, with how many people hold a seat in it.
struct Current {
    title: String,
    place: String,
    address: String,
    accessibility: String,
    starts: chrono::NaiveDateTime,
    ends: chrono::NaiveDateTime,
    placed: i64,
}

/// The session, of this campaign's recruitment, locked while it changes.
async fn current(
    tx: &mut crate::tenancy::TenantTx,
    campaign: Uuid,
    session: Uuid,
) -> Result<Option<Current>, sqlx::Error> {
    sqlx::query_as!(
        Current,
        r#"SELECT w.title, w.place, w.address, w.accessibility,
                w.starts_at AT TIME ZONE 'Europe/Paris' AS "starts!",
                w.ends_at AT TIME ZONE 'Europe/Paris' AS "ends!",
                (SELECT count(*) FROM workshop_selections s
                  WHERE s.tenant_id = w.tenant_id AND s.session_id = w.id AND s.status IN ('invited', 'confirmed'))
                  AS "placed!"
           FROM workshop_sessions w
           JOIN workshop_recruitments r ON r.tenant_id = w.tenant_id AND r.id = w.recruitment_id
          WHERE w.tenant_id = $1 AND w.id = $2 AND r.campaign_id = $3
          FOR UPDATE OF w"#,
        tx.tenant_id(),
        session,
        campaign,
    )
    .fetch_optional(&mut **tx)
    .await
}
