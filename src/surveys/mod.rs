//! Surveys: a campaign's ordered questions, and one response per participant.
//!
//! Question kinds: single choice, multiple choice (with a maximum), scale (within 1–10), short
//! text, long text, ranking. A question can be shown only when another question's answer
//! includes a value. Answers are validated here, in one place, for pages and API alike; a
//! response is stored atomically (all answers or none) and editing appends a new version.

pub mod api;
pub mod authoring;
pub mod console;
pub mod pages;
pub mod queries;

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::web::Ground;

/// The survey API's part of the OpenAPI document (`crate::app::openapi` merges the parts).
#[derive(utoipa::OpenApi)]
#[openapi(paths(api::get_questions, api::get_response, api::put_response))]
pub struct Api;

/// The surveys' routes: the questionnaire page, its API and the campaign editor.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: FromRef<S>,
    crate::db::changes::Forget: FromRef<S>,
{
    Router::new()
        .merge(console::routes())
        .route(
            "/consultations/{slug}/questionnaire",
            get(pages::survey_page).post(pages::submit_survey),
        )
        .route("/api/v1/campaigns/{slug}/survey", get(api::get_questions))
        .route(
            "/api/v1/campaigns/{slug}/survey/response",
            get(api::get_response).put(api::put_response),
        )
}

pub const SHORT_TEXT_MAX: usize = 200;
pub const LONG_TEXT_MAX: usize = 4000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    SingleChoice,
    MultipleChoice,
    Scale,
    ShortText,
    LongText,
    Ranking,
}

impl QuestionKind {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "single_choice" => QuestionKind::SingleChoice,
            "multiple_choice" => QuestionKind::MultipleChoice,
            "scale" => QuestionKind::Scale,
            "short_text" => QuestionKind::ShortText,
            "long_text" => QuestionKind::LongText,
            "ranking" => QuestionKind::Ranking,
            _ => return None,
        })
    }
}

/// "Show this question only if the answer to `question_id` includes `value`."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Condition {
    pub question_id: Uuid,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Question {
    pub id: Uuid,
    pub position: i32,
    pub kind: QuestionKind,
    pub label: String,
    pub help: String,
    pub required: bool,
    /// Open data publishes the answers (chosen for free-text questions; see
    /// `results::open_data`).
    pub open_data: bool,
    pub options: Vec<String>,
    pub max_choices: Option<i32>,
    pub scale_min: i32,
    pub scale_max: i32,
    pub condition: Option<Condition>,
}

/// A validation problem on one question (message: a locale key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerError {
    pub question_id: Uuid,
    pub message: &'static str,
}

/// Validated answers, keyed by question, only for questions that are shown.
pub type Answers = BTreeMap<Uuid, Value>;

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Whether `answer` includes `wanted` (a chosen option, a text, or a scale value).
fn includes(answer: &Value, wanted: &str) -> bool {
    match answer {
        Value::String(s) => s == wanted,
        Value::Number(n) => n.to_string() == wanted,
        Value::Array(items) => items.iter().any(|i| i.as_str() == Some(wanted)),
        _ => false,
    }
}

fn as_strings(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// Checks one non-empty answer against its question; returns the normalised value.
fn check(question: &Question, value: &Value) -> Result<Value, &'static str> {
    match question.kind {
        QuestionKind::SingleChoice => match value.as_str() {
            Some(s) if question.options.iter().any(|o| o == s) => Ok(Value::String(s.to_owned())),
            _ => Err("survey.unknown_option"),
        },
        QuestionKind::MultipleChoice => {
            let chosen = match value {
                Value::String(s) => vec![s.clone()],
                other => as_strings(other).ok_or("survey.unknown_option")?,
            };
            if chosen.iter().any(|c| !question.options.contains(c)) {
                return Err("survey.unknown_option");
            }
            let mut unique = chosen.clone();
            unique.sort();
            unique.dedup();
            if unique.len() != chosen.len() {
                return Err("survey.duplicate_choice");
            }
            if question.max_choices.is_some_and(|max| chosen.len() > max as usize) {
                return Err("survey.too_many_choices");
            }
            // Stored in the options' order, whatever order they came in.
            Ok(Value::from(
                question
                    .options
                    .iter()
                    .filter(|o| chosen.contains(o))
                    .cloned()
                    .collect::<Vec<_>>(),
            ))
        }
        QuestionKind::Scale => {
            let n = match value {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
            .ok_or("survey.scale_range")?;
            if n < i64::from(question.scale_min) || n > i64::from(question.scale_max) {
                return Err("survey.scale_range");
            }
            Ok(Value::from(n))
        }
        QuestionKind::ShortText | QuestionKind::LongText => {
            let text = value
                .as_str()
                .ok_or("survey.text_expected")?
                .trim()
                .replace("\r\n", "\n");
            let max = if question.kind == QuestionKind::ShortText {
                SHORT_TEXT_MAX
            } else {
                LONG_TEXT_MAX
            };
            if text.chars().count() > max {
                return Err("validation.too_long");
            }
            Ok(Value::String(text))
        }
        QuestionKind::Ranking => {
            let order = as_strings(value).ok_or("survey.ranking_incomplete")?;
            let mut sorted = order.clone();
            sorted.sort();
            let mut options = question.options.clone();
            options.sort();
            if sorted != options {
                return Err("survey.ranking_incomplete");
            }
            Ok(Value::from(order))
        }
    }
}

/// The step of each question, in order: a question whose condition looks at a question of the
/// current step opens the next one, so that without JavaScript the condition is known (from the
/// answers sent with "Continuer") before the question is shown or left out.
pub fn steps(questions: &[Question]) -> Vec<usize> {
    let mut steps: Vec<usize> = Vec::with_capacity(questions.len());
    let mut current = 0;
    for (i, question) in questions.iter().enumerate() {
        if let Some(c) = &question.condition
            && let Some(j) = questions[..i].iter().position(|q| q.id == c.question_id)
            && steps[j] == current
        {
            current += 1;
        }
        steps.push(current);
    }
    steps
}

/// Whether each question is shown, given the answers: no condition, or its condition met by
/// the answer to a question that is itself shown.
pub fn shown(questions: &[Question], answers: &Answers) -> Vec<bool> {
    let mut shown: Vec<bool> = Vec::with_capacity(questions.len());
    for question in questions {
        let visible = match &question.condition {
            None => true,
            Some(c) => questions
                .iter()
                .position(|q| q.id == c.question_id)
                .filter(|&j| j < shown.len() && shown[j])
                .and_then(|_| answers.get(&c.question_id))
                .is_some_and(|a| includes(a, &c.value)),
        };
        shown.push(visible);
    }
    shown
}

/// Validates a whole submission against the survey, in question order (a condition refers to an
/// earlier question). Unknown question ids are an error; answers to questions hidden by their
/// condition are dropped; a required question that is shown must be answered.
pub fn validate(questions: &[Question], raw: &BTreeMap<Uuid, Value>) -> Result<Answers, Vec<AnswerError>> {
    let mut errors = Vec::new();
    for id in raw.keys() {
        if !questions.iter().any(|q| q.id == *id) {
            errors.push(AnswerError {
                question_id: *id,
                message: "survey.unknown_question",
            });
        }
    }
    let mut answers = Answers::new();
    for question in questions {
        let shown = match &question.condition {
            None => true,
            Some(c) => answers.get(&c.question_id).is_some_and(|a| includes(a, &c.value)),
        };
        if !shown {
            continue;
        }
        match raw.get(&question.id).filter(|v| !is_empty(v)) {
            None if question.required => errors.push(AnswerError {
                question_id: question.id,
                message: "validation.required",
            }),
            None => {}
            Some(value) => match check(question, value) {
                Ok(value) => {
                    answers.insert(question.id, value);
                }
                Err(message) => errors.push(AnswerError {
                    question_id: question.id,
                    message,
                }),
            },
        }
    }
    if errors.is_empty() { Ok(answers) } else { Err(errors) }
}

/// Turns form fields into raw answers. Fields are `q-<id>` (repeated for multiple choice) and
/// `q-<id>-rang-<i>` (the rank given to option `i` of a ranking question).
pub fn answers_from_form(
    questions: &[Question],
    fields: &[(String, String)],
) -> Result<BTreeMap<Uuid, Value>, &'static str> {
    let mut raw: BTreeMap<Uuid, Value> = BTreeMap::new();
    let mut ranks: BTreeMap<Uuid, Vec<(usize, usize)>> = BTreeMap::new();
    for (name, value) in fields {
        let Some(rest) = name.strip_prefix("q-") else { continue };
        let (id, rank_of) = match rest.split_once("-rang-") {
            Some((id, i)) => (id, Some(i.parse::<usize>().map_err(|_| "survey.bad_form")?)),
            None => (rest, None),
        };
        let id: Uuid = id.parse().map_err(|_| "survey.bad_form")?;
        let question = questions.iter().find(|q| q.id == id);
        match (question.map(|q| q.kind), rank_of) {
            (Some(QuestionKind::Ranking), Some(option)) => {
                if !value.is_empty() {
                    let rank = value.parse::<usize>().map_err(|_| "survey.bad_form")?;
                    ranks.entry(id).or_default().push((rank, option));
                }
            }
            (Some(QuestionKind::MultipleChoice), None) => {
                if let Value::Array(items) = raw.entry(id).or_insert_with(|| Value::Array(Vec::new())) {
                    items.push(Value::String(value.clone()));
                }
            }
            (Some(_), None) | (None, _) => {
                raw.insert(id, Value::String(value.clone()));
            }
            (Some(_), Some(_)) => return Err("survey.bad_form"),
        }
    }
    for (id, mut given) in ranks {
        let question = questions.iter().find(|q| q.id == id).expect("ranked question exists");
        given.sort();
        let ranks_ok = given.iter().enumerate().all(|(i, (rank, _))| *rank == i + 1);
        let value = if ranks_ok && given.len() == question.options.len() {
            Value::from(
                given
                    .iter()
                    .map(|(_, option)| question.options.get(*option).cloned().unwrap_or_default())
                    .collect::<Vec<_>>(),
            )
        } else if given.is_empty() {
            Value::Null
        } else {
            // Each rank must be used once: let validation explain it.
            Value::String("incomplete".into())
        };
        raw.insert(id, value);
    }
    Ok(raw)
}

/// The key of one person's response to one survey: an HMAC, so responses of an anonymous survey
/// carry no account id yet the person can still find and edit theirs.
pub fn respondent_key(key: &ring::hmac::Key, campaign: Uuid, account: Uuid) -> Vec<u8> {
    ring::hmac::sign(key, format!("respondent|{campaign}|{account}").as_bytes())
        .as_ref()
        .to_vec()
}

#[cfg(test)]
mod tests;
