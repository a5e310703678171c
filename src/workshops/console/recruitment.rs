//! Opening the recruitment, and what it asks: sessions, and the operator's own questions
//! (until the draw).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDateTime;
use uuid::Uuid;

use crate::campaigns::authoring;
use crate::db::changes::Forget;
use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::csrf::{CheckedForm, CsrfForm};
use crate::web::page::Page;
use crate::web::pages::see_other;
use crate::workshops::applications::find_recruitment;
use crate::workshops::criteria::{custom_question, standard_criteria};
use crate::workshops::queries::{self, NewSession};

use super::render_again;
use super::view::*;

/// `POST /admin/campagnes/{id}/ateliers`: opens the recruitment with the standard questionnaire.
pub async fn open(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    authoring::find(&mut tx, id).await?.ok_or(PageError::NotFound)?;
    let criteria = standard_criteria(&page.tenant.departements);
    if let Some(r) = queries::create_recruitment(&mut tx, id, &criteria, 6).await? {
        crate::audit::record(
            &mut tx,
            &operator.0,
            crate::audit::AuditAction::WORKSHOPS_OPEN,
            &r.to_string(),
            serde_json::json!({"campaign": id}),
        )
        .await?;
    }
    tx.commit().await?;
    // The campaign page shows the link to the application page from now on.
    forget.campaign(id);
    see_other(&format!("/admin/campagnes/{id}/ateliers"))
}

/// A session's form read: title, place and address given (within their lengths), a start
/// before the end (Paris time, as typed), a capacity of 1 or more; `None` otherwise.
pub(super) fn read_session(page: &Page, f: &BTreeMap<String, String>) -> Option<NewSession> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let time = |k: &str| NaiveDateTime::parse_from_str(&get(k), "%Y-%m-%dT%H:%M").ok();
    let (starts_at, ends_at) = (time("starts_at")?, time("ends_at")?);
    let capacity = get("capacity").parse::<i32>().ok()?;
    // Within the lengths the table takes (over them the insert would fail).
    let fits = |k: &str, max: usize| (1..=max).contains(&get(k).chars().count());
    let complete = ends_at > starts_at
        && capacity > 0
        && fits("title", 200)
        && fits("place", 200)
        && fits("address", 500)
        && get("accessibility").chars().count() <= 2000;
    complete.then(|| NewSession {
        title: get("title"),
        caf_name: page.tenant.name.clone(),
        place: get("place"),
        address: get("address"),
        accessibility: get("accessibility"),
        starts_at,
        ends_at,
        capacity,
    })
}

/// `POST /admin/campagnes/{id}/ateliers/seances`: adds a session.
pub async fn add_session(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path(id): Path<Uuid>,
    checked: CheckedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    // A refused character (a NUL...): the form again with the rest of the entry, nothing stored;
    // in a field the form does not show, the French page.
    let (fields, refused) = checked.shown(|f| SESSION_FIELDS.contains(&f))?;
    let refused_text = refused.is_some();
    let f: BTreeMap<String, String> = fields.into_iter().map(|(k, v)| (k, v.trim().to_owned())).collect();
    let (campaign, recruitment, pool, draw) = load(&state, &page, id).await?;
    let Some(recruitment) = recruitment else {
        return Err(PageError::NotFound);
    };
    let session = match read_session(&page, &f).filter(|_| !refused_text) {
        Some(session) => session,
        _ => {
            let problems = vec![page.text(if refused_text {
                "error.invalid_text.field"
            } else {
                "workshops_console.session_invalid"
            })];
            return render(
                &page,
                &operator,
                &campaign,
                Some(&recruitment),
                &pool,
                draw,
                &f,
                problems,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let sid = queries::add_session(&mut tx, recruitment.id, &session).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::WORKSHOPS_SESSION,
        &sid.to_string(),
        serde_json::json!({"title": session.title}),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/ateliers"))
}

/// `POST /admin/campagnes/{id}/ateliers/questions`: adds the operator's own question to the
/// questionnaire (single or multiple choice, which can carry quotas, or short text), until the
/// draw is made. Invalid fields are shown next to the form's fields (422).
pub async fn add_question(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path(id): Path<Uuid>,
    checked: CheckedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (fields, refused) = checked.shown(|f| f.starts_with("q_"))?;
    let mut form: BTreeMap<String, String> = fields.into_iter().filter(|(k, _)| k.starts_with("q_")).collect();
    let mut tx = state.db.begin(&page.tenant).await?;
    queries::lock_recruitment(&mut tx, id).await?;
    let recruitment = find_recruitment(&mut tx, page.tenant.id, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let drawn = queries::find_draw(&mut tx, recruitment.id).await?.is_some();
    let outcome = if drawn {
        Err(vec![page.text("workshops_console.question_after_draw")])
    } else if let Some(field) = refused {
        // A refused character: the message beside that field, the rest of the entry kept.
        form.insert(format!("err_{field}"), page.text("error.invalid_text.field"));
        Err(Vec::new())
    } else {
        custom_question(&recruitment.criteria, &form).map_err(|errors| {
            for (field, message) in errors {
                form.insert(format!("err_{field}"), page.text(message));
            }
            Vec::new()
        })
    };
    let question = match outcome {
        Ok(question) => question,
        Err(problems) => {
            drop(tx);
            let status = if drawn {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return render_again(&state, &page, &operator, id, &form, problems, status).await;
        }
    };
    queries::add_criterion(&mut tx, recruitment.id, &question).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::WORKSHOPS_QUESTION,
        &recruitment.id.to_string(),
        serde_json::json!({"key": question.key, "label": question.label, "kind": question.kind, "options": question.options.len()}),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/ateliers?fait=question#questionnaire"))
}

/// `POST /admin/campagnes/{id}/ateliers/questions/{key}/suppression`: removes one of the
/// operator's own questions, with the answers volunteers gave to it, while no panel is drawn
/// (afterwards the questionnaire is frozen: 409). The standard criteria stay.
pub async fn remove_question(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path((id, key)): Path<(Uuid, String)>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if !key.starts_with("custom_") {
        return Err(PageError::BadRequest);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    queries::lock_recruitment(&mut tx, id).await?;
    let recruitment = find_recruitment(&mut tx, page.tenant.id, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let Some(question) = recruitment.criteria.iter().find(|c| c.key == key) else {
        return Err(PageError::NotFound);
    };
    if queries::find_draw(&mut tx, recruitment.id).await?.is_some() {
        drop(tx);
        let problems = vec![page.text("workshops_console.question_after_draw")];
        return render_again(
            &state,
            &page,
            &operator,
            id,
            &BTreeMap::new(),
            problems,
            StatusCode::CONFLICT,
        )
        .await;
    }
    let answers = queries::remove_criterion(&mut tx, recruitment.id, &key).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::WORKSHOPS_QUESTION_REMOVED,
        &recruitment.id.to_string(),
        serde_json::json!({"key": key, "label": question.label, "answers_removed": answers}),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!(
        "/admin/campagnes/{id}/ateliers?fait=suppression#questionnaire"
    ))
}

#[derive(serde::Deserialize)]
pub struct StateForm {
    action: String,
}

/// `POST /admin/campagnes/{id}/ateliers/etat`: closes the recruitment (applications are then
/// refused with a French message) or opens it again, which the draw forbids. Audited; sending it
/// twice changes nothing more.
pub async fn set_state(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<StateForm>,
) -> Result<Response, PageError> {
    let open = match form.action.as_str() {
        "fermer" => false,
        "rouvrir" => true,
        _ => return Err(PageError::BadRequest),
    };
    let (_, recruitment, _, _) = load(&state, &page, id).await?;
    let recruitment = recruitment.ok_or(PageError::NotFound)?;
    if open && recruitment.drawn {
        let problem = page.text("workshops_console.reopen_after_draw");
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
    let mut tx = state.db.begin(&page.tenant).await?;
    let changed =
        sqlx::query("UPDATE workshop_recruitments SET open = $3 WHERE tenant_id = $1 AND id = $2 AND open <> $3")
            .bind(tx.tenant_id())
            .bind(recruitment.id)
            .bind(open)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if changed > 0 {
        let action = if open {
            crate::audit::AuditAction::WORKSHOPS_REOPEN
        } else {
            crate::audit::AuditAction::WORKSHOPS_CLOSE
        };
        let details = serde_json::json!({ "campaign": id });
        crate::audit::record(&mut tx, &operator.0, action, &recruitment.id.to_string(), details).await?;
    }
    tx.commit().await?;
    forget.campaign(id);
    let done = if open {
        "recrutement_ouvert"
    } else {
        "recrutement_ferme"
    };
    see_other(&format!("/admin/campagnes/{id}/ateliers?fait={done}"))
}
