//! Invitations to operate a space: a single-use link, valid 7 days, stored hashed. Accepting it
//! creates the operator (or finds them, if they already operate elsewhere), sets their password
//! if they have none, and grants the role.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;
use uuid::Uuid;

use super::Role;
use crate::accounts::tokens::{hash_token, new_token};
use crate::tenancy::TenantTx;

pub const VALID_DAYS: i64 = 7;

pub struct Invitation {
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
    pub accepted: bool,
    /// The invited person already has a password (they operate another space).
    pub has_password: bool,
}

/// Records an invitation in the current space; returns the token for the link.
pub async fn invite(tx: &mut TenantTx, email: &str, role: Role, by: Option<Uuid>) -> Result<String, sqlx::Error> {
    let token = new_token();
    sqlx::query(
        "INSERT INTO operator_invitations (tenant_id, email, role, token_hash, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tx.tenant_id())
    .bind(email)
    .bind(role.as_str())
    .bind(hash_token(&token))
    .bind(by)
    .bind(Utc::now() + Duration::days(VALID_DAYS))
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

pub async fn find(tx: &mut TenantTx, token: &str) -> Result<Option<Invitation>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT i.email, i.role, i.expires_at, i.accepted_at IS NOT NULL AS accepted,
                COALESCE(o.password_hash IS NOT NULL, false) AS has_password
           FROM operator_invitations i LEFT JOIN operators o ON o.email = i.email
          WHERE i.tenant_id = $1 AND i.token_hash = $2",
    )
    .bind(tx.tenant_id())
    .bind(hash_token(token))
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        let role: String = r.try_get("role")?;
        Ok(Invitation {
            email: r.try_get("email")?,
            role: Role::parse(&role).ok_or_else(|| sqlx::Error::Decode(format!("role {role}").into()))?,
            expires_at: r.try_get("expires_at")?,
            accepted: r.try_get("accepted")?,
            has_password: r.try_get("has_password")?,
        })
    })
    .transpose()
}

/// Why an invitation cannot be accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum NotAccepted {
    Unknown,
    Used,
    Expired,
}

/// Accepts the invitation (row-locked: a second use fails). `password_hash` is set only if the
/// person has none yet. Returns the operator's id.
pub async fn accept(
    tx: &mut TenantTx,
    token: &str,
    name: &str,
    password_hash: Option<&str>,
    national_space: bool,
) -> Result<Result<Uuid, NotAccepted>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, email, role, expires_at, accepted_at FROM operator_invitations
          WHERE tenant_id = $1 AND token_hash = $2 FOR UPDATE",
    )
    .bind(tx.tenant_id())
    .bind(hash_token(token))
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(Err(NotAccepted::Unknown));
    };
    if row.try_get::<Option<DateTime<Utc>>, _>("accepted_at")?.is_some() {
        return Ok(Err(NotAccepted::Used));
    }
    if row.try_get::<DateTime<Utc>, _>("expires_at")? < Utc::now() {
        return Ok(Err(NotAccepted::Expired));
    }
    let (id, email, role): (Uuid, String, String) = (row.try_get("id")?, row.try_get("email")?, row.try_get("role")?);
    let role = Role::parse(&role).ok_or_else(|| sqlx::Error::Decode(format!("role {role}").into()))?;
    let national_admin = role == Role::NationalAdmin && national_space;
    let operator: Uuid = sqlx::query_scalar(
        "INSERT INTO operators (email, name, password_hash, national_admin) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO UPDATE SET
            password_hash = COALESCE(operators.password_hash, EXCLUDED.password_hash),
            national_admin = operators.national_admin OR EXCLUDED.national_admin
         RETURNING id",
    )
    .bind(&email)
    .bind(name)
    .bind(password_hash)
    .bind(national_admin)
    .fetch_one(&mut **tx)
    .await?;
    if role != Role::NationalAdmin {
        sqlx::query(
            "INSERT INTO operator_roles (tenant_id, operator_id, role) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id, operator_id) DO UPDATE SET role = EXCLUDED.role, granted_at = now()",
        )
        .bind(tx.tenant_id())
        .bind(operator)
        .bind(role.as_str())
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE operator_invitations SET accepted_at = now() WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(Ok(operator))
}

/// For `ecoute operators invite`: records the invitation as the owner, in the space's context.
/// Returns the space's host and the token.
pub async fn invite_from_cli(
    owner: &sqlx::PgPool,
    space: Option<&str>,
    email: &str,
    role: Role,
    base_domain: &str,
) -> anyhow::Result<(String, String)> {
    let (id, slug, kind): (Uuid, String, String) = match space {
        None => sqlx::query_as("SELECT id, slug, kind FROM tenants WHERE kind = 'national'")
            .fetch_optional(owner)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no national space: run `ecoute tenants sync` first"))?,
        Some(slug) => sqlx::query_as("SELECT id, slug, kind FROM tenants WHERE slug = $1")
            .bind(slug)
            .fetch_optional(owner)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no space {slug:?}"))?,
    };
    if role == Role::NationalAdmin && kind != "national" {
        anyhow::bail!("national admins are invited on the national space");
    }
    let token = new_token();
    let mut tx = crate::db::owner_tx_in(owner, id).await?;
    sqlx::query(
        "INSERT INTO operator_invitations (tenant_id, email, role, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(email)
    .bind(role.as_str())
    .bind(hash_token(&token))
    .bind(Utc::now() + Duration::days(VALID_DAYS))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let host = if kind == "national" {
        base_domain.to_owned()
    } else {
        format!("{slug}.{base_domain}")
    };
    Ok((host, token))
}
