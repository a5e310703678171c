//! One OpenID Connect client for every provider (FranceConnect, ProConnect, a space's own): the `openidconnect`
//! crate does discovery, the authorization code flow with PKCE, the ID token's checks
//! (signature with the algorithms the provider announces, issuer, audience, expiry, nonce).
//! This module adds what the crate leaves to its user: the `acr` asked, a token issued in the
//! future, userinfo signed in ES256 (`userinfo.rs`), a `sub` that changes between the ID token
//! and userinfo, and the logout URL.
//!
//! It knows no domain and no page: [`flow`] runs a sign-in from end to end (the `state`, the
//! nonce and the PKCE verifier kept in `oidc_logins`, see [`logins`]), and the accounts and
//! operators domains decide what an identity opens. A space's own provider is stored in the
//! space, its secret sealed ([`spaces`], [`sealed`]); [`Oidc::resolve`] finds either kind.

pub mod flow;
mod http;
pub mod logins;
pub mod sealed;
pub mod spaces;
mod userinfo;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreIdTokenVerifier};
use openidconnect::{
    AuthType, AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl,
    ProviderMetadataWithLogout, RedirectUrl, Scope, TokenResponse,
};
use secrecy::ExposeSecret;

pub use crate::config::oidc::{OidcKind, OidcProvider};
use crate::tenancy::{Tenant, TenantDb};
use crate::tokens::new_token;

/// How long a started sign-in may wait for its callback.
pub const STATE_MINUTES: i64 = 10;
/// Clock difference tolerated with a provider.
const SKEW_SECONDS: i64 = 60;

/// The platform's providers, the key that opens the spaces' own, and the HTTP client that
/// calls them.
#[derive(Clone)]
pub struct Oidc {
    providers: Arc<Vec<OidcProvider>>,
    sealer: Option<Arc<sealed::Sealer>>,
    http: http::Http,
}

/// A started sign-in: where to send the browser, and what to keep until it comes back.
pub struct Begun {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// What a provider proved about the person.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    /// The provider's `email_verified` (userinfo): a space's own provider links by e-mail only
    /// when it is true.
    pub email_verified: bool,
    pub acr: Option<String>,
    pub amr: Vec<String>,
    /// ProConnect: the agent's organisation.
    pub siret: Option<String>,
    /// The raw ID token, for the logout at the provider (`id_token_hint`).
    pub id_token: String,
}

impl Identity {
    /// ProConnect's word that a second factor was used.
    pub fn multi_factor(&self) -> bool {
        self.amr.iter().any(|m| m == "mfa")
    }
}

/// Why a sign-in was refused: each is shown as its own French page by the domains.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("the provider cannot be reached or described itself wrongly: {0}")]
    Unreachable(String),
    #[error("the provider refused the code: {0}")]
    CodeRefused(String),
    #[error("the ID token is not valid: {0}")]
    InvalidIdToken(String),
    #[error("the authentication level is not the one asked: {0}")]
    WrongLevel(String),
    #[error("the userinfo answer is not valid: {0}")]
    InvalidUserInfo(String),
}

impl Oidc {
    pub fn new(providers: Vec<OidcProvider>, keys: Option<&crate::config::oidc::ServerKeys>) -> anyhow::Result<Self> {
        Ok(Oidc {
            providers: Arc::new(providers),
            sealer: keys.map(|k| Arc::new(sealed::Sealer::new(k))),
            http: http::Http::new()?,
        })
    }

    /// The platform's provider of `kind` offered in the space `slug`.
    pub fn provider(&self, kind: OidcKind, slug: &str) -> Option<&OidcProvider> {
        self.providers.iter().find(|p| p.kind == kind && p.offered_in(slug))
    }

    /// The sealer of the spaces' secrets; `None` when no server key was given.
    pub fn sealer(&self) -> Option<&sealed::Sealer> {
        self.sealer.as_deref()
    }

    /// The provider of `kind` offered in `tenant`'s space: the platform's, or the space's own
    /// (enabled, its secret opened) read in the space, never another's.
    pub async fn resolve(
        &self,
        db: &TenantDb,
        tenant: &Tenant,
        kind: OidcKind,
    ) -> Result<Option<OidcProvider>, sqlx::Error> {
        if kind != OidcKind::Space {
            return Ok(self.provider(kind, &tenant.slug).cloned());
        }
        let Some(sealer) = self.sealer() else {
            return Ok(None);
        };
        let mut tx = db.begin(tenant).await?;
        let provider = spaces::for_sign_in(&mut tx, sealer, &tenant.slug).await?;
        tx.commit().await?;
        Ok(provider)
    }

    /// Whether `issuer` answers discovery as an OpenID provider (checked when a space saves its
    /// own).
    pub async fn discover(&self, issuer: &str) -> Result<(), Refusal> {
        let issuer = IssuerUrl::new(issuer.to_owned()).map_err(|e| Refusal::Unreachable(e.to_string()))?;
        ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map(|_| ())
            .map_err(|e| Refusal::Unreachable(e.to_string()))
    }

    async fn metadata(&self, provider: &OidcProvider) -> Result<ProviderMetadataWithLogout, Refusal> {
        let issuer = IssuerUrl::new(provider.issuer.clone()).map_err(|e| Refusal::Unreachable(e.to_string()))?;
        ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| Refusal::Unreachable(e.to_string()))
    }

    fn client(
        provider: &OidcProvider,
        metadata: ProviderMetadataWithLogout,
        redirect_uri: &str,
    ) -> Result<DiscoveredClient, Refusal> {
        let redirect = RedirectUrl::new(redirect_uri.to_owned()).map_err(|e| Refusal::Unreachable(e.to_string()))?;
        // FranceConnect and ProConnect take the secret in the body (client_secret_post); a
        // space's own provider as it announces, HTTP Basic (the standard's default) first.
        let auth_type = match provider.kind {
            OidcKind::Space if announces_basic(&metadata) => AuthType::BasicAuth,
            _ => AuthType::RequestBody,
        };
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            Some(ClientSecret::new(provider.client_secret.expose_secret().to_owned())),
        )
        .set_redirect_uri(redirect)
        .set_auth_type(auth_type))
    }

    /// Starts a sign-in: `state` and nonce of 43 random characters, PKCE S256, the scopes and
    /// the `acr` asked.
    pub async fn begin(
        &self,
        provider: &OidcProvider,
        redirect_uri: &str,
        scopes: &[&str],
        acr: Option<&str>,
    ) -> Result<Begun, Refusal> {
        let client = Self::client(provider, self.metadata(provider).await?, redirect_uri)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                || CsrfToken::new(new_token()),
                || Nonce::new(new_token()),
            )
            .set_pkce_challenge(challenge);
        for scope in scopes.iter().filter(|s| **s != "openid") {
            request = request.add_scope(Scope::new((*scope).to_owned()));
        }
        if let Some(acr) = acr {
            request = request.add_auth_context_value(AuthenticationContextClass::new(acr.to_owned()));
        }
        let (url, state, nonce) = request.url();
        Ok(Begun {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Ends a sign-in: exchanges the code, checks the ID token (with `nonce` and the `acr`
    /// asked), reads userinfo (signed when the provider signs it) for the same `sub`.
    pub async fn finish(
        &self,
        provider: &OidcProvider,
        redirect_uri: &str,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
        acr: Option<&str>,
    ) -> Result<Identity, Refusal> {
        let metadata = self.metadata(provider).await?;
        let client = Self::client(provider, metadata.clone(), redirect_uri)?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| Refusal::Unreachable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| Refusal::CodeRefused(e.to_string()))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| Refusal::InvalidIdToken("no ID token".into()))?;
        let verifier = checks(client.id_token_verifier());
        let claims = id_token
            .claims(&verifier, &Nonce::new(nonce.to_owned()))
            .map_err(|e| Refusal::InvalidIdToken(e.to_string()))?;
        let level = claims.auth_context_ref().map(|a| a.as_str().to_owned());
        if let Some(asked) = acr {
            check_level(asked, level.as_deref())?;
        }
        let amr = claims
            .auth_method_refs()
            .map(|amr| amr.iter().map(|m| m.as_str().to_owned()).collect())
            .unwrap_or_default();
        let subject = claims.subject().as_str().to_owned();
        let info = userinfo::fetch(
            &self.http,
            &metadata,
            &provider.client_id,
            token.access_token().secret(),
            &subject,
            // A Keycloak announces signing algorithms but answers JSON unless its client is
            // set to sign: a space's own provider may answer either way.
            provider.kind != OidcKind::Space,
        )
        .await?;
        Ok(Identity {
            subject,
            email_verified: info.email_verified(),
            email: info.email.map(|e| e.to_lowercase()),
            acr: level,
            amr,
            siret: info.siret,
            id_token: id_token.to_string(),
        })
    }

    /// The provider's logout URL for a session opened with `id_token`, coming back to
    /// `post_logout_redirect_uri`; `None` when the provider has no end-session endpoint.
    pub async fn logout_url(
        &self,
        provider: &OidcProvider,
        id_token: &str,
        post_logout_redirect_uri: &str,
    ) -> Result<Option<String>, Refusal> {
        let metadata = self.metadata(provider).await?;
        let Some(end) = metadata.additional_metadata().end_session_endpoint.clone() else {
            return Ok(None);
        };
        let id_token: CoreIdToken = id_token
            .parse()
            .map_err(|_| Refusal::InvalidIdToken("stored ID token unreadable".into()))?;
        let back = PostLogoutRedirectUrl::new(post_logout_redirect_uri.to_owned())
            .map_err(|e| Refusal::Unreachable(e.to_string()))?;
        let url = LogoutRequest::from(end)
            .set_id_token_hint(&id_token)
            .set_client_id(ClientId::new(provider.client_id.clone()))
            .set_post_logout_redirect_uri(back)
            .set_state(CsrfToken::new(new_token()))
            .http_get_url();
        Ok(Some(url.to_string()))
    }
}

/// The client type `from_provider_metadata` gives: authorization endpoint set, token and
/// userinfo endpoints as discovered.
type DiscoveredClient = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// Whether the token endpoint takes HTTP Basic: announced, or nothing announced (the
/// standard's default).
fn announces_basic(metadata: &ProviderMetadataWithLogout) -> bool {
    metadata
        .token_endpoint_auth_methods_supported()
        .is_none_or(|methods| methods.contains(&openidconnect::core::CoreClientAuthMethod::ClientSecretBasic))
}

/// What the crate leaves to its user: a token issued in the future is not yet valid.
fn checks(verifier: CoreIdTokenVerifier<'_>) -> CoreIdTokenVerifier<'_> {
    verifier.set_issue_time_verifier_fn(|issued: DateTime<Utc>| {
        if issued > Utc::now() + Duration::seconds(SKEW_SECONDS) {
            Err(format!("issued in the future ({issued})"))
        } else {
            Ok(())
        }
    })
}

/// The eIDAS levels, lowest first: a higher level than asked is accepted, a lower one or none
/// is not.
fn check_level(asked: &str, got: Option<&str>) -> Result<(), Refusal> {
    const LEVELS: [&str; 3] = ["eidas1", "eidas2", "eidas3"];
    let rank = |level: &str| LEVELS.iter().position(|l| *l == level);
    match (rank(asked), got.and_then(rank)) {
        (Some(asked_rank), Some(got_rank)) if got_rank >= asked_rank => Ok(()),
        (None, Some(_)) | (None, None) if got == Some(asked) => Ok(()),
        _ => Err(Refusal::WrongLevel(format!("asked {asked}, got {got:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_at_least_the_one_asked() {
        assert!(check_level("eidas1", Some("eidas1")).is_ok());
        assert!(check_level("eidas1", Some("eidas3")).is_ok());
        assert!(check_level("eidas2", Some("eidas1")).is_err());
        assert!(check_level("eidas1", None).is_err());
        assert!(check_level("eidas1", Some("anything")).is_err());
        assert!(check_level("custom", Some("custom")).is_ok());
    }
}
