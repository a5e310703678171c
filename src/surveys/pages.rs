//! The survey page: all questions in one accessible form that works without JavaScript.
//! Conditional questions are always in the page, labelled with their condition; the server
//! ignores them when the condition is not met.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::queries::{SaveProblem, current_response, list_questions, save_response};
use super::{AnswerError, Answers, Question, QuestionKind, answers_from_form, respondent_key, validate};
use crate::accounts::pages::message;
use crate::campaigns::queries::{CampaignDetail, find_campaign};
use crate::error::PageError;
use crate::web::Ground;
use crate::web::csrf::CheckedForm;
use crate::web::page::Page;
use crate::web::pages::{see_other, sign_in_first};

#[derive(Serialize)]
struct QuestionView<'a> {
    #[serde(flatten)]
    question: &'a Question,
    number: usize,
    field: String,
    /// Chosen options (choices) or the chosen value (scale), as strings.
    selected: Vec<String>,
    text: String,
    /// For ranking: the rank given to each option, 0 when none.
    ranks: Vec<usize>,
    scale: Vec<i32>,
    error: Option<String>,
    /// "Answer only if you answered « X » to question N."
    condition: Option<String>,
}

fn views<'a>(
    page: &Page,
    questions: &'a [Question],
    values: &Answers,
    errors: &[AnswerError],
) -> Vec<QuestionView<'a>> {
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let value = values.get(&q.id);
            let selected = match value {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Number(n)) => vec![n.to_string()],
                Some(Value::Array(items)) if q.kind != QuestionKind::Ranking => {
                    items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
                }
                _ => Vec::new(),
            };
            let ranks = match (q.kind, value) {
                (QuestionKind::Ranking, Some(Value::Array(order))) => q
                    .options
                    .iter()
                    .map(|o| {
                        order
                            .iter()
                            .position(|v| v.as_str() == Some(o))
                            .map(|p| p + 1)
                            .unwrap_or(0)
                    })
                    .collect(),
                _ => vec![0; q.options.len()],
            };
            let condition = q.condition.as_ref().and_then(|c| {
                let n = questions.iter().position(|p| p.id == c.question_id)? + 1;
                Some(
                    page.text("survey.condition")
                        .replace("{value}", &c.value)
                        .replace("{n}", &n.to_string()),
                )
            });
            QuestionView {
                question: q,
                number: i + 1,
                field: format!("q-{}", q.id),
                text: match value {
                    Some(Value::String(s)) => s.clone(),
                    _ => String::new(),
                },
                selected,
                ranks,
                scale: (q.scale_min..=q.scale_max).collect(),
                error: errors
                    .iter()
                    .find(|e| e.question_id == q.id)
                    .map(|e| page.text(e.message)),
                condition,
            }
        })
        .collect()
}

#[derive(Deserialize)]
pub struct SavedQuery {
    enregistre: Option<String>,
}

async fn survey_campaign(
    state: &Ground,
    page: &Page,
    slug: &str,
) -> Result<(crate::tenancy::TenantTx, CampaignDetail), PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = find_campaign(&mut tx, slug)
        .await?
        .filter(|c| c.has_survey)
        .ok_or(PageError::NotFound)?;
    if !campaign.admits(&page.tenant, page.account.as_ref()) {
        return Err(PageError::StaffOnly);
    }
    Ok((tx, campaign))
}

#[derive(Serialize)]
struct SurveyView<'a> {
    campaign: &'a CampaignDetail,
    questions: Vec<QuestionView<'a>>,
    errors: usize,
    saved: bool,
    answered: bool,
    open: bool,
    submission_key: Uuid,
}

/// `GET /consultations/{slug}/questionnaire`: the form, filled with the current answers.
pub async fn survey_page(
    State(state): State<Ground>,
    page: Page,
    Path(slug): Path<String>,
    Query(query): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return sign_in_first(&page.path);
    };
    let (mut tx, campaign) = survey_campaign(&state, &page, &slug).await?;
    let questions = list_questions(&mut tx, &campaign).await?;
    let key = respondent_key(&state.csrf_key, campaign.summary.id, account.id);
    let current = current_response(&mut tx, &campaign, &key).await?;
    tx.commit().await?;
    let answered = current.is_some();
    let values = current.map(|(_, a)| a).unwrap_or_default();
    let view = SurveyView {
        campaign: &campaign,
        questions: views(&page, &questions, &values, &[]),
        errors: 0,
        saved: query.enregistre.is_some() && answered,
        answered,
        open: campaign.is_open(),
        submission_key: Uuid::new_v4(),
    };
    Ok(page.render("survey.html", view)?.into_response())
}

/// `POST /consultations/{slug}/questionnaire`: validates everything, then stores it atomically.
pub async fn submit_survey(
    State(state): State<Ground>,
    page: Page,
    Path(slug): Path<String>,
    CheckedForm { form: fields, refused }: CheckedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return sign_in_first(&page.path);
    };
    // A refused character (a NUL...) in an answer: that question is flagged, the other answers
    // and that one (without the character) are shown again, nothing is stored.
    let refused_question = match refused.clone() {
        Some(field) => Some(
            field
                .strip_prefix("q-")
                .and_then(|rest| rest.split("-rang-").next())
                .and_then(|id| id.parse::<Uuid>().ok())
                .ok_or(PageError::InvalidText(field))?,
        ),
        None => None,
    };
    let (mut tx, campaign) = survey_campaign(&state, &page, &slug).await?;
    if !campaign.is_open() {
        let mut r = message(&page, "survey.closed_title", &["survey.closed_body"], None)?;
        *r.status_mut() = StatusCode::CONFLICT;
        return Ok(r);
    }
    let questions = list_questions(&mut tx, &campaign).await?;
    // A form that no longer reads without the refused characters: the error page says why.
    let unreadable = || refused.clone().map_or(PageError::BadRequest, PageError::InvalidText);
    let raw = answers_from_form(&questions, &fields).map_err(|_| unreadable())?;
    let submission_key = fields
        .iter()
        .find(|(k, _)| k == "submission_key")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(unreadable)?;
    let checked = match (validate(&questions, &raw), refused_question) {
        (Ok(answers), None) => Ok(answers),
        (Ok(_), Some(question_id)) => Err(vec![AnswerError {
            question_id,
            message: "error.invalid_text.field",
        }]),
        (Err(mut errors), Some(question_id)) => {
            errors.retain(|e| e.question_id != question_id);
            errors.push(AnswerError {
                question_id,
                message: "error.invalid_text.field",
            });
            Err(errors)
        }
        (Err(errors), None) => Err(errors),
    };
    let answers = match checked {
        Ok(answers) => answers,
        Err(errors) => {
            drop(tx);
            // Show what was typed, with each error next to its question.
            let typed: Answers = raw.into_iter().collect();
            let view = SurveyView {
                campaign: &campaign,
                questions: views(&page, &questions, &typed, &errors),
                errors: errors.len(),
                saved: false,
                answered: false,
                open: true,
                submission_key,
            };
            let mut response = page.render("survey.html", view)?.into_response();
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let key = respondent_key(&state.csrf_key, campaign.summary.id, account.id);
    let stored_account = (!campaign.anonymous_responses).then_some(account.id);
    match save_response(&mut tx, &campaign, &key, stored_account, &answers, submission_key).await? {
        Ok(version) => {
            tx.commit().await?;
            if version == 1 {
                crate::telemetry::metrics::contribution(&page.tenant.slug, "response");
            }
            see_other(&format!("/consultations/{slug}/questionnaire?enregistre=1"))
        }
        Err(SaveProblem::AnsweredElsewhere) => {
            let mut r = message(&page, "survey.elsewhere_title", &["survey.elsewhere_body"], None)?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
    }
}
