//! What was said, for the people who analyse it: a campaign's contributions, comments and
//! survey responses, as CSV (UTF-8 with a byte-order mark and `;` separators, which is what
//! Excel opens right in a French locale) or JSON.
//!
//! Survey exports have one column per question, in the survey's order, whatever each person
//! was shown: a conditional question left unseen is an empty cell, never a shifted column.
//! Cells that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`) are prefixed with `'`.
//! Authors appear by pseudonym only; survey respondents by a short, stable code.
//!
//! Each file is written while its rows are read ([`crate::web::downloads`]): the whole of a
//! Grand-Débat-sized campaign goes out in constant memory.

pub mod console;

pub use console::routes;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use serde_json::Value;
use uuid::Uuid;

/// Tables and their downloads are the HTTP kit's ([`crate::web::table`]).
pub use crate::web::table::Table;

use crate::surveys::{Question, QuestionKind};
use crate::tenancy::TenantTx;
use crate::web::downloads::Rows;

fn date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The columns of [`contributions`].
pub const CONTRIBUTION_HEADERS: [&str; 11] = [
    "id",
    "type",
    "titre",
    "texte",
    "thème",
    "statut",
    "soutiens",
    "commentaires",
    "auteur",
    "espace",
    "date",
];

/// Contributions (ideas) of a campaign of this space, every status, written as they are read.
pub async fn contributions(mut tx: TenantTx, campaign: (Uuid, Uuid), mut out: Rows) -> anyhow::Result<Rows> {
    let (tenant, campaign) = campaign;
    let mut rows = sqlx::query!(
        r#"SELECT i.id, i.kind, i.title, i.body, COALESCE(i.theme, '') AS "theme!", i.status, i.like_count, i.comment_count,
                COALESCE(account_pseudonym(i.account_id), 'Anonyme') AS "author!", t.slug AS origin, i.created_at
           FROM ideas i JOIN tenants t ON t.id = i.origin_tenant_id
          WHERE i.tenant_id = $1 AND i.campaign_id = $2 ORDER BY i.created_at, i.id"#,
        tenant,
        campaign,
    )
    .fetch(&mut *tx);
    while let Some(r) = rows.try_next().await? {
        out.row(&[
            r.id.to_string(),
            r.kind,
            r.title,
            r.body,
            r.theme,
            r.status,
            r.like_count.to_string(),
            r.comment_count.to_string(),
            r.author,
            r.origin,
            date(r.created_at),
        ])
        .await?;
    }
    drop(rows);
    tx.commit().await?;
    Ok(out)
}

/// The columns of [`comments`].
pub const COMMENT_HEADERS: [&str; 9] = [
    "id",
    "contribution",
    "titre de la contribution",
    "en réponse à",
    "texte",
    "statut",
    "auteur",
    "espace",
    "date",
];

/// Comments and replies on a campaign's contributions, written as they are read.
pub async fn comments(mut tx: TenantTx, campaign: (Uuid, Uuid), mut out: Rows) -> anyhow::Result<Rows> {
    let (tenant, campaign) = campaign;
    let mut rows = sqlx::query!(
        r#"SELECT c.id, c.idea_id, i.title, c.parent_id, c.body, c.status, COALESCE(account_pseudonym(c.account_id), 'Anonyme') AS "author!",
                t.slug AS origin, c.created_at
           FROM idea_comments c
           JOIN ideas i ON i.tenant_id = c.tenant_id AND i.id = c.idea_id
           JOIN tenants t ON t.id = c.origin_tenant_id
          WHERE c.tenant_id = $1 AND i.campaign_id = $2 ORDER BY c.created_at, c.id"#,
        tenant,
        campaign,
    )
    .fetch(&mut *tx);
    while let Some(r) = rows.try_next().await? {
        out.row(&[
            r.id.to_string(),
            r.idea_id.to_string(),
            r.title,
            r.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            r.body,
            r.status,
            r.author,
            r.origin,
            date(r.created_at),
        ])
        .await?;
    }
    drop(rows);
    tx.commit().await?;
    Ok(out)
}

/// One answer as a cell.
pub fn cell(kind: QuestionKind, value: &Value) -> String {
    match (kind, value) {
        (_, Value::Null) => String::new(),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Number(n)) => n.to_string(),
        (QuestionKind::Ranking, Value::Array(items)) => join(items, " > "),
        (_, Value::Array(items)) => join(items, " | "),
        (_, other) => other.to_string(),
    }
}

fn join(items: &[Value], separator: &str) -> String {
    items
        .iter()
        .map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
        .collect::<Vec<_>>()
        .join(separator)
}

/// Survey responses read one answer per row (a response's rows together), written one response
/// per row, one column per question after `first` leading columns.
pub struct WideRows<'q> {
    questions: &'q [Question],
    column: BTreeMap<Uuid, usize>,
    first: usize,
    current: Option<(Uuid, Vec<String>)>,
}

impl<'q> WideRows<'q> {
    pub fn new(questions: &'q [Question], first: usize) -> Self {
        WideRows {
            questions,
            column: questions.iter().enumerate().map(|(i, q)| (q.id, i)).collect(),
            first,
            current: None,
        }
    }

    /// One row read: `response`'s `leading` cells (taken when it starts) and, when the row has
    /// one, an answer. A response that ends is written to `out`.
    pub async fn read(
        &mut self,
        out: &mut Rows,
        response: Uuid,
        leading: impl FnOnce() -> Vec<String>,
        answer: Option<(Uuid, Value)>,
    ) -> anyhow::Result<()> {
        if self.current.as_ref().is_none_or(|(id, _)| *id != response) {
            self.flush(out).await?;
            let mut row = leading();
            row.resize(self.first + self.questions.len(), String::new());
            self.current = Some((response, row));
        }
        if let (Some((question, value)), Some((_, row))) = (answer, self.current.as_mut())
            && let Some(&i) = self.column.get(&question)
        {
            row[self.first + i] = cell(self.questions[i].kind, &value);
        }
        Ok(())
    }

    /// Writes the response under way, if any.
    pub async fn flush(&mut self, out: &mut Rows) -> anyhow::Result<()> {
        if let Some((_, row)) = self.current.take() {
            out.row(&row).await?;
        }
        Ok(())
    }
}

/// The columns of [`responses`]: three, then one per question.
pub fn response_headers(questions: &[Question]) -> Vec<String> {
    let mut headers: Vec<String> = vec!["répondant".into(), "espace".into(), "date".into()];
    headers.extend(questions.iter().map(|q| format!("{}. {}", q.position, q.label)));
    headers
}

/// The current response of every respondent: one row each, one column per question, written as
/// they are read.
pub async fn responses(
    mut tx: TenantTx,
    campaign: (Uuid, Uuid),
    questions: Vec<Question>,
    mut out: Rows,
) -> anyhow::Result<Rows> {
    let (tenant, campaign) = campaign;
    // The answers' columns are NULL for a response without answers (the LEFT JOIN): `?` says
    // so, since sqlx cannot see that through the CTE.
    let mut rows = sqlx::query!(
        r#"WITH current AS (
             SELECT DISTINCT ON (respondent_key) id, respondent_key, submitted_at, origin_tenant_id
               FROM survey_responses WHERE tenant_id = $1 AND campaign_id = $2
              ORDER BY respondent_key, version DESC
         )
         SELECT c.id AS "id!", encode(substring(c.respondent_key from 1 for 6), 'hex') AS "respondent!",
                c.submitted_at AS "submitted_at!", t.slug AS origin, a.question_id AS "question_id?", a.value AS "value?"
           FROM current c JOIN tenants t ON t.id = c.origin_tenant_id
           LEFT JOIN survey_answers a ON a.tenant_id = $1 AND a.response_id = c.id
          ORDER BY c.submitted_at, c.id"#,
        tenant,
        campaign,
    )
    .fetch(&mut *tx);
    let mut wide = WideRows::new(&questions, 3);
    while let Some(r) = rows.try_next().await? {
        // An answer row's value is NOT NULL in its table.
        let answer = r.question_id.map(|q| (q, r.value.unwrap_or(Value::Null)));
        let leading = || vec![r.respondent, r.origin, date(r.submitted_at)];
        wide.read(&mut out, r.id, leading, answer).await?;
    }
    wide.flush(&mut out).await?;
    drop(rows);
    tx.commit().await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_become_cells() {
        assert_eq!(
            cell(QuestionKind::Ranking, &serde_json::json!(["Soir", "Matin"])),
            "Soir > Matin"
        );
        assert_eq!(
            cell(QuestionKind::MultipleChoice, &serde_json::json!(["A", "B"])),
            "A | B"
        );
        assert_eq!(cell(QuestionKind::Scale, &serde_json::json!(7)), "7");
    }
}
