//! Sign-in with the space's own OpenID provider (a Caf's Keycloak; see
//! [`crate::oidc::spaces`]), for citizens: `GET /connexion/annuaire` starts,
//! `GET /connexion/annuaire/retour` is the callback on the space's own host, like the platform's
//! providers (docs/architecture.md, "Redirect URIs: one callback per space").
//!
//! The checks and the linking are FranceConnect's ([`super::franceconnect`]), with one more
//! rule: the provider is the space's, not the State's, so an account is linked by its e-mail
//! address only when the provider says it verified it (`email_verified`).

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::franceconnect::{StartQuery, from_provider, sign_in_citizen, to_provider};
use super::pages::safe_return_path;
use crate::error::PageError;
use crate::oidc::flow::{CallbackQuery, Flow};
use crate::oidc::logins::Purpose;
use crate::oidc::{Oidc, OidcKind, spaces};
use crate::web::Ground;
use crate::web::page::Page;

/// The sign-in's start, on each space's host.
pub const START: &str = "/connexion/annuaire";
/// The callback, on each space's host.
pub const CALLBACK: &str = "/connexion/annuaire/retour";

/// The citizens' sign-in with the space's provider: the scopes are the provider's own.
pub const FLOW: Flow<'static> = Flow {
    kind: OidcKind::Space,
    purpose: Purpose::Citizen,
    callback: CALLBACK,
    scopes: &spaces::REQUIRED_SCOPES,
    acr: None,
};

/// The name on the space's own provider's button, when it offers one (to operators too when
/// `operators`); none without a server key to open its secret.
pub async fn button(ground: &Ground, oidc: &Oidc, page: &Page, operators: bool) -> Result<Option<String>, PageError> {
    if oidc.sealer().is_none() {
        return Ok(None);
    }
    let mut tx = ground.db.begin(&page.tenant).await?;
    let stored = spaces::stored(&mut tx).await?;
    tx.commit().await?;
    Ok(stored
        .filter(|s| s.enabled && (s.for_operators || !operators))
        .map(|s| s.display_name))
}

/// `GET /connexion/annuaire`.
pub async fn start(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    Query(query): Query<StartQuery>,
) -> Result<Response, PageError> {
    let return_to = safe_return_path(query.retour.as_deref());
    to_provider(&ground, &oidc, &page, FLOW, &return_to, "/connexion").await
}

/// `GET /connexion/annuaire/retour`.
pub async fn callback(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    match from_provider(&ground, &oidc, &page, &headers, FLOW, &query, "/connexion").await? {
        Ok(finished) => sign_in_citizen(&ground, &page, OidcKind::Space, finished).await,
        Err(refusal) => Ok(refusal),
    }
}
