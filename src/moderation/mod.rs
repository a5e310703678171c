//! Moderation: the report queue, and decisions on contributions (hide, restore, approve out of
//! pre-moderation). Nothing is deleted; every decision writes an audit row (who, when, why) in
//! the same transaction as the change, and resolves the open reports on that content.
//!
//! A decision to hide names a reason of the participation charter ([`reasons`]); the
//! contribution keeps who hid it and why, so its placeholder can say so to everyone, and the
//! author is told by mail ([`notice`]). A contribution its author withdrew is not moderated.
//!
//! The operators' queue and decisions are [`console`]; this module is the model it calls.

use uuid::Uuid;

mod bulk;
pub mod console;
pub mod notice;
pub mod reasons;
pub mod search;
pub mod versions;

pub use reasons::{CharterReason, HiddenBy, HiddenNotice};

/// The moderation console's routes are the domain's.
pub use console::routes;

use crate::tenancy::TenantTx;

/// The status of a contribution (idea or comment) that everyone may read. The others are
/// `pending` (held by pre-moderation) and `hidden` (by a moderator, or withdrawn by its author
/// when they deleted their account: `hidden_by` says which).
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
    /// `idea` or `comment`, as the trail and the audit log name it.
    pub fn kind(self) -> &'static str {
        self.parts().0
    }

    pub fn id(self) -> Uuid {
        self.parts().1
    }

    fn parts(self) -> (&'static str, Uuid, &'static str) {
        match self {
            Target::Idea(id) => ("idea", id, "ideas"),
            Target::Comment(id) => ("comment", id, "idea_comments"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Hide, for a reason of the charter.
    Hide(CharterReason),
    Restore,
    /// Publish content held by pre-moderation.
    Approve,
}

impl Decision {
    /// `hide`, `restore` or `approve`: the trail's and the audit log's word for it.
    pub fn code(self) -> &'static str {
        match self {
            Decision::Hide(_) => "hide",
            Decision::Restore => "restore",
            Decision::Approve => "approve",
        }
    }
}

/// Why a decision was not applied.
#[derive(Debug, PartialEq, Eq)]
pub enum ModerationProblem {
    /// No such content in this space (or content its author withdrew, which is not moderated).
    NotFound,
    /// Restoring or approving needs a written reason of 3 to 1,000 characters.
    ReasonRequired,
    /// The note that goes with hiding is optional, but 3 to 1,000 characters when given.
    NoteLength,
}

/// Applies `decision` to `target` in the transaction's space, with its trail row. `note` is the
/// moderator's text: the reason of a restoration or an approval (required), or, with hiding,
/// an optional explanation for the author (the charter reason is the public one).
pub async fn moderate(
    tx: &mut TenantTx,
    target: Target,
    decision: Decision,
    actor: &str,
    note: &str,
) -> Result<Result<(), ModerationProblem>, sqlx::Error> {
    let note = note.trim();
    let length = note.chars().count();
    let charter_reason = match decision {
        Decision::Hide(reason) if length == 0 || (3..=1000).contains(&length) => Some(reason),
        Decision::Hide(_) => return Ok(Err(ModerationProblem::NoteLength)),
        _ if (3..=1000).contains(&length) => None,
        _ => return Ok(Err(ModerationProblem::ReasonRequired)),
    };
    let (kind, id, table) = target.parts();
    let (status, hidden_by) = match decision {
        Decision::Hide(_) => ("hidden", Some(HiddenBy::Moderation.code())),
        Decision::Restore | Decision::Approve => ("published", None),
    };
    let hidden_note = Some(note).filter(|n| charter_reason.is_some() && !n.is_empty());
    // `table` is one of two constants. What its author withdrew is theirs: no decision applies.
    let updated = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE {table} SET status = $3, hidden_by = $4, hidden_reason = $5, hidden_note = $6
          WHERE tenant_id = $1 AND id = $2 AND hidden_by IS DISTINCT FROM 'author'"
    )))
    .bind(tx.tenant_id())
    .bind(id)
    .bind(status)
    .bind(hidden_by)
    .bind(charter_reason.map(CharterReason::code))
    .bind(hidden_note)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(Err(ModerationProblem::NotFound));
    }
    sqlx::query!(
        "INSERT INTO moderation_actions (tenant_id, target_kind, target_id, action, reason, actor, charter_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        tx.tenant_id(),
        kind,
        id,
        decision.code(),
        note,
        actor,
        charter_reason.map(CharterReason::code),
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
