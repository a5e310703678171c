//! Verified identities (`oidc_identities`): a provider's `sub`, for this space's client, names
//! one account. The row records that the account was verified, by which provider and when.

use uuid::Uuid;

use super::queries::find_or_create_account;
use crate::oidc::{Identity, OidcKind};
use crate::tenancy::TenantTx;

/// The account `subject` of `provider` is linked to in this space.
pub async fn linked_account(tx: &mut TenantTx, provider: OidcKind, subject: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT i.account_id FROM oidc_identities i JOIN accounts a ON a.id = i.account_id
          WHERE i.tenant_id = $1 AND i.provider = $2 AND i.subject = $3 AND a.deleted_at IS NULL",
        tx.tenant_id(),
        provider.key(),
        subject,
    )
    .fetch_optional(&mut **tx)
    .await
}

/// The account with the provider's (verified) e-mail address, created if there is none;
/// `true` when it was created (the person then chooses a pseudonym).
pub async fn account_for_email(tx: &mut TenantTx, email: &str) -> Result<(Uuid, bool), sqlx::Error> {
    let existed = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM accounts WHERE email = lower($1)) AS "existed!""#,
        email
    )
    .fetch_one(&mut **tx)
    .await?;
    let account = find_or_create_account(tx, email).await?;
    Ok((account.id, !existed))
}

/// Links `identity` to `account`: the account is verified by `provider` from now on. Signing in
/// again refreshes what the provider says (an agent's organisation changes); the account it is
/// linked to stays.
pub async fn link_identity(
    tx: &mut TenantTx,
    provider: OidcKind,
    identity: &Identity,
    account: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO oidc_identities (tenant_id, provider, subject, account_id, email, acr, siret)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant_id, provider, subject) DO UPDATE
            SET email = EXCLUDED.email, acr = EXCLUDED.acr, siret = EXCLUDED.siret, verified_at = now()",
        tx.tenant_id(),
        provider.key(),
        identity.subject,
        account,
        identity.email.as_deref().unwrap_or_default(),
        identity.acr.as_deref().unwrap_or_default(),
        identity.siret.as_deref().filter(|s| s.len() <= 14).unwrap_or_default(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
