//! Sign-in with FranceConnect: a citizen's identity verified by the State.
//!
//! `GET /connexion/franceconnect` starts (a link, not a form: the page's `form-action 'self'`
//! would stop a form's redirect to the provider), `GET /connexion/franceconnect/retour` is the
//! callback, on the space's own host (docs/architecture.md, "OpenID providers"). Scopes:
//! `openid email`, level eidas1.
//!
//! Linking: the provider's `sub` (for this space's client) names one account; the first time,
//! the account with the provider's e-mail address is found or created and linked to it. A new
//! account goes to "Mon compte" to choose its pseudonym.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::Response;
use serde::Deserialize;

use super::identities::{account_for_email, link_identity, linked_account};
use super::pages::{message, safe_return_path};
use super::session::{SESSION_COOKIE, SESSION_DAYS, open_oidc_session};
use crate::error::PageError;
use crate::oidc::flow::{self, CallbackQuery, Failure, Finished, Flow};
use crate::oidc::logins::{BINDING_COOKIE, Purpose};
use crate::oidc::{Oidc, OidcKind, STATE_MINUTES};
use crate::web::Ground;
use crate::web::csrf::{cookie, read_cookie};
use crate::web::page::Page;
use crate::web::pages::see_other;

/// The scopes asked: the fewest the use needs.
pub const SCOPES: &[&str] = &["openid", "email"];
/// The eIDAS level asked.
pub const ACR: &str = "eidas1";
/// The callback, on each space's host.
pub const CALLBACK: &str = "/connexion/franceconnect/retour";

/// The citizens' FranceConnect sign-in.
pub const FLOW: Flow<'static> = Flow {
    kind: OidcKind::FranceConnect,
    purpose: Purpose::Citizen,
    callback: CALLBACK,
    scopes: SCOPES,
    acr: Some(ACR),
};

/// A sign-in's start: where to go back afterwards (`?retour=`), every provider alike.
#[derive(Deserialize)]
pub struct StartQuery {
    pub retour: Option<String>,
}

/// `GET /connexion/franceconnect`: to the provider, with a fresh state bound to this browser.
pub async fn start(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    Query(query): Query<StartQuery>,
) -> Result<Response, PageError> {
    let return_to = safe_return_path(query.retour.as_deref());
    to_provider(&ground, &oidc, &page, FLOW, &return_to, "/connexion").await
}

/// Starts `flow` and sends the browser to the provider with its binding cookie (citizens and
/// operators alike).
pub async fn to_provider(
    ground: &Ground,
    oidc: &Oidc,
    page: &Page,
    flow: Flow<'_>,
    return_to: &str,
    try_again: &str,
) -> Result<Response, PageError> {
    let started = match flow::begin(oidc, &ground.db, &page.tenant, &page.origin.base_url(), flow, return_to).await {
        Ok(started) => started,
        Err(failure) => return failed(page, failure, try_again),
    };
    let mut response = see_other(&started.url)?;
    response.headers_mut().append(
        SET_COOKIE,
        cookie(BINDING_COOKIE, &started.binding, STATE_MINUTES * 60, page.origin.https),
    );
    Ok(response)
}

/// Checks the provider's answer to `flow` (state bound to this browser's cookie, code, tokens):
/// the identity and where to go back, or the refusal page, with `try_again` as its way back
/// (citizens and operators alike).
pub async fn from_provider(
    ground: &Ground,
    oidc: &Oidc,
    page: &Page,
    headers: &HeaderMap,
    flow: Flow<'_>,
    query: &CallbackQuery,
    try_again: &str,
) -> Result<Result<Finished, Response>, PageError> {
    let binding = read_cookie(headers, BINDING_COOKIE);
    let base_url = page.origin.base_url();
    match flow::finish(
        oidc,
        &ground.db,
        &page.tenant,
        &base_url,
        flow,
        query,
        binding.as_deref(),
    )
    .await
    {
        Ok(finished) => Ok(Ok(finished)),
        Err(failure) => failed(page, failure, try_again).map(Err),
    }
}

/// `GET /connexion/franceconnect/retour`: checks everything, then links and signs in.
pub async fn callback(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    let finished = match from_provider(&ground, &oidc, &page, &headers, FLOW, &query, "/connexion").await? {
        Ok(finished) => finished,
        Err(refusal) => return Ok(refusal),
    };
    sign_in_citizen(&ground, &page, OidcKind::FranceConnect, finished).await
}

/// Signs a citizen in with a checked identity (FranceConnect, ProConnect for agents, or the
/// space's own provider): the
/// account its `sub` names here, or the one with its e-mail address (created if none), linked
/// to it. What the provider says is refreshed at each sign-in. A new account goes to "Mon
/// compte" to choose its pseudonym.
pub async fn sign_in_citizen(
    ground: &Ground,
    page: &Page,
    kind: OidcKind,
    finished: Finished,
) -> Result<Response, PageError> {
    let identity = finished.identity;
    let mut tx = ground.db.begin(&page.tenant).await?;
    let (account_id, new_account) = match linked_account(&mut tx, kind, &identity.subject).await? {
        Some(account) => (account, false),
        None => {
            let Some(email) = identity.email.as_deref().filter(|e| e.contains('@') && e.len() <= 320) else {
                return refusal_page(page, "oidc.no_email", StatusCode::BAD_REQUEST, "/connexion");
            };
            // A space's own provider is not the State: its word on an address counts only when
            // it says it verified it.
            if kind == OidcKind::Space && !identity.email_verified {
                return refusal_page(page, "oidc.email_not_verified", StatusCode::FORBIDDEN, "/connexion");
            }
            account_for_email(&mut tx, email).await?
        }
    };
    link_identity(&mut tx, kind, &identity, account_id).await?;
    let session = open_oidc_session(&mut tx, account_id, kind, &identity.id_token).await?;
    tx.commit().await?;
    let next = if new_account {
        "/compte?bienvenue=1".to_owned()
    } else {
        safe_return_path(Some(&finished.return_to))
    };
    let mut response = see_other(&next)?;
    let headers = response.headers_mut();
    headers.append(
        SET_COOKIE,
        cookie(SESSION_COOKIE, &session, SESSION_DAYS * 86_400, page.origin.https),
    );
    headers.append(SET_COOKIE, cookie(BINDING_COOKIE, "", 0, page.origin.https));
    Ok(response)
}

/// A sign-in that did not happen: said plainly, nothing signed in; `try_again` is the sign-in
/// page to go back to.
pub fn failed(page: &Page, failure: Failure, try_again: &str) -> Result<Response, PageError> {
    match failure {
        Failure::NotOffered => return Err(PageError::NotFound),
        Failure::Db(error) => return Err(error.into()),
        Failure::Refused(ref refusal) => tracing::warn!(%refusal, "OpenID sign-in refused"),
        _ => {}
    }
    let status = StatusCode::from_u16(failure.status()).unwrap_or(StatusCode::BAD_REQUEST);
    refusal_page(page, failure.message_key(), status, try_again)
}

/// The refusal page: what happened, that nothing was kept, and the way back.
pub fn refusal_page(page: &Page, key: &str, status: StatusCode, try_again: &str) -> Result<Response, PageError> {
    let mut response = message(
        page,
        "oidc.refused_title",
        &[key, "oidc.nothing_kept"],
        Some(("oidc.try_again", try_again.to_owned())),
    )?;
    *response.status_mut() = status;
    Ok(response)
}
