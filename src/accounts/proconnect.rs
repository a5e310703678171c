//! Sign-in with ProConnect for public agents on a space's public side (not the operators'
//! console): an agent whose organisation the space admits (its SIRET, or the domain of the
//! address ProConnect verified; see [`crate::operators::organisations`]) takes part in its
//! staff-only campaigns. Anyone else signed in this way is a citizen like any other.
//!
//! `GET /connexion/proconnect` starts, `GET /connexion/proconnect/retour` is the callback; the
//! checks and the account linking are FranceConnect's ([`super::franceconnect`]).

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::franceconnect::{StartQuery, from_provider, sign_in_citizen, to_provider};
use super::pages::safe_return_path;
use crate::error::PageError;
use crate::oidc::flow::{CallbackQuery, Flow};
use crate::oidc::logins::Purpose;
use crate::oidc::{Oidc, OidcKind};
use crate::web::Ground;
use crate::web::page::Page;

/// The callback, on each space's host.
pub const CALLBACK: &str = "/connexion/proconnect/retour";

/// The agents' ProConnect sign-in: the address and the organisation.
pub const FLOW: Flow<'static> = Flow {
    kind: OidcKind::ProConnect,
    purpose: Purpose::Citizen,
    callback: CALLBACK,
    scopes: &["openid", "email", "siret"],
    acr: None,
};

/// `GET /connexion/proconnect`.
pub async fn start(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    Query(query): Query<StartQuery>,
) -> Result<Response, PageError> {
    let return_to = safe_return_path(query.retour.as_deref());
    to_provider(&ground, &oidc, &page, FLOW, &return_to, "/connexion").await
}

/// `GET /connexion/proconnect/retour`.
pub async fn callback(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    match from_provider(&ground, &oidc, &page, &headers, FLOW, &query, "/connexion").await? {
        Ok(finished) => sign_in_citizen(&ground, &page, OidcKind::ProConnect, finished).await,
        Err(refusal) => Ok(refusal),
    }
}
