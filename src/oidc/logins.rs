//! Sign-ins under way (`oidc_logins`): what a callback needs, kept between the redirect to the
//! provider and its return, in the space where it started.
//!
//! A row, not a signed cookie: it is used once (a row lock and `used_at`), it expires after
//! [`STATE_MINUTES`], and the space's RLS policy makes a `state` started in space A unknown in
//! space B. The browser that started it holds a random binding in the [`BINDING_COOKIE`]; the
//! row keeps its hash and the state's, so a database leak hands out neither.

use chrono::{Duration, Utc};

use super::{Begun, OidcKind, STATE_MINUTES};
use crate::tenancy::TenantTx;
use crate::tokens::{hash_token, new_token};

/// The cookie binding a sign-in under way to the browser that started it.
pub const BINDING_COOKIE: &str = "ecoute_oidc";

/// Who signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Citizen,
    Operator,
}

impl Purpose {
    fn key(self) -> &'static str {
        match self {
            Purpose::Citizen => "citizen",
            Purpose::Operator => "operator",
        }
    }
}

/// What the callback gets back.
#[derive(Debug)]
pub struct Pending {
    pub provider: OidcKind,
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: String,
}

/// Why a callback's `state` was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum StateProblem {
    /// No `state`, or no binding cookie.
    Missing,
    /// Not started here (another space, forged, or for the other kind of person).
    Unknown,
    /// Started in another browser.
    OtherBrowser,
    Used,
    Expired,
}

/// Keeps a started sign-in; returns the binding to set in [`BINDING_COOKIE`].
pub async fn remember(
    tx: &mut TenantTx,
    begun: &Begun,
    provider: OidcKind,
    purpose: Purpose,
    return_to: &str,
) -> Result<String, sqlx::Error> {
    let binding = new_token();
    sqlx::query!(
        "INSERT INTO oidc_logins (tenant_id, state_hash, browser_hash, provider, purpose, nonce, pkce_verifier, return_to, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        tx.tenant_id(),
        hash_token(&begun.state),
        hash_token(&binding),
        provider.key(),
        purpose.key(),
        begun.nonce,
        begun.pkce_verifier,
        return_to,
        Utc::now() + Duration::minutes(STATE_MINUTES),
    )
    .execute(&mut **tx)
    .await?;
    Ok(binding)
}

/// Uses the sign-in `state` once, if this browser (`binding`) started it here for `purpose`.
/// The caller commits before calling the provider: a state is spent even when what follows
/// fails.
pub async fn take(
    tx: &mut TenantTx,
    state: Option<&str>,
    binding: Option<&str>,
    purpose: Purpose,
) -> Result<Result<Pending, StateProblem>, sqlx::Error> {
    let (Some(state), Some(binding)) = (state.filter(|s| !s.is_empty()), binding) else {
        return Ok(Err(StateProblem::Missing));
    };
    let row = sqlx::query!(
        "SELECT browser_hash, provider, purpose, nonce, pkce_verifier, return_to, expires_at, used_at
           FROM oidc_logins WHERE tenant_id = $1 AND state_hash = $2 FOR UPDATE",
        tx.tenant_id(),
        hash_token(state),
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(Err(StateProblem::Unknown));
    };
    let Some(provider) = OidcKind::from_key(&row.provider) else {
        return Ok(Err(StateProblem::Unknown));
    };
    if row.purpose != purpose.key() {
        return Ok(Err(StateProblem::Unknown));
    }
    // Hashes of random tokens: comparing them tells nothing of the binding.
    if row.browser_hash != hash_token(binding) {
        return Ok(Err(StateProblem::OtherBrowser));
    }
    if row.used_at.is_some() {
        return Ok(Err(StateProblem::Used));
    }
    if row.expires_at <= Utc::now() {
        return Ok(Err(StateProblem::Expired));
    }
    sqlx::query!(
        "UPDATE oidc_logins SET used_at = now() WHERE tenant_id = $1 AND state_hash = $2",
        tx.tenant_id(),
        hash_token(state),
    )
    .execute(&mut **tx)
    .await?;
    Ok(Ok(Pending {
        provider,
        nonce: row.nonce,
        pkce_verifier: row.pkce_verifier,
        return_to: row.return_to,
    }))
}
