//! Sessions: a random id in an HttpOnly cookie, its SHA-256 in `sessions`, scoped to the space.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use chrono::{DateTime, Duration, Utc};
use moka::future::Cache;
use uuid::Uuid;

use super::Account;
use super::tokens::{hash_token, new_token};
use crate::error::PageError;
use crate::tenancy::{CurrentTenant, Tenant, TenantDb, TenantTx};
use crate::web::AppState;
use crate::web::csrf::read_cookie;

pub const SESSION_COOKIE: &str = "ecoute_session";
/// Sessions last two weeks.
pub const SESSION_DAYS: i64 = 14;

/// Opens a session for `account` in the transaction's space; returns the cookie value.
pub async fn open_session(tx: &mut TenantTx, account_id: Uuid) -> Result<String, sqlx::Error> {
    let token = new_token();
    sqlx::query("INSERT INTO sessions (tenant_id, id_hash, account_id, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(tx.tenant_id())
        .bind(hash_token(&token))
        .bind(account_id)
        .bind(Utc::now() + Duration::days(SESSION_DAYS))
        .execute(&mut **tx)
        .await?;
    Ok(token)
}

pub async fn close_session(tx: &mut TenantTx, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND id_hash = $2")
        .bind(tx.tenant_id())
        .bind(hash_token(token))
        .execute(&mut **tx)
        .await?;
    Ok(())
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
    type Row = (Uuid, Option<String>, String, DateTime<Utc>, bool);
    let row: Option<Row> = sqlx::query_as(
        "SELECT a.id, a.email, a.pseudonym, s.expires_at,
                EXISTS (SELECT 1 FROM staff_members m WHERE m.tenant_id = s.tenant_id AND m.email = a.email)
           FROM sessions s JOIN accounts a ON a.id = s.account_id
          WHERE s.tenant_id = $1 AND s.id_hash = $2 AND s.expires_at > now() AND a.deleted_at IS NULL",
    )
    .bind(tenant.id)
    .bind(hash)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row.map(|(id, email, pseudonym, expires_at, staff_here)| CachedSession {
        account: Account {
            id,
            email: email.unwrap_or_default(),
            pseudonym,
            staff_here,
        },
        expires_at,
    }))
}

/// The signed-in account, if any.
#[derive(Debug, Clone)]
pub struct MaybeAccount(pub Option<Account>);

impl FromRequestParts<AppState> for MaybeAccount {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(found) = parts.extensions.get::<MaybeAccount>() {
            return Ok(found.clone());
        }
        let Some(token) = read_cookie(&parts.headers, SESSION_COOKIE) else {
            return Ok(MaybeAccount(None));
        };
        let tenant = CurrentTenant::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::BadRequest)?;
        let account = state.sessions.find(&state.db, &tenant, &token).await?;
        let found = MaybeAccount(account);
        parts.extensions.insert(found.clone());
        Ok(found)
    }
}
