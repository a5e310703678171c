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
use crate::oidc::logins::{BINDING_COOKIE, Purpose, StateProblem, remember, take};
use crate::oidc::{Oidc, OidcKind, Refusal, STATE_MINUTES};
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

#[derive(Deserialize)]
pub struct StartQuery {
    retour: Option<String>,
}

/// `GET /connexion/franceconnect`: to the provider, with a fresh state bound to this browser.
pub async fn start(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    Query(query): Query<StartQuery>,
) -> Result<Response, PageError> {
    let Some(provider) = oidc.provider(OidcKind::FranceConnect, &page.tenant.slug) else {
        return Err(PageError::NotFound);
    };
    let return_to = safe_return_path(query.retour.as_deref());
    let redirect_uri = format!("{}{CALLBACK}", page.origin.base_url());
    let begun = match oidc.begin(provider, &redirect_uri, SCOPES, Some(ACR)).await {
        Ok(begun) => begun,
        Err(refusal) => return refused(&page, &refusal),
    };
    let mut tx = ground.db.begin(&page.tenant).await?;
    let binding = remember(&mut tx, &begun, OidcKind::FranceConnect, Purpose::Citizen, &return_to).await?;
    tx.commit().await?;
    let mut response = see_other(&begun.url)?;
    response.headers_mut().append(
        SET_COOKIE,
        cookie(BINDING_COOKIE, &binding, STATE_MINUTES * 60, page.origin.https),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /connexion/franceconnect/retour`: checks everything, then links and signs in.
pub async fn callback(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    let Some(provider) = oidc.provider(OidcKind::FranceConnect, &page.tenant.slug) else {
        return Err(PageError::NotFound);
    };
    let binding = read_cookie(&headers, BINDING_COOKIE);
    // The state is spent first, in its own transaction, whatever follows.
    let mut tx = ground.db.begin(&page.tenant).await?;
    let taken = take(&mut tx, query.state.as_deref(), binding.as_deref(), Purpose::Citizen).await?;
    tx.commit().await?;
    let pending = match taken {
        Ok(pending) if pending.provider == OidcKind::FranceConnect => pending,
        Ok(_) => return state_refused(&page, &StateProblem::Unknown),
        Err(problem) => return state_refused(&page, &problem),
    };
    if query.error.is_some() {
        return refusal_page(&page, "oidc.provider_error", StatusCode::BAD_GATEWAY);
    }
    let Some(code) = query.code.as_deref().filter(|c| !c.is_empty() && c.len() <= 2000) else {
        return refusal_page(&page, "oidc.provider_error", StatusCode::BAD_REQUEST);
    };
    let redirect_uri = format!("{}{CALLBACK}", page.origin.base_url());
    let identity = match oidc
        .finish(
            provider,
            &redirect_uri,
            code,
            &pending.nonce,
            &pending.pkce_verifier,
            Some(ACR),
        )
        .await
    {
        Ok(identity) => identity,
        Err(refusal) => return refused(&page, &refusal),
    };
    let mut tx = ground.db.begin(&page.tenant).await?;
    let (account_id, new_account) = match linked_account(&mut tx, OidcKind::FranceConnect, &identity.subject).await? {
        Some(account) => (account, false),
        None => {
            let Some(email) = identity.email.as_deref().filter(|e| e.contains('@') && e.len() <= 320) else {
                return refusal_page(&page, "oidc.no_email", StatusCode::BAD_REQUEST);
            };
            let (account, created) = account_for_email(&mut tx, email).await?;
            link_identity(&mut tx, OidcKind::FranceConnect, &identity, account).await?;
            (account, created)
        }
    };
    let session = open_oidc_session(&mut tx, account_id, OidcKind::FranceConnect, &identity.id_token).await?;
    tx.commit().await?;
    let next = if new_account {
        "/compte?bienvenue=1".to_owned()
    } else {
        safe_return_path(Some(&pending.return_to))
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

/// A refused `state`: said plainly, nothing signed in.
pub fn state_refused(page: &Page, problem: &StateProblem) -> Result<Response, PageError> {
    let key = match problem {
        StateProblem::Missing => "oidc.state_missing",
        StateProblem::Unknown => "oidc.state_unknown",
        StateProblem::OtherBrowser => "oidc.state_other_browser",
        StateProblem::Used => "oidc.state_used",
        StateProblem::Expired => "oidc.state_expired",
    };
    refusal_page(page, key, StatusCode::BAD_REQUEST)
}

/// A provider's answer that does not hold.
pub fn refused(page: &Page, refusal: &Refusal) -> Result<Response, PageError> {
    tracing::warn!(%refusal, "OpenID sign-in refused");
    let (key, status) = match refusal {
        Refusal::Unreachable(_) => ("oidc.unreachable", StatusCode::BAD_GATEWAY),
        Refusal::CodeRefused(_) => ("oidc.code_refused", StatusCode::BAD_REQUEST),
        Refusal::InvalidIdToken(_) => ("oidc.invalid_token", StatusCode::BAD_REQUEST),
        Refusal::WrongLevel(_) => ("oidc.wrong_level", StatusCode::FORBIDDEN),
        Refusal::InvalidUserInfo(_) => ("oidc.invalid_userinfo", StatusCode::BAD_REQUEST),
    };
    refusal_page(page, key, status)
}

fn refusal_page(page: &Page, key: &str, status: StatusCode) -> Result<Response, PageError> {
    let mut response = message(
        page,
        "oidc.refused_title",
        &[key, "oidc.nothing_kept"],
        Some(("oidc.try_again", "/connexion".into())),
    )?;
    *response.status_mut() = status;
    Ok(response)
}
