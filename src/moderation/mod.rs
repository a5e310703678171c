//! Moderation: the report queue, and decisions on contributions (hide, restore, approve out of
//! pre-moderation). Nothing is deleted; every decision writes an audit row (who, when, why) in
//! the same transaction as the change, and resolves the open reports on that content.
//!
//! The operators' queue and decisions are [`console`]; this module is the model it calls.

use uuid::Uuid;

pub mod console;

/// The moderation console's routes are the domain's.
pub use console::routes;

use crate::tenancy::TenantTx;

/// The status of a contribution (idea or comment) that everyone may read. The others are
/// `pending` (held by pre-moderation) and `hidden` (by a moderator, or withdrawn by its author
/// when they deleted their account).
pub const PUBLISHED: &str = "published";

/// Whether the text of a contribution in `status` may leave the console: a published one to
/// everyone, a pending one to its author only, a hidden one to nobody. Any other status (one
/// added later) shows nothing until it is given a rule here.
///
/// Every public read of ideas and comments goes through this rule or through
/// `status = 'published'` in SQL (`tests/integration/boundary_moderation.rs` walks them).
pub fn text_is_shown(status: &str, to_author: bool) -> bool {
    status == PUBLISHED || (status == "pending" && to_author)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Idea(Uuid),
    Comment(Uuid),
}

impl Target {
    fn parts(self) -> (&'static str, Uuid, &'static str) {
        match self {
            Target::Idea(id) => ("idea", id, "ideas"),
            Target::Comment(id) => ("comment", id, "idea_comments"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Hide,
    Restore,
    /// Publish content held by pre-moderation.
    Approve,
}

/// Why a decision was not applied.
#[derive(Debug, PartialEq, Eq)]
pub enum ModerationProblem {
    /// No such content in this space.
    NotFound,
    /// A reason of 3 to 1,000 characters is required.
    ReasonRequired,
}

/// Applies `decision` to `target` in the transaction's space, with its audit row.
pub async fn moderate(
    tx: &mut TenantTx,
    target: Target,
    decision: Decision,
    actor: &str,
    reason: &str,
) -> Result<Result<(), ModerationProblem>, sqlx::Error> {
    let reason = reason.trim();
    if !(3..=1000).contains(&reason.chars().count()) {
        return Ok(Err(ModerationProblem::ReasonRequired));
    }
    let (kind, id, table) = target.parts();
    let (status, action) = match decision {
        Decision::Hide => ("hidden", "hide"),
        Decision::Restore | Decision::Approve => (
            "published",
            if decision == Decision::Approve {
                "approve"
            } else {
                "restore"
            },
        ),
    };
    // `table` is one of two constants.
    let updated = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE {table} SET status = $3 WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tx.tenant_id())
    .bind(id)
    .bind(status)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(Err(ModerationProblem::NotFound));
    }
    sqlx::query!(
        "INSERT INTO moderation_actions (tenant_id, target_kind, target_id, action, reason, actor) VALUES ($1, $2, $3, $4, $5, $6)",
        tx.tenant_id(),
        kind,
        id,
        action,
        reason,
        actor,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE content_reports SET resolved_at = now()
          WHERE tenant_id = $1 AND target_kind = $2 AND target_id = $3 AND resolved_at IS NULL",
        tx.tenant_id(),
        kind,
        id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(Ok(()))
}

/// An open report, for the moderators' queue.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct QueuedReport {
    pub id: Uuid,
    pub target_kind: String,
    pub target_id: Uuid,
    pub reason: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// How many people reported the same content.
    pub reporters: i64,
}

/// Open reports of this space, most reported first, then oldest first.
pub async fn report_queue(tx: &mut TenantTx) -> Result<Vec<QueuedReport>, sqlx::Error> {
    sqlx::query_as!(
        QueuedReport,
        r#"SELECT DISTINCT ON (target_kind, target_id) id, target_kind, target_id, reason, created_at,
                count(*) OVER (PARTITION BY target_kind, target_id) AS "reporters!"
           FROM content_reports WHERE tenant_id = $1 AND resolved_at IS NULL
          ORDER BY target_kind, target_id, created_at"#,
        tx.tenant_id(),
    )
    .fetch_all(&mut **tx)
    .await
    .map(|mut queue: Vec<QueuedReport>| {
        queue.sort_by(|a, b| b.reporters.cmp(&a.reporters).then(a.created_at.cmp(&b.created_at)));
        queue
    })
}
