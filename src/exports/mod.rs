//! What was said, for the people who analyse it: a campaign's contributions, comments and
//! survey responses, as CSV (UTF-8 with a byte-order mark and `;` separators, which is what
//! Excel opens right in a French locale) or JSON.
//!
//! Survey exports have one column per question, in the survey's order, whatever each person
//! was shown: a conditional question left unseen is an empty cell, never a shifted column.
//! Cells that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`) are prefixed with `'`.
//! Authors appear by pseudonym only; survey respondents by a short, stable code.

pub mod console;

pub use console::routes;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// Tables and their downloads are the HTTP kit's ([`crate::web::table`]).
pub use crate::web::table::Table;

use crate::campaigns::queries::CampaignDetail;
use crate::surveys::{Question, QuestionKind};
use crate::tenancy::TenantTx;

fn date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Contributions (ideas) of a campaign of this space, every status.
pub async fn contributions(tx: &mut TenantTx, campaign: &CampaignDetail) -> Result<Table, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT i.id, i.kind, i.title, i.body, COALESCE(i.theme, '') AS "theme!", i.status, i.like_count, i.comment_count,
                COALESCE(account_pseudonym(i.account_id), 'Anonyme') AS "author!", t.slug AS origin, i.created_at
           FROM ideas i JOIN tenants t ON t.id = i.origin_tenant_id
          WHERE i.tenant_id = $1 AND i.campaign_id = $2 ORDER BY i.created_at, i.id"#,
        campaign.summary.tenant_id,
        campaign.summary.id,
    )
    .fetch_all(&mut **tx)
    .await?;
    let headers = [
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
    Ok(Table {
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: rows
            .into_iter()
            .map(|r| {
                vec![
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
                ]
            })
            .collect(),
    })
}

/// Comments and replies on a campaign's contributions.
pub async fn comments(tx: &mut TenantTx, campaign: &CampaignDetail) -> Result<Table, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT c.id, c.idea_id, i.title, c.parent_id, c.body, c.status, COALESCE(account_pseudonym(c.account_id), 'Anonyme') AS "author!",
                t.slug AS origin, c.created_at
           FROM idea_comments c
           JOIN ideas i ON i.tenant_id = c.tenant_id AND i.id = c.idea_id
           JOIN tenants t ON t.id = c.origin_tenant_id
          WHERE c.tenant_id = $1 AND i.campaign_id = $2 ORDER BY c.created_at, c.id"#,
        campaign.summary.tenant_id,
        campaign.summary.id,
    )
    .fetch_all(&mut **tx)
    .await?;
    let headers = [
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
    Ok(Table {
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: rows
            .into_iter()
            .map(|r| {
                vec![
                    r.id.to_string(),
                    r.idea_id.to_string(),
                    r.title,
                    r.parent_id.map(|p| p.to_string()).unwrap_or_default(),
                    r.body,
                    r.status,
                    r.author,
                    r.origin,
                    date(r.created_at),
                ]
            })
            .collect(),
    })
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

/// The current response of every respondent: one row each, one column per question.
pub async fn responses(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    questions: &[Question],
) -> Result<Table, sqlx::Error> {
    // The answers' columns are NULL for a response without answers (the LEFT JOIN): `?` says
    // so, since sqlx cannot see that through the CTE.
    let rows = sqlx::query!(
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
        campaign.summary.tenant_id,
        campaign.summary.id,
    )
    .fetch_all(&mut **tx)
    .await?;
    let column: BTreeMap<Uuid, usize> = questions.iter().enumerate().map(|(i, q)| (q.id, i)).collect();
    let mut headers: Vec<String> = vec!["répondant".into(), "espace".into(), "date".into()];
    headers.extend(questions.iter().map(|q| format!("{}. {}", q.position, q.label)));
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut last: Option<Uuid> = None;
    for r in rows {
        if last != Some(r.id) {
            let mut row = vec![r.respondent, r.origin, date(r.submitted_at)];
            row.resize(3 + questions.len(), String::new());
            out.push(row);
            last = Some(r.id);
        }
        if let Some(i) = r.question_id.and_then(|q| column.get(&q)).copied() {
            // An answer row's value is NOT NULL in its table.
            let value = r.value.unwrap_or(Value::Null);
            if let Some(row) = out.last_mut() {
                row[3 + i] = cell(questions[i].kind, &value);
            }
        }
    }
    Ok(Table { headers, rows: out })
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
