//! Sessions: a random id in an HttpOnly cookie, its SHA-256 in `sessions`, scoped to the space.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{Duration, Utc};
use uuid::Uuid;

use super::Account;
use super::tokens::{hash_token, new_token};
use crate::error::PageError;
use crate::tenancy::{CurrentTenant, TenantTx};
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

async fn find_account(state: &AppState, tenant: &CurrentTenant, token: &str) -> Result<Option<Account>, sqlx::Error> {
    let mut tx = state.db.begin(tenant).await?;
    let row: Option<(Uuid, Option<String>, String)> = sqlx::query_as(
        "SELECT a.id, a.email, a.pseudonym FROM sessions s JOIN accounts a ON a.id = s.account_id
          WHERE s.tenant_id = $1 AND s.id_hash = $2 AND s.expires_at > now() AND a.deleted_at IS NULL",
    )
    .bind(tenant.id)
    .bind(hash_token(token))
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row.map(|(id, email, pseudonym)| Account {
        id,
        email: email.unwrap_or_default(),
        pseudonym,
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
        let account = find_account(state, &tenant, &token).await?;
        let found = MaybeAccount(account);
        parts.extensions.insert(found.clone());
        Ok(found)
    }
}
