//! Sessions: a random id in an HttpOnly cookie, its SHA-256 in `sessions`, scoped to the space.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

use chrono::{DateTime, Duration, Utc};
use moka::future::Cache;
use uuid::Uuid;

use super::Account;
use crate::error::{ApiError, PageError};
use crate::oidc::OidcKind;
use crate::tenancy::{Tenant, TenantDb, TenantTx};
use crate::tokens::{hash_token, new_token};
use crate::web::Ground;
use crate::web::identity::{FindSignedIn, Found, signed_in};

pub use crate::web::identity::SESSION_COOKIE;
/// Sessions last two weeks.
pub const SESSION_DAYS: i64 = 14;

/// Opens a session for `account` in the transaction's space; returns the cookie value.
pub async fn open_session(tx: &mut TenantTx, account_id: Uuid) -> Result<String, sqlx::Error> {
    let token = new_token();
    sqlx::query!(
        "INSERT INTO sessions (tenant_id, id_hash, account_id, expires_at) VALUES ($1, $2, $3, $4)",
        tx.tenant_id(),
        hash_token(&token),
        account_id,
        Utc::now() + Duration::days(SESSION_DAYS),
    )
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// Opens a session signed in through `provider`, keeping its ID token for the logout there.
pub async fn open_oidc_session(
    tx: &mut TenantTx,
    account_id: Uuid,
    provider: OidcKind,
    id_token: &str,
) -> Result<String, sqlx::Error> {
    let token = open_session(tx, account_id).await?;
    sqlx::query!(
        "UPDATE sessions SET oidc_provider = $3, oidc_id_token = $4 WHERE tenant_id = $1 AND id_hash = $2",
        tx.tenant_id(),
        hash_token(&token),
        provider.key(),
        id_token,
    )
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// Closes a session; returns its provider and ID token when it was opened through one.
pub async fn close_session(tx: &mut TenantTx, token: &str) -> Result<Option<(OidcKind, String)>, sqlx::Error> {
    let closed = sqlx::query!(
        "DELETE FROM sessions WHERE tenant_id = $1 AND id_hash = $2 RETURNING oidc_provider, oidc_id_token",
        tx.tenant_id(),
        hash_token(token),
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(closed.and_then(|row| Some((OidcKind::from_key(row.oidc_provider.as_deref()?)?, row.oidc_id_token?))))
}

/// Sessions as looked up by cookie, cached per instance so that a signed-in request does not
/// pay a database round trip before its real work.
///
/// An entry goes when its session expires, after [`SESSION_CACHE_TTL`] at most, at once on
/// this instance when [`SessionCache::forget_account`] is called (sign-out, deletion, new
/// pseudonym), and on every instance when `ecoute_account_changed` is notified (triggers on
/// `sessions` and `accounts`; see [`crate::db::changes`]).
#[derive(Clone)]
pub struct SessionCache {
    cache: Cache<(Uuid, Vec<u8>), Option<CachedSession>>,
}

#[derive(Clone)]
struct CachedSession {
    account: Account,
    expires_at: DateTime<Utc>,
}

/// A safety net behind the notifications.
pub const SESSION_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

impl Default for SessionCache {
    fn default() -> Self {
        SessionCache {
            cache: Cache::builder()
                .max_capacity(200_000)
                .time_to_live(SESSION_CACHE_TTL)
                .support_invalidation_closures()
                .build(),
        }
    }
}

impl SessionCache {
    /// The account signed in with `token` in `tenant`'s space, if the session is valid.
    pub async fn find(&self, db: &TenantDb, tenant: &Tenant, token: &str) -> Result<Option<Account>, sqlx::Error> {
        let key = (tenant.id, hash_token(token));
        let found =
            crate::caching::get_or_load(&self.cache, "sessions", &key, || find_session(db, tenant, &key.1)).await?;
        Ok(found.filter(|s| s.expires_at > Utc::now()).map(|s| s.account))
    }

    /// Drops every cached session of `account`, and the cached "no such session" answers.
    pub fn forget_account(&self, account: Uuid) {
        // Only fails when closures are not supported, which the builder enables.
        let _ = self
            .cache
            .invalidate_entries_if(move |_, s| s.as_ref().is_none_or(|s| s.account.id == account));
    }

    pub fn forget_all(&self) {
        self.cache.invalidate_all();
    }
}

async fn find_session(db: &TenantDb, tenant: &Tenant, hash: &[u8]) -> Result<Option<CachedSession>, sqlx::Error> {
    let mut tx = db.begin(tenant).await?;
    let row = sqlx::query!(
        r#"SELECT a.id, a.email, a.pseudonym, s.expires_at,
                (EXISTS (SELECT 1 FROM staff_members m WHERE m.tenant_id = s.tenant_id AND m.email = a.email)
                 OR EXISTS (SELECT 1 FROM oidc_identities i JOIN staff_organisations o ON o.tenant_id = i.tenant_id
                             WHERE i.tenant_id = s.tenant_id AND i.account_id = a.id AND i.provider = 'proconnect'
                               AND ((o.kind = 'siret' AND o.value = i.siret)
                                 OR (o.kind = 'domain' AND o.value = split_part(i.email, '@', 2))))) AS "staff_here!",
                EXISTS (SELECT 1 FROM oidc_identities i
                         WHERE i.tenant_id = s.tenant_id AND i.account_id = a.id AND i.provider = 'franceconnect') AS "verified!"
           FROM sessions s JOIN accounts a ON a.id = s.account_id
          WHERE s.tenant_id = $1 AND s.id_hash = $2 AND s.expires_at > now() AND a.deleted_at IS NULL"#,
        tenant.id,
        hash,
    )
    .fetch_optional(&mut *tx)
    .await?
    .map(|r| CachedSession {
        account: Account {
            id: r.id,
            email: r.email.unwrap_or_default(),
            pseudonym: r.pseudonym,
            staff_here: r.staff_here,
            verified: r.verified,
        },
        expires_at: r.expires_at,
    });
    tx.commit().await?;
    Ok(row)
}

/// The signed-in account, if any.
#[derive(Debug, Clone)]
pub struct MaybeAccount(pub Option<Account>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeAccount
where
    Ground: FromRef<S>,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ground = Ground::from_ref(state);
        Ok(MaybeAccount(signed_in(parts, &*ground.signed_in).await?))
    }
}

/// The accounts domain's answer to "who holds this session?", for the HTTP kit's page
/// extractor (see [`crate::web::identity`]).
pub struct Sessions {
    pub db: TenantDb,
    pub cache: SessionCache,
}

impl FindSignedIn for Sessions {
    fn find<'a>(&'a self, tenant: &'a Tenant, token: &'a str) -> Found<'a> {
        Box::pin(async move { Ok(self.cache.find(&self.db, tenant, token).await?) })
    }
}

/// The signed-in account, or 401.
pub struct ApiAccount(pub Account);

impl<S: Send + Sync> FromRequestParts<S> for ApiAccount
where
    Ground: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match MaybeAccount::from_request_parts(parts, state).await {
            Ok(MaybeAccount(Some(account))) => Ok(ApiAccount(account)),
            Ok(MaybeAccount(None)) => Err(ApiError::Unauthorized),
            Err(_) => Err(ApiError::Internal(anyhow::anyhow!("session lookup failed"))),
        }
    }
}
