//! The survey page: one accessible form that works without JavaScript.
//!
//! A question shown on a condition (an answer to an earlier question) appears only when the
//! condition is met. Without JavaScript the survey comes in steps ([`super::steps`]): the
//! answers so far are sent with "Continuer", checked, and the next step is shown with the
//! questions their answers call for. With JavaScript every step is on the page at once and
//! each conditional question appears or hides as the answer it depends on changes. Either way
//! the server keeps no answer to a question whose condition is not met.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::queries::{SaveProblem, current_response, list_questions, save_response};
use super::{AnswerError, Answers, Question, QuestionKind, answers_from_form, respondent_key, shown, steps, validate};
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
    step: usize,
    /// Not on the page yet: a later step, or a condition not met.
    hidden: bool,
    /// The field and the answer its condition waits for (for the script).
    condition_field: Option<String>,
    condition_value: Option<String>,
}

/// The questions as the page shows them, up to step `reached` (later steps are hidden).
fn views<'a>(
    page: &Page,
    questions: &'a [Question],
    values: &Answers,
    errors: &[AnswerError],
    reached: usize,
) -> Vec<QuestionView<'a>> {
    let steps = steps(questions);
    let shown = shown(questions, values);
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
                step: steps[i],
                hidden: steps[i] > reached || !shown[i],
                condition_field: q.condition.as_ref().map(|c| format!("q-{}", c.question_id)),
                condition_value: q.condition.as_ref().map(|c| c.value.clone()),
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
    /// The last step shown (without JavaScript), and the survey's last step.
    reached: usize,
    last_step: usize,
}

fn last_step(questions: &[Question]) -> usize {
    steps(questions).last().copied().unwrap_or(0)
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
    // Someone who answered sees every step, to change any answer.
    let last = last_step(&questions);
    let reached = if answered { last } else { 0 };
    let view = SurveyView {
        campaign: &campaign,
        questions: views(&page, &questions, &values, &[], reached),
        errors: 0,
        saved: query.enregistre.is_some() && answered,
        answered,
        open: campaign.is_open(),
        submission_key: Uuid::new_v4(),
        reached,
        last_step: last,
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
    if !campaign.hears(&account) {
        return crate::campaigns::pages::verified_first(&page, &slug);
    }
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
    // "Continuer" (without JavaScript): the steps before `next` are checked, then shown again
    // with the next one; nothing is stored yet.
    let last = last_step(&questions);
    let next = fields
        .iter()
        .find(|(k, _)| k == "etape")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .filter(|n| (1..=last).contains(n));
    let steps = steps(&questions);
    let scope = match next {
        Some(n) => &questions[..steps.iter().take_while(|&&s| s < n).count()],
        None => &questions[..],
    };
    let in_scope: std::collections::BTreeMap<Uuid, Value> = match next {
        Some(_) => raw
            .iter()
            .filter(|(id, _)| scope.iter().any(|q| q.id == **id))
            .map(|(k, v)| (*k, v.clone()))
            .collect(),
        None => raw.clone(),
    };
    let checked = check(
        scope,
        &in_scope,
        refused_question.filter(|id| scope.iter().any(|q| q.id == *id)),
    );
    let typed: Answers = raw.into_iter().collect();
    let answers = match (checked, next) {
        (Ok(_), Some(n)) => {
            let form = Form {
                campaign: &campaign,
                questions: &questions,
                submission_key,
                reached: n,
                last_step: last,
            };
            return form.render(&page, &typed, &[], StatusCode::OK);
        }
        (Ok(answers), None) => answers,
        (Err(errors), next) => {
            drop(tx);
            // Show what was typed, with each error next to its question.
            let reached = next.map_or(last, |n| n - 1);
            let form = Form {
                campaign: &campaign,
                questions: &questions,
                submission_key,
                reached,
                last_step: last,
            };
            return form.render(&page, &typed, &errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let key = respondent_key(&state.csrf_key, campaign.summary.id, account.id);
    let stored_account = (!campaign.anonymous_responses).then_some(account.id);
    match save_response(
        &mut tx,
        &campaign,
        &key,
        stored_account,
        account.id,
        &answers,
        submission_key,
    )
    .await?
    {
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
        Err(SaveProblem::OneVoice) => {
            let mut r = message(&page, "survey.one_voice_title", &["survey.one_voice_body"], None)?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
    }
}

/// The answers checked, with a refused character's question (`refused`) flagged among the errors.
fn check(
    questions: &[Question],
    raw: &std::collections::BTreeMap<Uuid, Value>,
    refused: Option<Uuid>,
) -> Result<Answers, Vec<AnswerError>> {
    let flagged = |question_id| AnswerError {
        question_id,
        message: "error.invalid_text.field",
    };
    match (validate(questions, raw), refused) {
        (Ok(answers), None) => Ok(answers),
        (Ok(_), Some(question_id)) => Err(vec![flagged(question_id)]),
        (Err(mut errors), Some(question_id)) => {
            errors.retain(|e| e.question_id != question_id);
            errors.push(flagged(question_id));
            Err(errors)
        }
        (Err(errors), None) => Err(errors),
    }
}

/// The form again after a POST: what was typed, its errors, up to step `reached`.
struct Form<'a> {
    campaign: &'a CampaignDetail,
    questions: &'a [Question],
    submission_key: Uuid,
    reached: usize,
    last_step: usize,
}

impl Form<'_> {
    fn render(
        &self,
        page: &Page,
        typed: &Answers,
        errors: &[AnswerError],
        status: StatusCode,
    ) -> Result<Response, PageError> {
        let view = SurveyView {
            campaign: self.campaign,
            questions: views(page, self.questions, typed, errors, self.reached),
            errors: errors.len(),
            saved: false,
            answered: false,
            open: true,
            submission_key: self.submission_key,
            reached: self.reached,
            last_step: self.last_step,
        };
        let mut response = page.render("survey.html", view)?.into_response();
        *response.status_mut() = status;
        Ok(response)
    }
}
