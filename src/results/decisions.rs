//! Decisions and commitments taken after a campaign, each with a status and the ideas it
//! answers, so a contributor can follow their idea to a decision.

use serde::Serialize;
use uuid::Uuid;

use crate::tenancy::TenantTx;

/// Where a decision stands.
pub const STATUSES: [&str; 4] = ["a_l_etude", "adoptee", "realisee", "non_retenue"];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Decision {
    pub id: Uuid,
    pub title: String,
    pub status: String,
    pub explanation: String,
    /// The ideas it answers: (id, title).
    pub ideas: Vec<LinkedIdea>,
    /// The analysis themes it answers, by key (named from the latest analysis when shown).
    pub themes: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkedIdea {
    pub id: Uuid,
    pub title: String,
}

/// What can be wrong with a decision as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Title,
    Status,
    Explanation,
    /// An idea id that is not an idea of this campaign in this space.
    UnknownIdea,
    /// A theme that is not a theme of this campaign's latest analysis.
    UnknownTheme,
    /// A field held a character the text boundary refuses (a NUL...).
    RefusedText,
}

impl Problem {
    /// Locale key of the message.
    pub fn key(self) -> &'static str {
        match self {
            Problem::Title => "results.decision_title_invalid",
            Problem::Status => "results.decision_status_invalid",
            Problem::Explanation => "validation.too_long",
            Problem::UnknownIdea => "results.decision_idea_unknown",
            Problem::UnknownTheme => "results.decision_theme_unknown",
            Problem::RefusedText => "error.invalid_text.field",
        }
    }
}

/// The decisions of a campaign with their published ideas (in the campaign owner's context): an
/// idea hidden after it was linked drops out of the public page and the console alike.
pub async fn list(tx: &mut TenantTx, tenant: Uuid, campaign: Uuid) -> Result<Vec<Decision>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT d.id, d.title, d.status, d.explanation,
                coalesce(json_agg(DISTINCT jsonb_build_object('id', i.id, 'title', i.title))
                         FILTER (WHERE i.id IS NOT NULL), '[]') AS "ideas!",
                coalesce((SELECT array_agg(dt.theme_key) FROM decision_themes dt
                           WHERE dt.tenant_id = d.tenant_id AND dt.decision_id = d.id), '{}') AS "themes!"
           FROM decisions d
           LEFT JOIN decision_ideas di ON di.tenant_id = d.tenant_id AND di.decision_id = d.id
           LEFT JOIN ideas i ON i.tenant_id = di.tenant_id AND i.id = di.idea_id AND i.status = 'published'
          WHERE d.tenant_id = $1 AND d.campaign_id = $2
          GROUP BY d.tenant_id, d.id ORDER BY d.position, d.created_at"#,
        tenant,
        campaign,
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|r| {
            let ideas: serde_json::Value = r.ideas;
            Ok(Decision {
                themes: r.themes,
                id: r.id,
                title: r.title,
                status: r.status,
                explanation: r.explanation,
                ideas: ideas
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|i| {
                                Some(LinkedIdea {
                                    id: i["id"].as_str()?.parse().ok()?,
                                    title: i["title"].as_str()?.to_owned(),
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// Checks a decision as typed; `ideas` are parsed ids.
pub fn validate(title: &str, status: &str, explanation: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let n = title.trim().chars().count();
    if !(3..=200).contains(&n) {
        problems.push(Problem::Title);
    }
    if !STATUSES.contains(&status) {
        problems.push(Problem::Status);
    }
    if explanation.chars().count() > 2000 {
        problems.push(Problem::Explanation);
    }
    problems
}

/// A decision as typed, checked by [`validate`].
#[derive(Debug, Clone, Default)]
pub struct DecisionDraft {
    pub title: String,
    pub status: String,
    pub explanation: String,
    pub ideas: Vec<Uuid>,
    pub themes: Vec<Uuid>,
}

/// Saves a decision (new when `id` is `None`) with the ideas it answers, in the campaign's own
/// space: an idea of another space, or of another campaign, is refused.
pub async fn save(
    tx: &mut TenantTx,
    campaign: Uuid,
    id: Option<Uuid>,
    draft: &DecisionDraft,
) -> Result<Result<Uuid, Problem>, sqlx::Error> {
    let tenant = tx.tenant_id();
    let (title, status, explanation) = (draft.title.as_str(), draft.status.as_str(), draft.explanation.as_str());
    let (ideas, themes) = (draft.ideas.as_slice(), draft.themes.as_slice());
    if !themes.is_empty() {
        let known: Vec<Uuid> = match crate::analysis::report::report(tx, campaign).await? {
            Some(report) => report.themes.iter().map(|t| t.theme.key).collect(),
            None => Vec::new(),
        };
        if themes.iter().any(|t| !known.contains(t)) {
            return Ok(Err(Problem::UnknownTheme));
        }
    }
    let known: i64 =
        sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM ideas WHERE tenant_id = $1 AND campaign_id = $2 AND id = ANY($3) AND status = 'published'"#,
            tenant,
            campaign,
            ideas,
        )
            .fetch_one(&mut **tx)
            .await?;
    let distinct: std::collections::HashSet<&Uuid> = ideas.iter().collect();
    if known != distinct.len() as i64 {
        return Ok(Err(Problem::UnknownIdea));
    }
    let id = match id {
        Some(id) => {
            let updated = sqlx::query!(
                "UPDATE decisions SET title = $4, status = $5, explanation = $6, updated_at = now()
                  WHERE tenant_id = $1 AND campaign_id = $2 AND id = $3",
                tenant,
                campaign,
                id,
                title.trim(),
                status,
                explanation.trim(),
            )
            .execute(&mut **tx)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(sqlx::Error::RowNotFound);
            }
            // The links are written again below, as given.
            sqlx::query!(
                "WITH ideas AS (DELETE FROM decision_ideas WHERE tenant_id = $1 AND decision_id = $2)
                 DELETE FROM decision_themes WHERE tenant_id = $1 AND decision_id = $2",
                tenant,
                id,
            )
            .execute(&mut **tx)
            .await?;
            id
        }
        None => {
            sqlx::query_scalar!(
                "INSERT INTO decisions (tenant_id, campaign_id, title, status, explanation, position)
                 SELECT $1, $2, $3, $4, $5, coalesce(max(position), 0) + 1 FROM decisions WHERE tenant_id = $1 AND campaign_id = $2
                 RETURNING id",
                tenant,
                campaign,
                title.trim(),
                status,
                explanation.trim(),
            )
            .fetch_one(&mut **tx)
            .await?
        }
    };
    sqlx::query!(
        "INSERT INTO decision_ideas (tenant_id, decision_id, idea_id)
         SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING",
        tenant,
        id,
        ideas,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "INSERT INTO decision_themes (tenant_id, decision_id, theme_key)
         SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING",
        tenant,
        id,
        themes,
    )
    .execute(&mut **tx)
    .await?;
    Ok(Ok(id))
}

/// The decisions that answer an idea (shown on the idea's page).
pub async fn for_idea(tx: &mut TenantTx, tenant: Uuid, idea: Uuid) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT d.title, d.status FROM decision_ideas di
           JOIN decisions d ON d.tenant_id = di.tenant_id AND d.id = di.decision_id
          WHERE di.tenant_id = $1 AND di.idea_id = $2 ORDER BY d.position",
        tenant,
        idea,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| (r.title, r.status)).collect())
}

/// A decision as it stood before an edit: its status and the ideas it named.
pub struct Before {
    pub status: String,
    pub ideas: Vec<Uuid>,
}

/// The decision `id` before it changes (`None`: a new one).
pub async fn before(tx: &mut TenantTx, id: Option<Uuid>) -> Result<Option<Before>, sqlx::Error> {
    let Some(id) = id else { return Ok(None) };
    let row = sqlx::query!(
        r#"SELECT d.status, COALESCE(array_agg(di.idea_id) FILTER (WHERE di.idea_id IS NOT NULL), '{}') AS "ideas!"
             FROM decisions d LEFT JOIN decision_ideas di ON di.tenant_id = d.tenant_id AND di.decision_id = d.id
            WHERE d.tenant_id = $1 AND d.id = $2 GROUP BY d.status"#,
        tx.tenant_id(),
        id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| Before {
        status: r.status,
        ideas: r.ideas,
    }))
}

/// Tells the followers of the ideas a saved decision names, once the campaign's results are
/// public: of all of them when the decision is new or its status changed, else of the ideas it
/// names anew. `base_url` is the space's origin, for the links.
pub async fn tell_followers(
    tx: &mut TenantTx,
    campaign: Uuid,
    before: Option<&Before>,
    draft: &DecisionDraft,
    base_url: &str,
) -> Result<usize, sqlx::Error> {
    let public = sqlx::query_scalar!(
        r#"SELECT results_published_at IS NOT NULL AS "public!" FROM campaigns WHERE tenant_id = $1 AND id = $2"#,
        tx.tenant_id(),
        campaign,
    )
    .fetch_one(&mut **tx)
    .await?;
    if !public {
        return Ok(0);
    }
    // The status by its code: each mail words it in its reader's language.
    let update = crate::ideas::follows::Update::Decision {
        title: draft.title.trim(),
        status: &draft.status,
    };
    let mut told = 0;
    for idea in &draft.ideas {
        let news = match before {
            Some(b) => b.status != draft.status || !b.ideas.contains(idea),
            None => true,
        };
        if news {
            told += crate::ideas::follows::tell(tx, *idea, update, base_url).await?;
        }
    }
    Ok(told)
}
