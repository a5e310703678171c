//! The audit log: every console action, who took it, when, in which space. Written in the same
//! transaction as the action (an action that did not happen leaves no line, and one that did
//! always does); the application role may only add lines, never change or delete them.
//!
//! Each line's action is one of [`AuditAction`]'s list, which gives it a label in both
//! languages. The console reads the log filtered (who, what, which object, when), a page at a
//! time, or as a CSV file ([`console`]).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use uuid::Uuid;

pub mod actions;
pub mod console;

pub use actions::AuditAction;

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
    action: AuditAction,
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
        action.code(),
        target,
        details,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records an action a background job took, in the transaction's space: no operator, `actor`
/// names the job (`ecoute (durée de conservation)`).
pub async fn record_by_job(
    tx: &mut TenantTx,
    actor: &str,
    action: AuditAction,
    target: &str,
    details: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO audit_log (tenant_id, operator_id, operator_email, action, target, details)
         VALUES ($1, NULL, $2, $3, $4, $5)",
        tx.tenant_id(),
        actor,
        action.code(),
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
    /// The same instant on the clock of Paris, as operators read it.
    pub at_paris: NaiveDateTime,
    pub operator_email: String,
    pub action: String,
    pub target: String,
    pub details: serde_json::Value,
}

pub const PAGE_SIZE: i64 = 50;

/// The longest CSV export, in lines.
pub const EXPORT_MAX: i64 = 100_000;

/// Which lines to read; `None` is no condition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// The operator (or job) by the name the log gives them: an e-mail address.
    pub who: Option<String>,
    /// A code (`moderation.hide`) or a group (`moderation`).
    pub what: Option<String>,
    /// Part of the object's name (a slug, an address, `idea:<id>`), case ignored.
    pub target: Option<String>,
    /// From this day on, in Paris.
    pub from: Option<NaiveDate>,
    /// Up to this day included, in Paris.
    pub to: Option<NaiveDate>,
}

/// One page of the space's log as filtered, newest first, and how many lines match in all.
pub async fn list(
    tx: &mut TenantTx,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditLine>, i64), sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT at, (at AT TIME ZONE 'Europe/Paris') AS "at_paris!", operator_email, action, target, details,
                count(*) OVER () AS "total!"
           FROM audit_log
          WHERE tenant_id = $1
            AND ($2::text IS NULL OR operator_email = $2)
            AND ($3::text IS NULL OR action = $3 OR split_part(action, '.', 1) = $3)
            AND ($4::text IS NULL OR strpos(lower(target), lower($4)) > 0)
            AND ($5::date IS NULL OR at >= ($5::date::timestamp AT TIME ZONE 'Europe/Paris'))
            AND ($6::date IS NULL OR at < (($6::date + 1)::timestamp AT TIME ZONE 'Europe/Paris'))
          ORDER BY at DESC, id
          LIMIT $7 OFFSET $8"#,
        tx.tenant_id(),
        filter.who,
        filter.what,
        filter.target,
        filter.from,
        filter.to,
        limit,
        offset,
    )
    .fetch_all(&mut **tx)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let lines = rows
        .into_iter()
        .map(|r| AuditLine {
            at: r.at,
            at_paris: r.at_paris,
            operator_email: r.operator_email,
            action: r.action,
            target: r.target,
            details: r.details,
        })
        .collect();
    Ok((lines, total))
}

/// Who appears in the space's log (for the "who" filter), alphabetically.
pub async fn actors(tx: &mut TenantTx) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT DISTINCT operator_email FROM audit_log WHERE tenant_id = $1 ORDER BY operator_email LIMIT 500",
        tx.tenant_id(),
    )
    .fetch_all(&mut **tx)
    .await
}
