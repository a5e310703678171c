//! Invitations to operate a space: a single-use link, valid 7 days, stored hashed. Accepting it
//! creates the operator (or finds them, if they already operate elsewhere), sets their password
//! if they have none, and grants the role.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::Role;
use crate::tenancy::TenantTx;
use crate::tokens::{hash_token, new_token};

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
    sqlx::query!(
        "INSERT INTO operator_invitations (tenant_id, email, role, token_hash, invited_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        tx.tenant_id(),
        email,
        role.as_str(),
        hash_token(&token),
        by,
        Utc::now() + Duration::days(VALID_DAYS),
    )
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

pub async fn find(tx: &mut TenantTx, token: &str) -> Result<Option<Invitation>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT i.email, i.role, i.expires_at, i.accepted_at IS NOT NULL AS "accepted!",
                operator_invitation_has_password(i.token_hash) AS "has_password!"
           FROM operator_invitations i
          WHERE i.tenant_id = $1 AND i.token_hash = $2"#,
        tx.tenant_id(),
        hash_token(token),
    )
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        let role = r.role;
        Ok(Invitation {
            email: r.email,
            role: Role::parse(&role).ok_or_else(|| sqlx::Error::Decode(format!("role {role}").into()))?,
            expires_at: r.expires_at,
            accepted: r.accepted,
            has_password: r.has_password,
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
/// person has none yet. Returns the operator's id. The database does it
/// (`operator_accept_invitation`): the application role may not write `operators`.
pub async fn accept(
    tx: &mut TenantTx,
    token: &str,
    name: &str,
    password_hash: Option<&str>,
) -> Result<Result<Uuid, NotAccepted>, sqlx::Error> {
    let accepted = sqlx::query!(
        r#"SELECT outcome AS "outcome!", operator_id FROM operator_accept_invitation($1, $2, $3)"#,
        hash_token(token),
        name,
        password_hash,
    )
    .fetch_one(&mut **tx)
    .await?;
    let (outcome, operator) = (accepted.outcome, accepted.operator_id);
    Ok(match (outcome.as_str(), operator) {
        ("ok", Some(id)) => Ok(id),
        ("used", _) => Err(NotAccepted::Used),
        ("expired", _) => Err(NotAccepted::Expired),
        _ => Err(NotAccepted::Unknown),
    })
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
        None => sqlx::query!("SELECT id, slug, kind FROM tenants WHERE kind = 'national'")
            .fetch_optional(owner)
            .await?
            .map(|t| (t.id, t.slug, t.kind))
            .ok_or_else(|| anyhow::anyhow!("no national space: run `ecoute tenants sync` first"))?,
        Some(slug) => sqlx::query!("SELECT id, slug, kind FROM tenants WHERE slug = $1", slug)
            .fetch_optional(owner)
            .await?
            .map(|t| (t.id, t.slug, t.kind))
            .ok_or_else(|| anyhow::anyhow!("no space {slug:?}"))?,
    };
    if role == Role::NationalAdmin && kind != "national" {
        anyhow::bail!("national admins are invited on the national space");
    }
    let token = new_token();
    let mut tx = crate::db::owner_tx_in(owner, id).await?;
    sqlx::query!(
        "INSERT INTO operator_invitations (tenant_id, email, role, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)",
        id,
        email,
        role.as_str(),
        hash_token(&token),
        Utc::now() + Duration::days(VALID_DAYS),
    )
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
