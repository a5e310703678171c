//! The campaign editor, in the console: a campaign's fields, its survey's questions (every
//! kind, with conditions, ordered), its cover, preview and publication, on one page
//! (`/admin/campagnes/{id}`). It lives with the surveys because the page it draws shows and edits
//! the questions; the list of campaigns is [`crate::campaigns::console`]. National campaigns are
//! written on the national space. Plain forms: each step works without JavaScript; a refused
//! entry comes back on the page with what was typed.

mod copies;
mod editor;
mod publication;
mod questions;

pub use publication::COVER_MAX_BYTES;

use axum::Router;
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Serialize;
use uuid::Uuid;

use crate::campaigns::authoring::{self, CampaignForm, Problem};
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::surveys::Question;
use crate::surveys::authoring::QuestionForm;
use crate::tenancy::{TenantKind, TenantTx};
use crate::web::console::{Operator, render_console};
use crate::web::page::Page;

#[derive(Serialize)]
pub(super) struct Shown {
    field: &'static str,
    message: String,
}

pub(super) fn shown(page: &Page, problems: &[Problem]) -> Vec<Shown> {
    problems
        .iter()
        .map(|p| Shown {
            field: p.field,
            message: page.text(p.message),
        })
        .collect()
}

#[derive(Serialize)]
pub(super) struct EditView<'a> {
    /// `None` for a new campaign.
    campaign: Option<&'a CampaignDetail>,
    form: CampaignForm,
    errors: Vec<Shown>,
    questions: Vec<QuestionView>,
    /// Every choice question, for the condition of a question added at the end.
    choices_for_new: Vec<ConditionChoice>,
    new_question: QuestionForm,
    question_errors: Vec<Shown>,
    /// The question whose form the errors belong to (`None`: the new question form).
    question_in_error: Option<Uuid>,
    national: bool,
    notice: Option<String>,
    /// The key of the "duplicate" form: sent twice, it makes one copy.
    copy_key: Uuid,
}

#[derive(Serialize)]
pub(super) struct QuestionView {
    question: Question,
    form: QuestionForm,
    /// Earlier choice questions, for its condition.
    earlier: Vec<ConditionChoice>,
}

/// A choice question a condition may look at: "N. label", and the answers to choose from.
#[derive(Serialize)]
pub(super) struct ConditionChoice {
    id: Uuid,
    label: String,
    options: Vec<String>,
}

pub(super) fn question_views(questions: &[Question]) -> Vec<QuestionView> {
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| QuestionView {
            question: q.clone(),
            form: QuestionForm::from_question(q),
            earlier: choice_questions(&questions[..i]),
        })
        .collect()
}

pub(super) fn choice_questions(questions: &[Question]) -> Vec<ConditionChoice> {
    use crate::surveys::QuestionKind::*;
    questions
        .iter()
        .filter(|q| matches!(q.kind, SingleChoice | MultipleChoice))
        .map(|q| ConditionChoice {
            id: q.id,
            label: format!("{}. {}", q.position, q.label),
            options: q.options.clone(),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub(super) fn render_edit(
    page: &Page,
    operator: &Operator,
    campaign: Option<&CampaignDetail>,
    form: CampaignForm,
    errors: Vec<Shown>,
    questions: &[Question],
    question_errors: Option<(Option<Uuid>, Vec<Shown>, QuestionForm)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (question_in_error, question_errors, new_question) = match question_errors {
        Some((which, errors, form)) if which.is_none() => (None, errors, form),
        Some((which, errors, _)) => (which, errors, QuestionForm::default()),
        None => (None, Vec::new(), QuestionForm::default()),
    };
    let view = EditView {
        campaign,
        form,
        errors,
        questions: question_views(questions),
        choices_for_new: choice_questions(questions),
        new_question,
        question_errors,
        question_in_error,
        national: page.tenant.kind == TenantKind::National,
        notice: None,
        copy_key: Uuid::new_v4(),
    };
    render_console(
        page,
        operator,
        "console_campaign.html",
        "/admin/campagnes",
        view,
        status,
    )
}

/// A form's parse, unless the boundary refused a character (a NUL...) in one of its text
/// `fields`: then that field's problem, so the form comes back with the entry kept. A refused
/// character elsewhere (a hidden field) gets the error page.
pub(super) fn checked<T>(
    refused: Option<String>,
    fields: &[&'static str],
    parse: impl FnOnce() -> Result<T, Vec<Problem>>,
) -> Result<Result<T, Vec<Problem>>, PageError> {
    match refused {
        None => Ok(parse()),
        Some(field) => match authoring::refused_text(fields, &field) {
            Some(problem) => Ok(Err(vec![problem])),
            None => Err(PageError::InvalidText(field)),
        },
    }
}

/// The saved campaign's page again, with one problem (a locale key) on `field`.
pub(super) fn refuse(
    page: &Page,
    operator: &Operator,
    campaign: &CampaignDetail,
    questions: &[Question],
    field: &'static str,
    message: &'static str,
    status: StatusCode,
) -> Result<Response, PageError> {
    refuse_with(page, operator, campaign, questions, field, page.text(message), status)
}

/// [`refuse`] with a message already worded (one that carries figures, such as a quota's).
pub(super) fn refuse_with(
    page: &Page,
    operator: &Operator,
    campaign: &CampaignDetail,
    questions: &[Question],
    field: &'static str,
    message: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let errors = vec![Shown { field, message }];
    let form = CampaignForm::from_campaign(campaign);
    render_edit(page, operator, Some(campaign), form, errors, questions, None, status)
}

/// The saved campaign's page again, with the problems of one question's form: `which` names
/// the question (`None`: the form that adds one, shown with `form` as typed).
pub(super) fn refuse_question(
    page: &Page,
    operator: &Operator,
    (campaign, questions): (&CampaignDetail, &[Question]),
    which: Option<Uuid>,
    problems: &[Problem],
    form: QuestionForm,
    status: StatusCode,
) -> Result<Response, PageError> {
    let errors = (which, shown(page, problems), form);
    let campaign_form = CampaignForm::from_campaign(campaign);
    render_edit(
        page,
        operator,
        Some(campaign),
        campaign_form,
        Vec::new(),
        questions,
        Some(errors),
        status,
    )
}

pub(super) async fn load(tx: &mut TenantTx, id: Uuid) -> Result<(CampaignDetail, Vec<Question>), PageError> {
    let campaign = authoring::find(tx, id).await?.ok_or(PageError::NotFound)?;
    let questions = crate::surveys::queries::list_questions(tx, &campaign).await?;
    Ok((campaign, questions))
}

/// The editor's routes.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: FromRef<S>,
    crate::db::changes::Forget: FromRef<S>,
{
    Router::new()
        .route("/admin/campagnes", post(editor::create))
        .route("/admin/campagnes/nouvelle", get(editor::new_form))
        .route("/admin/campagnes/{id}", get(editor::edit).post(editor::update))
        .route("/admin/campagnes/{id}/apercu", get(editor::preview))
        .route("/admin/campagnes/{id}/publication", post(publication::publish))
        .route("/admin/campagnes/{id}/couverture", post(publication::upload_cover))
        .route("/admin/campagnes/{id}/copie", post(copies::duplicate))
        .route(
            "/admin/campagnes/{id}/suppression",
            get(copies::confirm_delete).post(copies::delete),
        )
        .route("/admin/campagnes/{id}/questions", post(questions::add_question))
        .route(
            "/admin/campagnes/{id}/questions/{question}",
            post(questions::update_question),
        )
        .route(
            "/admin/campagnes/{id}/questions/{question}/deplacer",
            post(questions::move_question),
        )
        .route(
            "/admin/campagnes/{id}/questions/{question}/suppression",
            post(questions::remove_question),
        )
}
