//! What the analysis of a campaign reads: its published ideas (what moderation let through:
//! themes, key phrases and samples reach the public results page) and the free-text answers of
//! its survey's current responses, each with what the priority score needs (likes,
//! comments, territory, profile).

use serde::Serialize;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use super::priority::Signals;
use crate::tenancy::TenantTx;

/// What a contribution is: an idea, or one free-text answer of a survey response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContributionKind {
    Idea,
    Answer,
}

impl ContributionKind {
    /// The word exports use.
    pub fn as_str(self) -> &'static str {
        match self {
            ContributionKind::Idea => "idea",
            ContributionKind::Answer => "answer",
        }
    }
}

/// A contribution as the analysis reads it.
#[derive(Debug, Clone)]
pub struct Contribution {
    /// An idea's id, or `analysis_answer_id(respondent_key, question_id)` for an answer.
    pub id: Uuid,
    pub kind: ContributionKind,
    /// An idea's title; empty for an answer.
    pub title: String,
    /// An idea's body, or the answer's text.
    pub body: String,
    /// For an answer: the question's label.
    pub question: Option<String>,
    /// Whether the public may see it (a published idea; answers never are public).
    pub public: bool,
    pub signals: Signals,
}

impl Contribution {
    /// The text the engine reads: an idea's title and body, or the answer.
    pub fn text(&self) -> String {
        match self.kind {
            ContributionKind::Idea => format!("{}. {}", self.title, self.body),
            ContributionKind::Answer => self.body.clone(),
        }
    }
}

/// Current responses of a campaign's survey (each respondent's highest version), in the
/// campaign's own space: answers to a national campaign are stored in the national space, with
/// the space they came from in `origin_tenant_id`. Parameters: $1 tenant, $2 campaign.
const CURRENT_RESPONSES: &str =
    "SELECT DISTINCT ON (r.respondent_key) r.id, r.respondent_key, r.account_id, r.submitted_at,
                r.origin_tenant_id
           FROM survey_responses r
          WHERE r.tenant_id = $1 AND r.campaign_id = $2
          ORDER BY r.respondent_key, r.version DESC";

/// Free-text answers of those responses (short and long text questions, not blank).
const FREE_TEXT_ANSWERS: &str = "SELECT analysis_answer_id(p.respondent_key, q.id) AS id, p.id AS response_id, q.label AS question,
                a.value #>> '{}' AS body, p.origin_tenant_id, p.submitted_at, q.position
           FROM responses p
           JOIN survey_answers a ON a.tenant_id = $1 AND a.response_id = p.id
           JOIN survey_questions q ON q.tenant_id = $1 AND q.id = a.question_id AND q.kind IN ('short_text', 'long_text')
          WHERE jsonb_typeof(a.value) = 'string' AND btrim(a.value #>> '{}') <> ''";

/// A row of [`read`]'s statement.
#[derive(sqlx::FromRow)]
struct ContributionRow {
    /// `idea` or `answer`.
    kind: String,
    id: Uuid,
    title: String,
    body: String,
    question: Option<String>,
    public: bool,
    comment_count: i32,
    /// The name of the space of origin.
    origin: Option<String>,
    profile: Option<String>,
    likes: i32,
}

impl From<ContributionRow> for Contribution {
    fn from(r: ContributionRow) -> Self {
        Contribution {
            id: r.id,
            kind: if r.kind == "answer" {
                ContributionKind::Answer
            } else {
                ContributionKind::Idea
            },
            title: r.title,
            body: r.body,
            question: r.question,
            public: r.public,
            signals: Signals {
                likes: r.likes.max(0) as u32,
                comments: r.comment_count.max(0) as u32,
                territory: r.origin,
                profile: r.profile,
            },
        }
    }
}

/// The campaign's contributions, oldest first: published ideas and free-text answers
/// of current survey responses, with their likes (once per person across a merged group,
/// counted on the group's kept contribution), comments, space of origin (territory) and
/// profile: the contributor's answer to `profile_question` when one is chosen, else the kind
/// of contribution (idea, expectation, experience, answer).
pub async fn read(
    tx: &mut TenantTx,
    campaign: Uuid,
    profile_question: Option<Uuid>,
) -> Result<Vec<Contribution>, sqlx::Error> {
    let sql = format!(
        "WITH responses AS ({CURRENT_RESPONSES}),
         answers AS ({FREE_TEXT_ANSWERS}),
         profiles AS (
             SELECT p.id AS response_id, p.account_id, a.value #>> '{{}}' AS profile
               FROM responses p
               JOIN survey_answers a ON a.tenant_id = $1 AND a.response_id = p.id AND a.question_id = $3
              WHERE jsonb_typeof(a.value) = 'string'),
         account_profiles AS (
             SELECT DISTINCT ON (account_id) account_id, profile FROM profiles
              WHERE account_id IS NOT NULL ORDER BY account_id, profile),
         contributions AS (
             SELECT 'idea' AS kind, i.id, i.title, i.body, NULL::text AS question, i.status = 'published' AS public,
                    i.comment_count, i.origin_tenant_id,
                    CASE WHEN $3::uuid IS NULL THEN i.kind ELSE ap.profile END AS profile,
                    i.created_at AS at, 0 AS position
               FROM ideas i LEFT JOIN account_profiles ap ON ap.account_id = i.account_id
              WHERE i.tenant_id = $1 AND i.campaign_id = $2 AND i.status = 'published'
             UNION ALL
             SELECT 'answer', s.id, '', s.body, s.question, false, 0, s.origin_tenant_id,
                    CASE WHEN $3::uuid IS NULL THEN 'reponse' ELSE f.profile END,
                    s.submitted_at, s.position
               FROM answers s LEFT JOIN profiles f ON f.response_id = s.response_id),
         likers AS (
             SELECT COALESCE(m.into_contribution_id, l.idea_id) AS id, count(DISTINCT l.account_id) AS likes
               FROM idea_likes l
               JOIN contributions c ON c.id = l.idea_id AND c.kind = 'idea'
               LEFT JOIN analysis_merges m ON m.tenant_id = l.tenant_id AND m.contribution_id = l.idea_id
              WHERE l.tenant_id = $1
              GROUP BY 1)
         SELECT c.kind, c.id, c.title, c.body, c.question, c.public, c.comment_count, t.name AS origin, c.profile,
                COALESCE(k.likes, 0)::int4 AS likes
           FROM contributions c
           JOIN tenants t ON t.id = c.origin_tenant_id
           LEFT JOIN likers k ON k.id = c.id
          ORDER BY c.at, c.position, c.id"
    );
    // Assembled from the fragments the two readers share, so checked by the tests rather than
    // at compile time; the row is typed all the same.
    let rows: Vec<ContributionRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(tx.tenant_id())
        .bind(campaign)
        .bind(profile_question)
        .fetch_all(&mut **tx)
        .await?;
    Ok(rows.into_iter().map(Contribution::from).collect())
}

/// The contributions as the engine reads them, in [`read`]'s order; with `$3` (ids), those
/// only. Parameters: $1 tenant, $2 campaign, $3 ids or NULL.
fn texts_sql() -> String {
    format!(
        "WITH responses AS ({CURRENT_RESPONSES}),
         answers AS ({FREE_TEXT_ANSWERS}),
         contributions AS (
             SELECT 'idea' AS kind, i.id, i.title, i.body, i.created_at AS at, 0 AS position
               FROM ideas i
              WHERE i.tenant_id = $1 AND i.campaign_id = $2 AND i.status = 'published'
             UNION ALL
             SELECT 'answer', s.id, '', s.body, s.submitted_at, s.position FROM answers s)
         SELECT kind, id, title, body FROM contributions
          WHERE $3::uuid[] IS NULL OR id = ANY($3)
          ORDER BY at, position, id"
    )
}

/// The text the engine reads, from a row of [`texts_sql`].
fn text_of(row: &sqlx::postgres::PgRow) -> Result<(Uuid, String), sqlx::Error> {
    use sqlx::Row;
    let (kind, title, body): (String, String, String) = (row.try_get(0)?, row.try_get(2)?, row.try_get(3)?);
    let text = if kind == "answer" {
        body
    } else {
        format!("{title}. {body}")
    };
    Ok((row.try_get(1)?, text))
}

/// How many contributions [`texts`] streams.
pub async fn count(tx: &mut TenantTx, campaign: Uuid) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT count(*) FROM ({}) c", texts_sql());
    sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(tx.tenant_id())
        .bind(campaign)
        .bind(None::<Vec<Uuid>>)
        .fetch_one(&mut **tx)
        .await
}

/// Each contribution's id and text (an idea's title and body, or the answer), in [`read`]'s
/// order, as the rows come: a campaign of 2,000,000 is never held whole.
pub async fn texts(tx: &mut TenantTx, campaign: Uuid, mut each: impl FnMut(Uuid, String)) -> Result<(), sqlx::Error> {
    use futures_util::TryStreamExt;
    let tenant = tx.tenant_id();
    let sql = texts_sql();
    let mut rows = sqlx::query(AssertSqlSafe(sql))
        .bind(tenant)
        .bind(campaign)
        .bind(None::<Vec<Uuid>>)
        .fetch(&mut **tx);
    while let Some(row) = rows.try_next().await? {
        let (id, text) = text_of(&row)?;
        each(id, text);
    }
    Ok(())
}

/// The texts of the contributions `ids`, by id.
pub async fn texts_of(
    tx: &mut TenantTx,
    campaign: Uuid,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>, sqlx::Error> {
    let rows = sqlx::query(AssertSqlSafe(texts_sql()))
        .bind(tx.tenant_id())
        .bind(campaign)
        .bind(ids)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(text_of).collect()
}

/// Which of `ids` are contributions of `campaign` (ideas, or free-text answers of current
/// responses).
pub async fn among(tx: &mut TenantTx, campaign: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>, sqlx::Error> {
    let sql = format!(
        "WITH responses AS ({CURRENT_RESPONSES}),
         answers AS ({FREE_TEXT_ANSWERS})
         SELECT id FROM ideas WHERE tenant_id = $1 AND campaign_id = $2 AND id = ANY($3)
         UNION
         SELECT id FROM answers WHERE id = ANY($3)"
    );
    sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(tx.tenant_id())
        .bind(campaign)
        .bind(ids)
        .fetch_all(&mut **tx)
        .await
}
