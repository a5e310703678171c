//! A sign-in from end to end, for any provider and any kind of person: [`begin`] (a fresh
//! `state`, nonce and PKCE verifier, remembered in the space and bound to the browser) and
//! [`finish`] (the `state` spent once, the provider's error or code, the tokens and userinfo
//! checked). The domains only say which provider, for whom, with which scopes, and decide what
//! the identity opens; each [`Failure`] names the French text to show.

use serde::Deserialize;

use super::logins::{Purpose, StateProblem, remember, take};
use super::{Identity, Oidc, OidcKind, Refusal};
use crate::tenancy::{Tenant, TenantDb};

/// Which sign-in: provider, person, callback and what is asked.
#[derive(Debug, Clone, Copy)]
pub struct Flow<'a> {
    pub kind: OidcKind,
    pub purpose: Purpose,
    /// The callback's path on the space's host.
    pub callback: &'a str,
    pub scopes: &'a [&'a str],
    /// The `acr` asked (and required back), if any.
    pub acr: Option<&'a str>,
}

/// A started sign-in: where to send the browser, and the binding to set in
/// [`super::logins::BINDING_COOKIE`] (for [`super::STATE_MINUTES`]).
pub struct Started {
    pub url: String,
    pub binding: String,
}

/// What a callback receives from the provider.
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// A finished sign-in: who, and where the person was going.
pub struct Finished {
    pub identity: Identity,
    pub return_to: String,
}

/// Why a sign-in did not happen. Nothing is stored but the spent `state`.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("the provider is not offered in this space")]
    NotOffered,
    #[error("state refused: {0:?}")]
    State(StateProblem),
    #[error("the provider answered an error")]
    ProviderError,
    #[error("no usable code")]
    NoCode,
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl Failure {
    /// The text key (`oidc.…`) that explains it.
    pub fn message_key(&self) -> &'static str {
        match self {
            Failure::NotOffered | Failure::Refused(Refusal::Unreachable(_)) | Failure::Db(_) => "oidc.unreachable",
            Failure::State(StateProblem::Missing) => "oidc.state_missing",
            Failure::State(StateProblem::Unknown) => "oidc.state_unknown",
            Failure::State(StateProblem::OtherBrowser) => "oidc.state_other_browser",
            Failure::State(StateProblem::Used) => "oidc.state_used",
            Failure::State(StateProblem::Expired) => "oidc.state_expired",
            Failure::ProviderError | Failure::NoCode => "oidc.provider_error",
            Failure::Refused(Refusal::CodeRefused(_)) => "oidc.code_refused",
            Failure::Refused(Refusal::InvalidIdToken(_)) => "oidc.invalid_token",
            Failure::Refused(Refusal::WrongLevel(_)) => "oidc.wrong_level",
            Failure::Refused(Refusal::InvalidUserInfo(_)) => "oidc.invalid_userinfo",
        }
    }

    /// The HTTP status that goes with it.
    pub fn status(&self) -> u16 {
        match self {
            Failure::NotOffered => 404,
            Failure::Db(_) => 500,
            Failure::ProviderError | Failure::Refused(Refusal::Unreachable(_)) => 502,
            Failure::Refused(Refusal::WrongLevel(_)) => 403,
            _ => 400,
        }
    }
}

/// The callback URI of `flow` on the space's `base_url`.
pub fn redirect_uri(base_url: &str, flow: &Flow<'_>) -> String {
    format!("{base_url}{}", flow.callback)
}

/// Starts a sign-in in `tenant`'s space, coming back on `base_url` and then to `return_to`.
pub async fn begin(
    oidc: &Oidc,
    db: &TenantDb,
    tenant: &Tenant,
    base_url: &str,
    flow: Flow<'_>,
    return_to: &str,
) -> Result<Started, Failure> {
    let provider = oidc.resolve(db, tenant, flow.kind).await?.ok_or(Failure::NotOffered)?;
    let scopes: Vec<&str> = if provider.scopes.is_empty() {
        flow.scopes.to_vec()
    } else {
        provider.scopes.iter().map(String::as_str).collect()
    };
    let begun = oidc
        .begin(&provider, &redirect_uri(base_url, &flow), &scopes, flow.acr)
        .await?;
    let mut tx = db.begin(tenant).await?;
    let binding = remember(&mut tx, &begun, flow.kind, flow.purpose, return_to).await?;
    tx.commit().await?;
    Ok(Started {
        url: begun.url,
        binding,
    })
}

/// Ends a sign-in: spends the `state` (in its own transaction, whatever follows), then checks
/// the provider's answer. `binding` is the browser's [`super::logins::BINDING_COOKIE`].
pub async fn finish(
    oidc: &Oidc,
    db: &TenantDb,
    tenant: &Tenant,
    base_url: &str,
    flow: Flow<'_>,
    query: &CallbackQuery,
    binding: Option<&str>,
) -> Result<Finished, Failure> {
    let provider = oidc.resolve(db, tenant, flow.kind).await?.ok_or(Failure::NotOffered)?;
    let mut tx = db.begin(tenant).await?;
    let taken = take(&mut tx, query.state.as_deref(), binding, flow.purpose).await?;
    tx.commit().await?;
    let pending = match taken {
        Ok(pending) if pending.provider == flow.kind => pending,
        Ok(_) => return Err(Failure::State(StateProblem::Unknown)),
        Err(problem) => return Err(Failure::State(problem)),
    };
    if query.error.is_some() {
        return Err(Failure::ProviderError);
    }
    let code = query
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 2000)
        .ok_or(Failure::NoCode)?;
    let identity = oidc
        .finish(
            &provider,
            &redirect_uri(base_url, &flow),
            code,
            &pending.nonce,
            &pending.pkce_verifier,
            flow.acr,
        )
        .await?;
    Ok(Finished {
        identity,
        return_to: pending.return_to,
    })
}
