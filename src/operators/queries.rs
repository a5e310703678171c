//! Operator rows: identity, roles, sign-in failures, sessions. Each takes a [`TenantTx`]: roles
//! and sessions are rows of the current space (RLS); `operators` is platform-wide.

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::{Operator, Role};
use crate::tenancy::TenantTx;
use crate::tokens::{hash_token, new_token};

/// Wrong passwords or codes in a row before the account is locked.
pub const MAX_FAILURES: i32 = 5;
/// How long a lock lasts.
pub const LOCK_MINUTES: i64 = 15;
/// Console sessions last a working day.
pub const SESSION_HOURS: i64 = 12;

/// What sign-in needs to know about an address. Nothing secret: the password's PHC string comes
/// without its hash (algorithm, parameters, salt), so that the server hashes a candidate the
/// same way and the database compares (migration `platform_identity`).
pub struct Credentials {
    pub id: Uuid,
    pub password_setup: Option<String>,
    pub locked: bool,
    pub disabled: bool,
    pub has_totp: bool,
}

pub async fn credentials(tx: &mut TenantTx, email: &str) -> Result<Option<Credentials>, sqlx::Error> {
    // A function's columns carry no NOT NULL: `!` restates what the function returns.
    let row = sqlx::query!(
        r#"SELECT id AS "id!", setup, locked AS "locked!", disabled AS "disabled!", has_totp AS "has_totp!"
             FROM operator_password_setup($1)"#,
        email,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| Credentials {
        id: r.id,
        password_setup: r.setup,
        locked: r.locked,
        disabled: r.disabled,
        has_totp: r.has_totp,
    }))
}

/// What the database said of a password or a code. Failures count toward the lock
/// ([`MAX_FAILURES`] in a row lock the operator for [`LOCK_MINUTES`]), in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Ok,
    Wrong,
    Locked,
    /// No such operator here, no password, or no second factor.
    Unknown,
}

impl Check {
    fn parse(outcome: &str) -> Self {
        match outcome {
            "ok" => Check::Ok,
            "wrong" => Check::Wrong,
            "locked" => Check::Locked,
            _ => Check::Unknown,
        }
    }
}

/// Compares a candidate hash, made with [`Credentials::password_setup`], with the stored one.
pub async fn check_password(tx: &mut TenantTx, operator: Uuid, candidate: Option<&str>) -> Result<Check, sqlx::Error> {
    let outcome: String = sqlx::query_scalar!(
        r#"SELECT operator_check_password($1, $2) AS "outcome!""#,
        operator,
        candidate,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(Check::parse(&outcome))
}

/// Checks a TOTP code in the database, where the secret stays; each time step is good once.
pub async fn check_totp(tx: &mut TenantTx, operator: Uuid, code: &str) -> Result<Check, sqlx::Error> {
    let outcome: String = sqlx::query_scalar!(r#"SELECT operator_check_totp($1, $2) AS "outcome!""#, operator, code,)
        .fetch_one(&mut **tx)
        .await?;
    Ok(Check::parse(&outcome))
}

pub async fn has_totp(tx: &mut TenantTx, operator: Uuid) -> Result<bool, sqlx::Error> {
    let enabled: Option<bool> = sqlx::query_scalar!("SELECT operator_has_totp($1)", operator,)
        .fetch_one(&mut **tx)
        .await?;
    Ok(enabled.unwrap_or(false))
}

/// Stores a new second factor (none may be set yet); `step` is the time step of the code that
/// proved it, which may not be used again. Returns false when one was set already.
pub async fn enable_totp(tx: &mut TenantTx, operator: Uuid, secret: &[u8], step: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT operator_enable_totp($1, $2, $3) AS "enabled!""#,
        operator,
        secret,
        step,
    )
    .fetch_one(&mut **tx)
    .await
}

/// Removes the second factor, on a valid code of it.
pub async fn disable_totp(tx: &mut TenantTx, operator: Uuid, code: &str) -> Result<Check, sqlx::Error> {
    let outcome: String = sqlx::query_scalar!(r#"SELECT operator_disable_totp($1, $2) AS "outcome!""#, operator, code,)
        .fetch_one(&mut **tx)
        .await?;
    Ok(Check::parse(&outcome))
}

/// The operator with their role in the current space.
pub async fn operator(tx: &mut TenantTx, id: Uuid) -> Result<Option<Operator>, sqlx::Error> {
    let row = sqlx::query_as!(
        OperatorRow,
        "SELECT o.id, o.email, o.name, o.national_admin, r.role
           FROM operators o LEFT JOIN operator_roles r ON r.operator_id = o.id AND r.tenant_id = $2
          WHERE o.id = $1 AND o.disabled_at IS NULL",
        id,
        tx.tenant_id(),
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(OperatorRow::into_operator))
}

/// An operator with their role in a space, as the queries read them.
#[derive(sqlx::FromRow)]
struct OperatorRow {
    id: Uuid,
    email: String,
    name: String,
    national_admin: bool,
    role: Option<String>,
}

impl OperatorRow {
    fn into_operator(self) -> Operator {
        Operator {
            id: self.id,
            email: self.email,
            name: self.name,
            national_admin: self.national_admin,
            role: self.role.as_deref().and_then(Role::parse),
        }
    }
}

/// Opens a console session in the current space; `verified` is false while a second factor is
/// awaited. Returns the cookie value.
pub async fn open_session(tx: &mut TenantTx, operator: Uuid, verified: bool) -> Result<String, sqlx::Error> {
    let token = new_token();
    sqlx::query!(
        "INSERT INTO operator_sessions (tenant_id, id_hash, operator_id, second_factor, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
        tx.tenant_id(),
        hash_token(&token),
        operator,
        verified,
        Utc::now() + Duration::hours(SESSION_HOURS),
    )
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// The session's operator (with their role here) and whether the session is fully verified.
pub async fn find_session(tx: &mut TenantTx, token: &str) -> Result<Option<(Operator, bool)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT o.id, o.email, o.name, o.national_admin, r.role, s.second_factor
           FROM operator_sessions s
           JOIN operators o ON o.id = s.operator_id AND o.disabled_at IS NULL
           LEFT JOIN operator_roles r ON r.operator_id = o.id AND r.tenant_id = s.tenant_id
          WHERE s.tenant_id = $1 AND s.id_hash = $2 AND s.expires_at > now()",
        tx.tenant_id(),
        hash_token(token),
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| {
        let operator = OperatorRow {
            id: r.id,
            email: r.email,
            name: r.name,
            national_admin: r.national_admin,
            role: r.role,
        };
        (operator.into_operator(), r.second_factor)
    }))
}

/// The console kit's finder of signed-in operators (see [`crate::web::console::FindOperator`]).
pub struct OperatorSessions;

impl crate::web::console::FindOperator for OperatorSessions {
    fn find<'a>(
        &'a self,
        ground: &'a crate::web::Ground,
        tenant: &'a crate::tenancy::Tenant,
        token: &'a str,
    ) -> crate::web::console::FoundOperator<'a> {
        Box::pin(async move {
            let mut tx = ground.db.begin(tenant).await?;
            let found = find_session(&mut tx, token).await?;
            tx.commit().await?;
            Ok(found)
        })
    }
}

pub async fn verify_session(tx: &mut TenantTx, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE operator_sessions SET second_factor = true WHERE tenant_id = $1 AND id_hash = $2",
        tx.tenant_id(),
        hash_token(token),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn close_session(tx: &mut TenantTx, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM operator_sessions WHERE tenant_id = $1 AND id_hash = $2",
        tx.tenant_id(),
        hash_token(token),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The space's operators and their roles.
pub async fn list_here(tx: &mut TenantTx) -> Result<Vec<Operator>, sqlx::Error> {
    let rows = sqlx::query_as!(
        OperatorRow,
        r#"SELECT o.id, o.email, o.name, o.national_admin, r.role AS "role?"
           FROM operator_roles r JOIN operators o ON o.id = r.operator_id
          WHERE r.tenant_id = $1 ORDER BY o.name"#,
        tx.tenant_id(),
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(OperatorRow::into_operator).collect())
}

/// A one-minute, single-use ticket to open a console session in the transaction's space
/// (written by the national console in the module's context).
pub async fn create_handoff(tx: &mut TenantTx, operator: Uuid) -> Result<String, sqlx::Error> {
    let token = new_token();
    sqlx::query!(
        "INSERT INTO operator_handoffs (tenant_id, token_hash, operator_id, expires_at) VALUES ($1, $2, $3, $4)",
        tx.tenant_id(),
        hash_token(&token),
        operator,
        Utc::now() + Duration::minutes(1),
    )
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// Uses a ticket (row-locked, once): the operator it was made for, if still valid.
pub async fn use_handoff(tx: &mut TenantTx, token: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE operator_handoffs SET used_at = now()
          WHERE tenant_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > now()
          RETURNING operator_id",
        tx.tenant_id(),
        hash_token(token),
    )
    .fetch_optional(&mut **tx)
    .await
}
