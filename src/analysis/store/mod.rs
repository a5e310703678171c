//! The analysis tables: runs (queue and versions), their results, the operator's edits and
//! merged duplicates. Every statement runs in a tenant-scoped transaction. What is analysed is
//! read by [`super::contributions`]; the profile question is in [`super::profiles`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::versions::{Edit, StoredTheme};
use crate::tenancy::TenantTx;

mod edits;

pub use edits::*;

/// A run as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub version: i32,
    pub status: String,
    pub themes_wanted: Option<i32>,
    pub stage: String,
    pub progress: f32,
    pub message: Option<String>,
    pub contributions: Option<i32>,
    pub unclassified: Option<i32>,
    pub theme_choice: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// When an operator published its themes (reviewed) for the public; `None`: a draft.
    pub published_at: Option<DateTime<Utc>>,
}

impl Run {
    /// The run with its stored texts (stage, message, how the number of themes was chosen)
    /// worded in `lang` (they are stored by key: see [`crate::web::i18n::Lang::stored`]).
    pub fn worded(mut self, lang: crate::web::i18n::Lang) -> Run {
        self.stage = lang.stored(&self.stage);
        self.message = self.message.map(|m| lang.stored(&m));
        self.theme_choice = self.theme_choice.map(|c| lang.stored(&c));
        self
    }
}

/// Queues a run of `campaign`, unless one is already waiting or running (then returns that one).
pub async fn request_run(
    tx: &mut TenantTx,
    campaign: Uuid,
    themes_wanted: Option<i32>,
    operator: Option<Uuid>,
) -> Result<(Uuid, bool), sqlx::Error> {
    // One request at a time per campaign: serialise on the campaign.
    sqlx::query("SELECT 1 FROM campaigns WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
        .bind(tx.tenant_id())
        .bind(campaign)
        .execute(&mut **tx)
        .await?;
    let waiting: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM analysis_runs WHERE tenant_id = $1 AND campaign_id = $2 AND status IN ('queued', 'running')
          ORDER BY version DESC LIMIT 1",
    )
    .bind(tx.tenant_id())
    .bind(campaign)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = waiting {
        return Ok((id, false));
    }
    let id = sqlx::query_scalar(
        "INSERT INTO analysis_runs (tenant_id, campaign_id, version, themes_wanted, requested_by)
         SELECT $1, $2, COALESCE(max(version), 0) + 1, $3, $4 FROM analysis_runs WHERE tenant_id = $1 AND campaign_id = $2
         RETURNING id",
    )
    .bind(tx.tenant_id())
    .bind(campaign)
    .bind(themes_wanted)
    .bind(operator)
    .fetch_one(&mut **tx)
    .await?;
    Ok((id, true))
}

/// A run taken by a worker.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub themes_wanted: Option<i32>,
}

/// Takes the oldest queued run of the space (or a running one whose worker's lease ran out),
/// skipping those another worker holds.
pub async fn claim_run(tx: &mut TenantTx, lease_seconds: f64) -> Result<Option<Claimed>, sqlx::Error> {
    sqlx::query_as!(
        Claimed,
        r#"UPDATE analysis_runs r
              SET status = 'running', attempts = r.attempts + 1, started_at = now(),
                  lease_until = now() + make_interval(secs => $2), stage = '', progress = 0, message = NULL
            WHERE (r.tenant_id, r.id) = (
                  SELECT tenant_id, id FROM analysis_runs
                   WHERE tenant_id = $1
                     AND (status = 'queued' OR (status = 'running' AND lease_until < now()))
                   ORDER BY created_at
                   LIMIT 1
                     FOR UPDATE SKIP LOCKED)
          RETURNING r.id, r.campaign_id, r.themes_wanted"#,
        tx.tenant_id(),
        lease_seconds,
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Whether a run is waiting for a worker (queued, or running with its lease run out).
pub async fn has_waiting_run(tx: &mut TenantTx, campaign: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM analysis_runs WHERE tenant_id = $1 AND campaign_id = $2
                          AND (status = 'queued' OR (status = 'running' AND lease_until < now())))",
    )
    .bind(tx.tenant_id())
    .bind(campaign)
    .fetch_one(&mut **tx)
    .await
}

/// Records progress (and renews the lease) of a running run.
pub async fn record_progress(
    tx: &mut TenantTx,
    run: Uuid,
    stage: &str,
    progress: f32,
    lease_seconds: f64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE analysis_runs SET stage = $3, progress = $4, lease_until = now() + make_interval(secs => $5)
          WHERE tenant_id = $1 AND id = $2 AND status = 'running'",
    )
    .bind(tx.tenant_id())
    .bind(run)
    .bind(stage)
    .bind(progress.clamp(0.0, 1.0))
    .bind(lease_seconds)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends a run that could not be made, with the reason in words.
pub async fn fail_run(tx: &mut TenantTx, run: Uuid, message: &str, contributions: i32) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE analysis_runs SET status = 'failed', message = $3, contributions = $4, finished_at = now(),
                lease_until = NULL
          WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id())
    .bind(run)
    .bind(message)
    .bind(contributions)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The latest finished run of a campaign (done), if any.
pub async fn latest_done(tx: &mut TenantTx, campaign: Uuid) -> Result<Option<Run>, sqlx::Error> {
    Ok(select_runs(tx, campaign, Some("done"), 1).await?.into_iter().next())
}

/// Publishes the themes of the campaign's latest finished run (`true`) or takes them back to
/// a draft; `false` when there is no finished run.
pub async fn set_published(tx: &mut TenantTx, campaign: Uuid, publish: bool) -> Result<bool, sqlx::Error> {
    let Some(run) = latest_done(tx, campaign).await? else {
        return Ok(false);
    };
    sqlx::query(
        "UPDATE analysis_runs SET published_at = CASE WHEN $3 THEN COALESCE(published_at, now()) END
          WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tx.tenant_id())
    .bind(run.id)
    .bind(publish)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// The newest runs of a campaign, newest first.
pub async fn runs(tx: &mut TenantTx, campaign: Uuid, limit: i64) -> Result<Vec<Run>, sqlx::Error> {
    select_runs(tx, campaign, None, limit).await
}

pub(super) async fn select_runs(
    tx: &mut TenantTx,
    campaign: Uuid,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<Run>, sqlx::Error> {
    sqlx::query_as!(
        Run,
        "SELECT id, campaign_id, version, status, themes_wanted, stage, progress, message, contributions,
                unclassified, theme_choice, created_at, finished_at, published_at
           FROM analysis_runs
          WHERE tenant_id = $1 AND campaign_id = $2 AND ($3::text IS NULL OR status = $3)
          ORDER BY version DESC LIMIT $4",
        tx.tenant_id(),
        campaign,
        status,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
}

/// A run's themes, by position.
pub async fn themes(tx: &mut TenantTx, run: Uuid) -> Result<Vec<StoredTheme>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT theme_key, label, key_phrases, cohesion, representatives FROM analysis_themes
          WHERE tenant_id = $1 AND run_id = $2 ORDER BY position",
        tx.tenant_id(),
        run,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StoredTheme {
            key: r.theme_key,
            label: r.label,
            key_phrases: r.key_phrases,
            cohesion: r.cohesion,
            representatives: r.representatives,
        })
        .collect())
}

/// Each contribution of a run with its theme's key.
pub async fn assignment(tx: &mut TenantTx, run: Uuid) -> Result<Vec<(Uuid, Option<Uuid>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.contribution_id, t.theme_key FROM analysis_assignments a
           LEFT JOIN analysis_themes t ON t.tenant_id = a.tenant_id AND t.run_id = a.run_id AND t.position = a.position
          WHERE a.tenant_id = $1 AND a.run_id = $2",
    )
    .bind(tx.tenant_id())
    .bind(run)
    .fetch_all(&mut **tx)
    .await
}

/// Each theme of a run, as its key and members (to carry keys to the next run).
pub async fn members_by_key(tx: &mut TenantTx, run: Uuid) -> Result<Vec<(Uuid, Vec<Uuid>)>, sqlx::Error> {
    let mut by_key: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (idea, key) in assignment(tx, run).await? {
        if let Some(key) = key {
            by_key.entry(key).or_default().push(idea);
        }
    }
    Ok(by_key.into_iter().collect())
}

/// A run's near-duplicate groups.
pub async fn duplicates(tx: &mut TenantTx, run: Uuid) -> Result<Vec<Vec<Uuid>>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT contribution_ids FROM analysis_duplicates WHERE tenant_id = $1 AND run_id = $2 ORDER BY group_no",
    )
    .bind(tx.tenant_id())
    .bind(run)
    .fetch_all(&mut **tx)
    .await
}

/// What a finished run stores.
pub struct Results<'a> {
    pub themes: Vec<(Uuid, &'a super::Theme, Vec<Uuid>)>,
    pub assignment: Vec<(Uuid, Option<i32>)>,
    pub duplicates: Vec<Vec<Uuid>>,
    pub unclassified: i32,
    pub theme_choice: &'a str,
}

/// Stores a run's results and marks it done, in the caller's transaction.
pub async fn save_results(tx: &mut TenantTx, run: Uuid, results: &Results<'_>) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id();
    for (position, (key, theme, representatives)) in results.themes.iter().enumerate() {
        sqlx::query(
            "INSERT INTO analysis_themes (tenant_id, run_id, position, theme_key, label, key_phrases, size, cohesion,
                                          representatives)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(tenant)
        .bind(run)
        .bind(position as i32)
        .bind(key)
        .bind(&theme.label)
        .bind(&theme.key_phrases)
        .bind(theme.size as i32)
        .bind(theme.cohesion)
        .bind(representatives)
        .execute(&mut **tx)
        .await?;
    }
    // Assignments in one statement per 10,000 rows, from arrays.
    for chunk in results.assignment.chunks(10_000) {
        let ideas: Vec<Uuid> = chunk.iter().map(|a| a.0).collect();
        let positions: Vec<Option<i32>> = chunk.iter().map(|a| a.1).collect();
        sqlx::query(
            "INSERT INTO analysis_assignments (tenant_id, run_id, contribution_id, position)
             SELECT $1, $2, id, position FROM unnest($3::uuid[], $4::int4[]) AS u(id, position)",
        )
        .bind(tenant)
        .bind(run)
        .bind(&ideas)
        .bind(&positions)
        .execute(&mut **tx)
        .await?;
    }
    for (group_no, group) in results.duplicates.iter().enumerate() {
        sqlx::query(
            "INSERT INTO analysis_duplicates (tenant_id, run_id, group_no, contribution_ids) VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant)
        .bind(run)
        .bind(group_no as i32)
        .bind(group)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "UPDATE analysis_runs SET status = 'done', progress = 1, stage = '', finished_at = now(), lease_until = NULL,
                contributions = $3, unclassified = $4, theme_choice = $5, message = NULL
          WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(run)
    .bind(results.assignment.len() as i32)
    .bind(results.unclassified)
    .bind(results.theme_choice)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
