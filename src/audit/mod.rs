//! The audit log: every console action, who took it, when, in which space. Written in the same
//! transaction as the action (an action that did not happen leaves no line, and one that did
//! always does); the application role may only add lines, never change or delete them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use uuid::Uuid;

pub mod console;

/// The audit log's console routes are the domain's.
pub use console::routes;

use crate::tenancy::TenantTx;

/// Who took an action: an operator, as the log names them (the operators domain converts its
/// `Operator` into this).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: Uuid,
    pub email: &'a str,
}

/// Records `action` on `target` by `operator` in the transaction's space.
pub async fn record<'a>(
    tx: &mut TenantTx,
    operator: impl Into<Actor<'a>>,
    action: &str,
    target: &str,
    details: serde_json::Value,
) -> Result<(), sqlx::Error> {
    let operator = operator.into();
    sqlx::query!(
        "INSERT INTO audit_log (tenant_id, operator_id, operator_email, action, target, details)
         VALUES ($1, $2, $3, $4, $5, $6)",
        tx.tenant_id(),
        operator.id,
        operator.email,
        action,
        target,
        details,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditLine {
    pub at: DateTime<Utc>,
    pub operator_email: String,
    pub action: String,
    pub target: String,
    pub details: serde_json::Value,
}

pub const PAGE_SIZE: i64 = 50;

/// The space's log, newest first.
pub async fn list(tx: &mut TenantTx, page: i64) -> Result<Vec<AuditLine>, sqlx::Error> {
    sqlx::query_as!(
        AuditLine,
        "SELECT at, operator_email, action, target, details FROM audit_log
          WHERE tenant_id = $1 ORDER BY at DESC, id LIMIT $2 OFFSET $3",
        tx.tenant_id(),
        PAGE_SIZE,
        (page.max(1) - 1) * PAGE_SIZE,
    )
    .fetch_all(&mut **tx)
    .await
}
