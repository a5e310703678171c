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
];

/// The question form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
pub struct QuestionForm {
    pub kind: String,
    pub label: String,
    #[serde(default)]
    pub help: String,
    pub required: Option<String>,
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
}

/// A question ready to store.
#[derive(Debug, Clone)]
pub struct QuestionDraft {
    pub kind: QuestionKind,
    pub label: String,
    pub help: String,
    pub required: bool,
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
        let condition = match self.condition_question.trim() {
            "" => None,
            id => {
                let found = id
                    .parse::<Uuid>()
                    .ok()
                    .and_then(|id| earlier.iter().find(|q| q.id == id));
                match found {
                    Some(q) if matches!(q.kind, QuestionKind::SingleChoice | QuestionKind::MultipleChoice) => {
                        let value = self.condition_value.trim();
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

/// Adds a question at the end of the campaign's survey.
pub async fn add_question(tx: &mut TenantTx, campaign: Uuid, q: &QuestionDraft) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO survey_questions (tenant_id, campaign_id, position, kind, label, help, required, options,
                                       max_choices, scale_min, scale_max, condition_question_id, condition_value)
         VALUES ($1, $2, (SELECT COALESCE(max(position), 0) + 1 FROM survey_questions WHERE tenant_id = $1 AND campaign_id = $2),
                 $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         RETURNING id",
        tx.tenant_id(),
        campaign,
        kind_name(q.kind),
        &q.label,
        &q.help,
        q.required,
        &q.options,
        q.max_choices,
        q.scale_min,
        q.scale_max,
        q.condition.as_ref().map(|c| c.0),
        q.condition.as_ref().map(|c| c.1.as_str()),
    )
    .fetch_one(&mut **tx)
    .await
}

pub async fn update_question(
    tx: &mut TenantTx,
    campaign: Uuid,
    id: Uuid,
    q: &QuestionDraft,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE survey_questions SET kind = $4, label = $5, help = $6, required = $7, options = $8, max_choices = $9,
                scale_min = $10, scale_max = $11, condition_question_id = $12, condition_value = $13
          WHERE tenant_id = $1 AND campaign_id = $2 AND id = $3",
        tx.tenant_id(),
        campaign,
        id,
        kind_name(q.kind),
        &q.label,
        &q.help,
        q.required,
        &q.options,
        q.max_choices,
        q.scale_min,
        q.scale_max,
        q.condition.as_ref().map(|c| c.0),
        q.condition.as_ref().map(|c| c.1.as_str()),
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Why a question cannot be removed.
#[derive(Debug, PartialEq, Eq)]
pub enum RemoveProblem {
    NotFound,
    /// People already answered it: their answers stay, so does the question.
    Answered,
    /// Another question's condition looks at it.
    Referenced,
}

pub async fn remove_question(
    tx: &mut TenantTx,
    campaign: Uuid,
    id: Uuid,
) -> Result<Result<(), RemoveProblem>, sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT EXISTS (SELECT 1 FROM survey_questions WHERE tenant_id = $1 AND campaign_id = $2 AND id = $3) AS "found!",
                EXISTS (SELECT 1 FROM survey_answers WHERE tenant_id = $1 AND question_id = $3) AS "answered!",
                EXISTS (SELECT 1 FROM survey_questions WHERE tenant_id = $1 AND condition_question_id = $3) AS "referenced!""#,
        tx.tenant_id(),
        campaign,
        id,
    )
    .fetch_one(&mut **tx)
    .await?;
    if !r.found {
        return Ok(Err(RemoveProblem::NotFound));
    }
    if r.answered {
        return Ok(Err(RemoveProblem::Answered));
    }
    if r.referenced {
        return Ok(Err(RemoveProblem::Referenced));
    }
    sqlx::query!(
        "DELETE FROM survey_questions WHERE tenant_id = $1 AND campaign_id = $2 AND id = $3",
        tx.tenant_id(),
        campaign,
        id,
    )
    .execute(&mut **tx)
    .await?;
    // Close the gap so positions stay 1..n.
    renumber(tx, campaign).await?;
    Ok(Ok(()))
}

/// Swaps a question with its neighbour (`up`: with the one before). A question cannot move
/// above the question its condition looks at.
pub async fn move_question(tx: &mut TenantTx, campaign: &[Question], id: Uuid, up: bool) -> Result<bool, sqlx::Error> {
    let Some(i) = campaign.iter().position(|q| q.id == id) else {
        return Ok(false);
    };
    let j = if up {
        i.checked_sub(1)
    } else {
        Some(i + 1).filter(|&j| j < campaign.len())
    };
    let Some(j) = j else { return Ok(false) };
    let (first, second) = if i < j {
        (&campaign[i], &campaign[j])
    } else {
        (&campaign[j], &campaign[i])
    };
    if second.condition.as_ref().is_some_and(|c| c.question_id == first.id) {
        return Ok(false);
    }
    // Through a free position: (campaign, position) is unique.
    for (qid, position) in [(first.id, -1), (second.id, first.position), (first.id, second.position)] {
        sqlx::query!(
            "UPDATE survey_questions SET position = $3 WHERE tenant_id = $1 AND id = $2",
            tx.tenant_id(),
            qid,
            position,
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(true)
}

async fn renumber(tx: &mut TenantTx, campaign: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE survey_questions q SET position = -r.n
           FROM (SELECT id, row_number() OVER (ORDER BY position) AS n FROM survey_questions
                  WHERE tenant_id = $1 AND campaign_id = $2) r
          WHERE q.tenant_id = $1 AND q.id = r.id",
        tx.tenant_id(),
        campaign,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE survey_questions SET position = -position WHERE tenant_id = $1 AND campaign_id = $2",
        tx.tenant_id(),
        campaign,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

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
