//! Account, sign-in token and session queries.

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::{Account, EmailAddress};
use crate::tenancy::TenantTx;
use crate::tokens::{hash_token, new_token};

/// Sign-in links are valid for 15 minutes.
pub const SIGN_IN_MINUTES: i64 = 15;
/// At most this many links per address and space per hour.
pub const SIGN_IN_PER_HOUR: i64 = 5;

/// How many links were requested for `email` in this space in the last hour.
pub async fn recent_sign_in_requests(tx: &mut TenantTx, email: &EmailAddress) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM sign_in_tokens WHERE tenant_id = $1 AND email = $2 AND created_at > now() - interval '1 hour'"#,
        tx.tenant_id(),
        email.as_str(),
    )
    .fetch_one(&mut **tx)
    .await
}

/// Stores a new single-use token (hashed) and returns it in clear, for the e-mail.
pub async fn create_sign_in_token(
    tx: &mut TenantTx,
    email: &EmailAddress,
    return_to: &str,
) -> Result<String, sqlx::Error> {
    let token = new_token();
    sqlx::query!(
        "INSERT INTO sign_in_tokens (tenant_id, token_hash, email, return_to, expires_at) VALUES ($1, $2, $3, $4, $5)",
        tx.tenant_id(),
        hash_token(&token),
        email.as_str(),
        return_to,
        Utc::now() + Duration::minutes(SIGN_IN_MINUTES),
    )
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// Why a sign-in link was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenProblem {
    Unknown,
    Used,
    Expired,
}

/// Marks the token used, once. Returns the address and where to go next.
pub async fn consume_sign_in_token(
    tx: &mut TenantTx,
    token: &str,
) -> Result<Result<(String, String), TokenProblem>, sqlx::Error> {
    // The UPDATE's row lock makes a second, concurrent use see used_at set.
    let row = sqlx::query!(
        "SELECT email, return_to, used_at, expires_at FROM sign_in_tokens WHERE tenant_id = $1 AND token_hash = $2 FOR UPDATE",
        tx.tenant_id(),
        hash_token(token),
    )
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| (r.email, r.return_to, r.used_at, r.expires_at));
    let Some((email, return_to, used_at, expires_at)) = row else {
        return Ok(Err(TokenProblem::Unknown));
    };
    if used_at.is_some() {
        return Ok(Err(TokenProblem::Used));
    }
    if expires_at <= Utc::now() {
        return Ok(Err(TokenProblem::Expired));
    }
    sqlx::query!(
        "UPDATE sign_in_tokens SET used_at = now() WHERE tenant_id = $1 AND token_hash = $2",
        tx.tenant_id(),
        hash_token(token),
    )
    .execute(&mut **tx)
    .await?;
    Ok(Ok((email, return_to)))
}

/// The account for `email`, created on first sign-in with a neutral pseudonym.
pub async fn find_or_create_account(tx: &mut TenantTx, email: &str) -> Result<Account, sqlx::Error> {
    let pseudonym = format!("Participant·e {}", &Uuid::new_v4().simple().to_string()[..5]);
    // Creating an account and linking it to this space is the database's to do
    // (migration `platform_identity`): the application role cannot insert accounts. The
    // function's columns carry no NOT NULL: `!` restates what it returns.
    let account = sqlx::query!(
        r#"SELECT id AS "id!", email, pseudonym AS "pseudonym!" FROM account_sign_in($1, $2)"#,
        email,
        pseudonym,
    )
    .fetch_one(&mut **tx)
    .await?;
    let (id, email, pseudonym) = (account.id, account.email, account.pseudonym);
    Ok(Account {
        id,
        email: email.unwrap_or_default(),
        pseudonym,
        // Read with the session on the next request.
        staff_here: false,
        verified: false,
    })
}

/// Changes the display name.
pub async fn set_pseudonym(tx: &mut TenantTx, account: Uuid, pseudonym: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE accounts SET pseudonym = $2 WHERE id = $1", account, pseudonym,)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
