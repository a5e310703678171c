//! The qualification questionnaire: standard criteria every recruitment can use, the
//! operator's own, checking a volunteer's answers, and turning the pool and the quotas into a
//! selection problem ([`super::selection::Instance`]).
//!
//! Quotas apply to choice criteria. A single choice gives one value per volunteer; a multiple
//! choice ("benefits received") becomes one yes/no criterion per option, so "at least 20 % on
//! RSA" is a quota like any other.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::selection::{Bounds, Instance};

mod instance;

pub use instance::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionKind {
    Single,
    Multiple,
    Text,
}

/// One question of the questionnaire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    /// Stable key (`family_situation`, or `custom_1`…).
    pub key: String,
    pub label: String,
    pub kind: CriterionKind,
    #[serde(default)]
    pub options: Vec<String>,
    /// Whether the volunteer must answer.
    #[serde(default)]
    pub required: bool,
}

pub(super) fn choice(key: &str, label: &str, kind: CriterionKind, options: &[&str]) -> Criterion {
    Criterion {
        key: key.into(),
        label: label.into(),
        kind,
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        required: kind == CriterionKind::Single,
    }
}

/// The standard criteria, in French (the questionnaire is shown in the space's language of
/// publication). `departements` are the space's, offered as the choices of the département
/// question.
pub fn standard_criteria(departements: &[String]) -> Vec<Criterion> {
    use CriterionKind::*;
    let mut departement_options: Vec<&str> = departements.iter().map(String::as_str).collect();
    departement_options.push("Autre département");
    vec![
        choice(
            "family_situation",
            "Situation familiale",
            Single,
            &[
                "En couple avec enfant(s)",
                "Parent seul avec enfant(s)",
                "En couple sans enfant",
                "Seul ou seule sans enfant",
                "Autre situation",
            ],
        ),
        choice(
            "children_count",
            "Nombre d’enfants à charge",
            Single,
            &["Aucun", "1", "2", "3 ou plus"],
        ),
        choice(
            "children_ages",
            "Âge des enfants",
            Multiple,
            &[
                "Moins de 3 ans",
                "3 à 5 ans",
                "6 à 11 ans",
                "12 à 17 ans",
                "18 ans ou plus",
            ],
        ),
        choice(
            "benefit_recipient",
            "Recevez-vous une prestation de la Caf ?",
            Single,
            &["Oui", "Non"],
        ),
        choice(
            "benefits",
            "Prestations reçues",
            Multiple,
            &[
                "Allocations familiales",
                "Aide au logement",
                "RSA",
                "Prime d’activité",
                "AAH",
                "Prestation d’accueil du jeune enfant",
                "Autre prestation",
            ],
        ),
        choice("departement", "Département", Single, &departement_options),
        Criterion {
            key: "commune".into(),
            label: "Commune".into(),
            kind: Text,
            options: vec![],
            required: false,
        },
        choice(
            "age_bracket",
            "Tranche d’âge",
            Single,
            &[
                "18 à 29 ans",
                "30 à 39 ans",
                "40 à 49 ans",
                "50 à 64 ans",
                "65 ans ou plus",
            ],
        ),
    ]
}

/// A volunteer's answers: criterion key → text, or list of options.
pub type Answers = BTreeMap<String, Value>;

/// Why an answer is refused (the key of the criterion, the i18n key of the message).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AnswerError {
    pub key: String,
    pub message: &'static str,
}

/// Fields of the console form that adds an operator's own question (`q_label`, `q_kind`,
/// `q_options` one per line, `q_required`), and the message key for each invalid one.
pub type CustomQuestionErrors = BTreeMap<&'static str, &'static str>;

/// Longest question label and option, and most options of a choice question.
pub(super) const LABEL_MAX: usize = 200;
pub(super) const OPTIONS_MAX: usize = 20;

/// Checks an operator's own question and gives it the next free key (`custom_1`, `custom_2`…).
/// Choice questions need 2 to 20 distinct options; text questions take none.
pub fn custom_question(
    existing: &[Criterion],
    fields: &BTreeMap<String, String>,
) -> Result<Criterion, CustomQuestionErrors> {
    let get = |k: &str| fields.get(k).map(|v| v.trim()).unwrap_or("");
    let mut errors = CustomQuestionErrors::new();
    let label = get("q_label");
    if label.is_empty() {
        errors.insert("q_label", "workshops_console.question_label_missing");
    } else if label.chars().count() > LABEL_MAX {
        errors.insert("q_label", "workshops_console.question_label_long");
    } else if existing.iter().any(|c| c.label.trim().eq_ignore_ascii_case(label)) {
        errors.insert("q_label", "workshops_console.question_label_taken");
    }
    let kind = match get("q_kind") {
        "single" => Some(CriterionKind::Single),
        "multiple" => Some(CriterionKind::Multiple),
        "text" => Some(CriterionKind::Text),
        _ => {
            errors.insert("q_kind", "workshops_console.question_kind_missing");
            None
        }
    };
    let mut options: Vec<String> = Vec::new();
    for line in get("q_options").lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.chars().count() > LABEL_MAX {
            errors.insert("q_options", "workshops_console.question_option_long");
        } else if options.iter().any(|o| o.eq_ignore_ascii_case(line)) || line == "Sans réponse" {
            errors.insert("q_options", "workshops_console.question_option_twice");
        } else {
            options.push(line.to_owned());
        }
    }
    match kind {
        Some(CriterionKind::Text) if !options.is_empty() => {
            errors.insert("q_options", "workshops_console.question_options_for_text");
        }
        Some(CriterionKind::Single | CriterionKind::Multiple) if !errors.contains_key("q_options") => {
            if options.len() < 2 {
                errors.insert("q_options", "workshops_console.question_options_few");
            } else if options.len() > OPTIONS_MAX {
                errors.insert("q_options", "workshops_console.question_options_many");
            }
        }
        _ => {}
    }
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        return Err(errors);
    };
    let number = (1..)
        .find(|n| !existing.iter().any(|c| c.key == format!("custom_{n}")))
        .unwrap_or(1);
    Ok(Criterion {
        key: format!("custom_{number}"),
        label: label.to_owned(),
        kind,
        options,
        required: get("q_required") == "oui",
    })
}

/// Keeps the answers to known criteria, checks choices against the options and required
/// answers, and returns every problem at once.
pub fn validate(criteria: &[Criterion], fields: &[(String, String)]) -> Result<Answers, Vec<AnswerError>> {
    let mut answers = Answers::new();
    let mut errors = Vec::new();
    for criterion in criteria {
        let field = format!("c-{}", criterion.key);
        let given: Vec<&str> = fields
            .iter()
            .filter(|(k, v)| *k == field && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect();
        let error = |message| AnswerError {
            key: criterion.key.clone(),
            message,
        };
        match criterion.kind {
            CriterionKind::Single => match given.as_slice() {
                [] if criterion.required => errors.push(error("workshops.answer_required")),
                [] => {}
                [one] if criterion.options.iter().any(|o| o == one) => {
                    answers.insert(criterion.key.clone(), Value::String((*one).to_owned()));
                }
                _ => errors.push(error("workshops.answer_unknown")),
            },
            CriterionKind::Multiple => {
                if given.iter().any(|g| !criterion.options.iter().any(|o| o == g)) {
                    errors.push(error("workshops.answer_unknown"));
                } else if given.is_empty() && criterion.required {
                    errors.push(error("workshops.answer_required"));
                } else {
                    let mut chosen: Vec<Value> = Vec::new();
                    for o in &criterion.options {
                        if given.contains(&o.as_str()) {
                            chosen.push(Value::String(o.clone()));
                        }
                    }
                    answers.insert(criterion.key.clone(), Value::Array(chosen));
                }
            }
            CriterionKind::Text => match given.as_slice() {
                [] if criterion.required => errors.push(error("workshops.answer_required")),
                [] => {}
                [one] if one.chars().count() <= 200 => {
                    answers.insert(criterion.key.clone(), Value::String((*one).to_owned()));
                }
                _ => errors.push(error("workshops.answer_too_long")),
            },
        }
    }
    if errors.is_empty() { Ok(answers) } else { Err(errors) }
}

#[cfg(test)]
mod tests;
