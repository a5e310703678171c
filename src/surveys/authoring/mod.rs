//! Writing a campaign's survey questions from the console: validated drafts of a question
//! (its kind, options, scale and the condition that shows it), and the queries that store,
//! move and remove them, in the space's own transaction.

use serde::Serialize;
use uuid::Uuid;

use super::{Question, QuestionKind};
use crate::campaigns::authoring::{Problem, checked, problem};
use crate::tenancy::TenantTx;

/// The text fields of [`QuestionForm`].
pub const QUESTION_TEXT_FIELDS: &[&str] = &[
    "kind",
    "label",
    "help",
    "options",
    "max_choices",
    "scale_min",
    "scale_max",
    "condition_question",
    "condition_value",
    "condition",
];

/// The question form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
pub struct QuestionForm {
    pub kind: String,
    pub label: String,
    #[serde(default)]
    pub help: String,
    pub required: Option<String>,
    /// Free-text questions: publish the answers in open data.
    pub open_data: Option<String>,
    /// One option per line.
    #[serde(default)]
    pub options: String,
    #[serde(default)]
    pub max_choices: String,
    #[serde(default)]
    pub scale_min: String,
    #[serde(default)]
    pub scale_max: String,
    /// An earlier choice question's id, or empty.
    #[serde(default)]
    pub condition_question: String,
    #[serde(default)]
    pub condition_value: String,
    /// The builder's one choice of a question and its answer, `<question id>:<answer>`: when
    /// present, it stands for the two fields above.
    #[serde(default)]
    pub condition: String,
}

/// A question ready to store.
#[derive(Debug, Clone)]
pub struct QuestionDraft {
    pub kind: QuestionKind,
    pub label: String,
    pub help: String,
    pub required: bool,
    /// Publish the answers in open data (free-text questions only; others always are).
    pub open_data: bool,
    pub options: Vec<String>,
    pub max_choices: Option<i32>,
    pub scale_min: i32,
    pub scale_max: i32,
    pub condition: Option<(Uuid, String)>,
}

fn kind_name(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::SingleChoice => "single_choice",
        QuestionKind::MultipleChoice => "multiple_choice",
        QuestionKind::Scale => "scale",
        QuestionKind::ShortText => "short_text",
        QuestionKind::LongText => "long_text",
        QuestionKind::Ranking => "ranking",
    }
}

impl QuestionForm {
    pub fn from_question(q: &Question) -> Self {
        QuestionForm {
            kind: kind_name(q.kind).into(),
            label: q.label.clone(),
            help: q.help.clone(),
            required: q.required.then(|| "on".into()),
            open_data: q.open_data.then(|| "on".into()),
            options: q.options.join("\n"),
            max_choices: q.max_choices.map(|m| m.to_string()).unwrap_or_default(),
            scale_min: q.scale_min.to_string(),
            scale_max: q.scale_max.to_string(),
            condition_question: q
                .condition
                .as_ref()
                .map(|c| c.question_id.to_string())
                .unwrap_or_default(),
            condition_value: q.condition.as_ref().map(|c| c.value.clone()).unwrap_or_default(),
            condition: q
                .condition
                .as_ref()
                .map(|c| format!("{}:{}", c.question_id, c.value))
                .unwrap_or_default(),
        }
    }

    /// The condition's question id and answer, from the one choice or the two fields.
    fn condition_pair(&self) -> (&str, &str) {
        match self.condition.trim().split_once(':') {
            Some((question, value)) => (question, value),
            None if !self.condition.trim().is_empty() => (self.condition.trim(), ""),
            None => (self.condition_question.trim(), self.condition_value.trim()),
        }
    }

    /// `earlier`: the questions before this one (a condition may only look back).
    pub fn parse(&self, earlier: &[Question]) -> Result<QuestionDraft, Vec<Problem>> {
        let mut problems = Vec::new();
        let kind = QuestionKind::parse(&self.kind);
        if kind.is_none() {
            problems.push(problem("kind", "validation.required"));
        }
        let label = self.label.trim().to_owned();
        if label.is_empty() {
            problems.push(problem("label", "validation.required"));
        } else if label.chars().count() > 500 {
            problems.push(problem("label", "validation.too_long"));
        }
        let help = self.help.trim().to_owned();
        if help.chars().count() > 1000 {
            problems.push(problem("help", "validation.too_long"));
        }
        let mut options: Vec<String> = Vec::new();
        for option in self.options.lines().map(str::trim).filter(|o| !o.is_empty()) {
            if !options.iter().any(|o| o == option) {
                options.push(option.to_owned());
            }
        }
        let with_options = matches!(
            kind,
            Some(QuestionKind::SingleChoice | QuestionKind::MultipleChoice | QuestionKind::Ranking)
        );
        if with_options && options.len() < 2 {
            problems.push(problem("options", "authoring.two_options"));
        }
        if options.len() > 30 || options.iter().any(|o| o.chars().count() > 200) {
            problems.push(problem("options", "authoring.options_too_long"));
        }
        if !with_options {
            options.clear();
        }
        let max_choices = match (kind, self.max_choices.trim()) {
            (Some(QuestionKind::MultipleChoice), "") => None,
            (Some(QuestionKind::MultipleChoice), n) => match n.parse::<i32>() {
                Ok(n) if n >= 1 && (n as usize) <= options.len().max(1) => Some(n),
                _ => {
                    problems.push(problem("max_choices", "authoring.max_choices"));
                    None
                }
            },
            _ => None,
        };
        let number = |s: &str, default: i32| {
            if s.trim().is_empty() {
                Some(default)
            } else {
                s.trim().parse::<i32>().ok()
            }
        };
        let (scale_min, scale_max) = (number(&self.scale_min, 1), number(&self.scale_max, 10));
        let scale_ok = matches!((scale_min, scale_max), (Some(a), Some(b)) if (1..=10).contains(&a) && (1..=10).contains(&b) && a < b);
        if kind == Some(QuestionKind::Scale) && !scale_ok {
            problems.push(problem("scale_min", "authoring.scale"));
        }
        let (condition_question, condition_value) = self.condition_pair();
        let condition = match condition_question {
            "" => None,
            id => {
                let found = id
                    .parse::<Uuid>()
                    .ok()
                    .and_then(|id| earlier.iter().find(|q| q.id == id));
                match found {
                    Some(q) if matches!(q.kind, QuestionKind::SingleChoice | QuestionKind::MultipleChoice) => {
                        let value = condition_value.trim();
                        if q.options.iter().any(|o| o == value) {
                            Some((q.id, value.to_owned()))
                        } else {
                            problems.push(problem("condition_value", "authoring.condition_value"));
                            None
                        }
                    }
                    _ => {
                        problems.push(problem("condition_question", "authoring.condition_question"));
                        None
                    }
                }
            }
        };
        match kind {
            Some(kind) if problems.is_empty() => Ok(QuestionDraft {
                kind,
                label,
                help,
                required: checked(&self.required),
                open_data: checked(&self.open_data) && matches!(kind, QuestionKind::ShortText | QuestionKind::LongText),
                options,
                max_choices,
                scale_min: if scale_ok { scale_min.unwrap_or(1) } else { 1 },
                scale_max: if scale_ok { scale_max.unwrap_or(10) } else { 10 },
                condition,
            }),
            _ => Err(problems),
        }
    }
}

mod store;
pub use store::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_forms_are_checked_and_conditions_look_back() {
        let choice = QuestionForm {
            kind: "single_choice".into(),
            label: "Êtes-vous allocataire ?".into(),
            options: "Oui\nNon\nOui".into(),
            ..Default::default()
        };
        let draft = choice.parse(&[]).unwrap();
        assert_eq!(draft.options, vec!["Oui", "Non"], "deduplicated");
        let earlier = vec![Question {
            id: Uuid::new_v4(),
            position: 1,
            kind: QuestionKind::SingleChoice,
            label: "Êtes-vous allocataire ?".into(),
            help: String::new(),
            required: true,
            open_data: false,
            options: draft.options.clone(),
            max_choices: None,
            scale_min: 1,
            scale_max: 10,
            condition: None,
        }];
        let follow = QuestionForm {
            kind: "long_text".into(),
            label: "Pourquoi ?".into(),
            condition_question: earlier[0].id.to_string(),
            condition_value: "Non".into(),
            ..Default::default()
        };
        assert_eq!(
            follow.parse(&earlier).unwrap().condition,
            Some((earlier[0].id, "Non".into()))
        );
        let wrong = QuestionForm {
            condition_value: "Peut-être".into(),
            ..follow.clone()
        };
        assert_eq!(wrong.parse(&earlier).unwrap_err()[0].field, "condition_value");
        assert_eq!(
            follow.parse(&[]).unwrap_err()[0].field,
            "condition_question",
            "only earlier questions"
        );
        let scale = QuestionForm {
            kind: "scale".into(),
            label: "Note".into(),
            scale_min: "5".into(),
            scale_max: "3".into(),
            ..Default::default()
        };
        assert_eq!(scale.parse(&[]).unwrap_err()[0].field, "scale_min");
        let multiple = QuestionForm {
            kind: "multiple_choice".into(),
            label: "Canaux".into(),
            options: "Agence\nTéléphone\nSite".into(),
            max_choices: "4".into(),
            ..Default::default()
        };
        assert_eq!(multiple.parse(&[]).unwrap_err()[0].field, "max_choices");
    }
}
