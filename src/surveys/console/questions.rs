//! A survey's questions: added at the end, saved, moved, removed (unless answered or used
//! by another's condition).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::{checked, load, refuse_question};
use crate::campaigns::authoring::Problem;
use crate::error::PageError;
use crate::surveys::authoring::{self as question_authoring, QuestionForm, RemoveProblem};
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::csrf::{CheckedForm, CsrfForm};
use crate::web::page::Page;
use crate::web::pages::see_other;

/// `POST /admin/campagnes/{id}/questions`: adds a question at the end.
pub async fn add_question(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
    CheckedForm { form, refused }: CheckedForm<QuestionForm>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    match checked(refused, question_authoring::QUESTION_TEXT_FIELDS, || {
        form.parse(&questions)
    })? {
        Ok(draft) => {
            question_authoring::add_question(&mut tx, id, &draft).await?;
            crate::audit::record(
                &mut tx,
                &operator.0,
                crate::audit::AuditAction::SURVEY_ADD_QUESTION,
                &campaign.summary.slug,
                serde_json::json!({ "label": draft.label }),
            )
            .await?;
            tx.commit().await?;
            see_other(&format!("/admin/campagnes/{id}?fait=question#questions"))
        }
        Err(problems) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            refuse_question(&page, &operator, (&campaign, &questions), None, &problems, form, status)
        }
    }
}

/// `POST /admin/campagnes/{id}/questions/{question}`: saves one question.
pub async fn update_question(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path((id, question)): Path<(Uuid, Uuid)>,
    CheckedForm { form, refused }: CheckedForm<QuestionForm>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    let position = questions
        .iter()
        .position(|q| q.id == question)
        .ok_or(PageError::NotFound)?;
    match checked(refused, question_authoring::QUESTION_TEXT_FIELDS, || {
        form.parse(&questions[..position])
    })? {
        Ok(draft) => {
            question_authoring::update_question(&mut tx, id, question, &draft).await?;
            crate::audit::record(
                &mut tx,
                &operator.0,
                crate::audit::AuditAction::SURVEY_UPDATE_QUESTION,
                &campaign.summary.slug,
                serde_json::json!({ "question": question }),
            )
            .await?;
            tx.commit().await?;
            see_other(&format!("/admin/campagnes/{id}?fait=question#q-{question}"))
        }
        Err(problems) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            refuse_question(
                &page,
                &operator,
                (&campaign, &questions),
                Some(question),
                &problems,
                form,
                status,
            )
        }
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    direction: String,
}

/// `POST /admin/campagnes/{id}/questions/{question}/deplacer`.
pub async fn move_question(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path((id, question)): Path<(Uuid, Uuid)>,
    CsrfForm(form): CsrfForm<MoveForm>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    let up = match form.direction.as_str() {
        "haut" => true,
        "bas" => false,
        _ => return Err(PageError::BadRequest),
    };
    if question_authoring::move_question(&mut tx, &questions, question, up).await? {
        crate::audit::record(
            &mut tx,
            &operator.0,
            crate::audit::AuditAction::SURVEY_MOVE_QUESTION,
            &campaign.summary.slug,
            serde_json::json!({ "question": question, "up": up }),
        )
        .await?;
    }
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}#q-{question}"))
}

/// `POST /admin/campagnes/{id}/questions/{question}/suppression`.
pub async fn remove_question(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path((id, question)): Path<(Uuid, Uuid)>,
    CsrfForm(_): CsrfForm<crate::accounts::pages::Empty>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    let why = match question_authoring::remove_question(&mut tx, id, question).await? {
        Ok(()) => {
            crate::audit::record(
                &mut tx,
                &operator.0,
                crate::audit::AuditAction::SURVEY_REMOVE_QUESTION,
                &campaign.summary.slug,
                serde_json::json!({ "question": question }),
            )
            .await?;
            tx.commit().await?;
            return see_other(&format!("/admin/campagnes/{id}?fait=suppression#questions"));
        }
        Err(RemoveProblem::NotFound) => return Err(PageError::NotFound),
        Err(RemoveProblem::Answered) => "authoring.question_answered",
        Err(RemoveProblem::Referenced) => "authoring.question_referenced",
    };
    drop(tx);
    let problems = [Problem {
        field: "label",
        message: why,
    }];
    let form = QuestionForm::default();
    let status = StatusCode::CONFLICT;
    refuse_question(
        &page,
        &operator,
        (&campaign, &questions),
        Some(question),
        &problems,
        form,
        status,
    )
}
