//! Console sign-in with the space's own OpenID provider, when the space lets its operators use
//! it ([`crate::oidc::spaces`]): ProConnect's rules ([`super::proconnect`]), an operator's
//! address verified by the provider, and the TOTP step unless the provider reports a second
//! factor (`amr` with `mfa`).
//!
//! `GET /admin/connexion/annuaire` starts, `GET /admin/connexion/annuaire/retour` is the
//! callback on the space's own host.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::console_return;
use super::proconnect::sign_in_operator;
use crate::accounts::franceconnect::{StartQuery, from_provider, to_provider};
use crate::accounts::own_provider::button;
use crate::error::PageError;
use crate::oidc::flow::{CallbackQuery, Flow};
use crate::oidc::logins::Purpose;
use crate::oidc::{Oidc, OidcKind, spaces};
use crate::web::Ground;
use crate::web::page::Page;

pub const START: &str = "/admin/connexion/annuaire";
pub const CALLBACK: &str = "/admin/connexion/annuaire/retour";
const SIGN_IN: &str = "/admin/connexion";

/// The operators' sign-in with the space's provider: its own scopes.
pub const FLOW: Flow<'static> = Flow {
    kind: OidcKind::Space,
    purpose: Purpose::Operator,
    callback: CALLBACK,
    scopes: &spaces::REQUIRED_SCOPES,
    acr: None,
};

/// `GET /admin/connexion/annuaire`: only where the space lets operators use its provider.
pub async fn start(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    Query(query): Query<StartQuery>,
) -> Result<Response, PageError> {
    if button(&ground, &oidc, &page, true).await?.is_none() {
        return Err(PageError::NotFound);
    }
    let return_to = console_return(query.retour.as_deref());
    to_provider(&ground, &oidc, &page, FLOW, &return_to, SIGN_IN).await
}

/// `GET /admin/connexion/annuaire/retour`: the state is spent, then the space must still let
/// operators use its provider.
pub async fn callback(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    let finished = match from_provider(&ground, &oidc, &page, &headers, FLOW, &query, SIGN_IN).await? {
        Ok(finished) => finished,
        Err(refusal) => return Ok(refusal),
    };
    if button(&ground, &oidc, &page, true).await?.is_none() {
        return Err(PageError::NotFound);
    }
    sign_in_operator(&ground, &page, OidcKind::Space, finished).await
}
