//! A space's own OpenID provider (`space_oidc_providers`, one per space): a Caf's Keycloak,
//! for instance, offered beside the platform's providers as [`OidcKind::Space`].
//!
//! The row is the space's (forced RLS), and so is what it opens: [`for_sign_in`] reads it in
//! the transaction of the space asking, so a provider of space A is never offered in space B.
//! Its client secret is sealed ([`super::sealed`]) with the space and the row as associated
//! data, and opened only to call the provider; it never leaves this module in a page.

use secrecy::SecretString;
use uuid::Uuid;

use super::sealed::Sealer;
use super::{OidcKind, OidcProvider};
use crate::tenancy::TenantTx;

/// The scopes always asked: the sign-in and the address that links an account.
pub const REQUIRED_SCOPES: [&str; 2] = ["openid", "email"];
/// What the console accepts.
pub const MAX_SCOPES: usize = 12;
pub const MAX_SCOPES_LEN: usize = 300;

/// The provider as the console shows it: everything but the secret.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Stored {
    pub id: Uuid,
    pub display_name: String,
    pub issuer: String,
    pub client_id: String,
    pub scopes: String,
    pub for_operators: bool,
    pub enabled: bool,
}

/// What an operator saves. `secret: None` keeps the stored one.
#[derive(Debug, Clone)]
pub struct Changes {
    pub display_name: String,
    pub issuer: String,
    pub client_id: String,
    pub secret: Option<String>,
    pub scopes: String,
    pub for_operators: bool,
    pub enabled: bool,
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Created,
    Unchanged,
    /// `issuer_changed`: the identities linked through the former issuer were forgotten (its
    /// `sub`s mean nothing to the new one, and could name someone else there).
    Updated {
        issuer_changed: bool,
        secret_changed: bool,
    },
}

/// Why a save was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveProblem {
    /// A new provider needs its secret.
    SecretRequired,
}

/// The space's provider, if it has one.
pub async fn stored(tx: &mut TenantTx) -> Result<Option<Stored>, sqlx::Error> {
    sqlx::query_as!(
        Stored,
        "SELECT id, display_name, issuer, client_id, scopes, for_operators, enabled
           FROM space_oidc_providers WHERE tenant_id = $1",
        tx.tenant_id(),
    )
    .fetch_optional(&mut **tx)
    .await
}

/// The space's provider ready for a sign-in, when enabled and its secret opens; a secret
/// sealed under the previous server key is sealed again under the current one.
pub async fn for_sign_in(tx: &mut TenantTx, sealer: &Sealer, slug: &str) -> Result<Option<OidcProvider>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT id, issuer, client_id, client_secret_sealed, scopes
           FROM space_oidc_providers WHERE tenant_id = $1 AND enabled",
        tx.tenant_id(),
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let tenant_id = tx.tenant_id();
    let opened = match sealer.open(tenant_id, row.id, &row.client_secret_sealed) {
        Ok(opened) => opened,
        Err(error) => {
            tracing::error!(%error, space = slug, "the space's OpenID provider is off until its secret is entered again");
            return Ok(None);
        }
    };
    if opened.with_previous_key {
        sqlx::query!(
            "UPDATE space_oidc_providers SET client_secret_sealed = $3 WHERE tenant_id = $1 AND id = $2",
            tenant_id,
            row.id,
            sealer.seal(tenant_id, row.id, &opened.secret),
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(Some(OidcProvider {
        kind: OidcKind::Space,
        issuer: row.issuer,
        client_id: row.client_id,
        client_secret: SecretString::from(opened.secret),
        spaces: Some(vec![slug.to_owned()]),
        scopes: row.scopes.split_whitespace().map(str::to_owned).collect(),
    }))
}

/// Creates or changes the space's provider, sealing a new secret for its row. Saving what is
/// already stored changes nothing (a form sent twice).
pub async fn save(
    tx: &mut TenantTx,
    sealer: &Sealer,
    changes: &Changes,
    operator: Uuid,
) -> Result<Result<Saved, SaveProblem>, sqlx::Error> {
    let tenant_id = tx.tenant_id();
    let Some(existing) = stored(tx).await? else {
        let id = Uuid::new_v4();
        let Some(secret) = changes.secret.as_deref() else {
            return Ok(Err(SaveProblem::SecretRequired));
        };
        sqlx::query!(
            "INSERT INTO space_oidc_providers
                (id, tenant_id, display_name, issuer, client_id, client_secret_sealed, scopes, for_operators, enabled, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            id,
            tenant_id,
            changes.display_name,
            changes.issuer,
            changes.client_id,
            sealer.seal(tenant_id, id, secret),
            changes.scopes,
            changes.for_operators,
            changes.enabled,
            operator,
        )
        .execute(&mut **tx)
        .await?;
        return Ok(Ok(Saved::Created));
    };
    let id = existing.id;
    let new_secret = match changes.secret.as_deref() {
        Some(secret) if !same_secret(tx, sealer, id, secret).await? => Some(secret),
        _ => None,
    };
    let same = existing.display_name == changes.display_name
        && existing.issuer == changes.issuer
        && existing.client_id == changes.client_id
        && existing.scopes == changes.scopes
        && existing.for_operators == changes.for_operators
        && existing.enabled == changes.enabled;
    if same && new_secret.is_none() {
        return Ok(Ok(Saved::Unchanged));
    }
    sqlx::query!(
        "UPDATE space_oidc_providers
            SET display_name = $3, issuer = $4, client_id = $5,
                client_secret_sealed = coalesce($6, client_secret_sealed), scopes = $7,
                for_operators = $8, enabled = $9, updated_by = $10, updated_at = now()
          WHERE tenant_id = $1 AND id = $2",
        tenant_id,
        id,
        changes.display_name,
        changes.issuer,
        changes.client_id,
        new_secret.map(|secret| sealer.seal(tenant_id, id, secret)),
        changes.scopes,
        changes.for_operators,
        changes.enabled,
        operator,
    )
    .execute(&mut **tx)
    .await?;
    let issuer_changed = existing.issuer != changes.issuer;
    if issuer_changed {
        sqlx::query!(
            "DELETE FROM oidc_identities WHERE tenant_id = $1 AND provider = $2",
            tenant_id,
            OidcKind::Space.key(),
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(Ok(Saved::Updated {
        issuer_changed,
        secret_changed: new_secret.is_some(),
    }))
}

/// Whether `secret` is the one stored (sealed) for the row `id`.
async fn same_secret(tx: &mut TenantTx, sealer: &Sealer, id: Uuid, secret: &str) -> Result<bool, sqlx::Error> {
    let sealed = sqlx::query_scalar!(
        "SELECT client_secret_sealed FROM space_oidc_providers WHERE tenant_id = $1 AND id = $2",
        tx.tenant_id(),
        id,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(sealer
        .open(tx.tenant_id(), id, &sealed)
        .is_ok_and(|opened| !opened.with_previous_key && opened.secret == secret))
}

/// Reads the scopes an operator typed (spaces or commas between them): `openid` and `email`
/// always, each scope made of printable ASCII without quote or backslash (RFC 6749, 3.3),
/// at most [`MAX_SCOPES`]. `None` when one is not a scope.
pub fn parse_scopes(typed: &str) -> Option<String> {
    let mut scopes: Vec<&str> = REQUIRED_SCOPES.to_vec();
    for scope in typed
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
    {
        let valid = scope.len() <= 64 && scope.chars().all(|c| c.is_ascii_graphic() && c != '"' && c != '\\');
        if !valid {
            return None;
        }
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    let joined = scopes.join(" ");
    (scopes.len() <= MAX_SCOPES && joined.len() <= MAX_SCOPES_LEN).then_some(joined)
}

/// Reads an issuer URL an operator typed: absolute, `https` (or `http` when `allow_http`: a
/// space served over plain HTTP, in development and tests), a host, no credentials, query or
/// fragment; without its trailing `/`. `None` when it is not one.
pub fn parse_issuer(typed: &str, allow_http: bool) -> Option<String> {
    let typed = typed.trim().trim_end_matches('/');
    if typed.len() > 500 {
        return None;
    }
    let url = openidconnect::url::Url::parse(typed).ok()?;
    let scheme_ok = url.scheme() == "https" || (allow_http && url.scheme() == "http");
    let clean =
        url.username().is_empty() && url.password().is_none() && url.query().is_none() && url.fragment().is_none();
    (scheme_ok && clean && url.host_str().is_some_and(|h| !h.is_empty())).then(|| typed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_absolute_https_urls() {
        assert_eq!(
            parse_issuer(" https://sso.caf33.fr/realms/caf/ ", false).as_deref(),
            Some("https://sso.caf33.fr/realms/caf")
        );
        assert_eq!(parse_issuer("http://127.0.0.1:4000", false), None);
        assert_eq!(
            parse_issuer("http://127.0.0.1:4000", true).as_deref(),
            Some("http://127.0.0.1:4000")
        );
        assert_eq!(parse_issuer("sso.caf33.fr", false), None);
        assert_eq!(parse_issuer("ftp://sso.caf33.fr", true), None);
        assert_eq!(parse_issuer("https://u:p@sso.caf33.fr", false), None);
        assert_eq!(parse_issuer("https://sso.caf33.fr/?x=1", false), None);
        assert_eq!(parse_issuer(&format!("https://a.fr/{}", "x".repeat(500)), false), None);
    }

    #[test]
    fn scopes_always_ask_openid_and_email() {
        assert_eq!(parse_scopes("").as_deref(), Some("openid email"));
        assert_eq!(
            parse_scopes("profile, email openid").as_deref(),
            Some("openid email profile")
        );
        assert_eq!(
            parse_scopes("roles  caf:agent").as_deref(),
            Some("openid email roles caf:agent")
        );
        assert_eq!(parse_scopes("pro\"file"), None);
        assert_eq!(parse_scopes("é"), None);
        let many: String = (0..20).map(|i| format!("s{i} ")).collect();
        assert_eq!(parse_scopes(&many), None);
    }
}
