//! Console sign-in with ProConnect, for operators whose ProConnect e-mail address is an
//! operator's: without password, and without the TOTP step when ProConnect reports a second
//! factor (`amr` with `mfa`). Otherwise the TOTP step still applies, as after a password.
//!
//! `GET /admin/connexion/proconnect` starts, `GET /admin/connexion/proconnect/retour` is the
//! callback on the space's own host; the checks are the citizens' (see
//! [`crate::accounts::franceconnect`]).

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::Response;
use serde::Deserialize;

use super::super::queries::{SESSION_HOURS, credentials, open_session, operator};
use super::{console_cookie, console_return};
use crate::accounts::franceconnect::{refused, state_refused};
use crate::accounts::pages::message;
use crate::error::PageError;
use crate::oidc::logins::{BINDING_COOKIE, Purpose, StateProblem, remember, take};
use crate::oidc::{Oidc, OidcKind, STATE_MINUTES};
use crate::web::Ground;
use crate::web::console::{Action, allowed};
use crate::web::csrf::{cookie, read_cookie};
use crate::web::page::Page;
use crate::web::pages::see_other;

/// The scopes asked: the address (to find the operator) and the organisation.
pub const SCOPES: &[&str] = &["openid", "email", "siret"];
pub const CALLBACK: &str = "/admin/connexion/proconnect/retour";

#[derive(Deserialize)]
pub struct StartQuery {
    retour: Option<String>,
}

/// `GET /admin/connexion/proconnect`.
pub async fn start(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    Query(query): Query<StartQuery>,
) -> Result<Response, PageError> {
    let Some(provider) = oidc.provider(OidcKind::ProConnect, &page.tenant.slug) else {
        return Err(PageError::NotFound);
    };
    let return_to = console_return(query.retour.as_deref());
    let redirect_uri = format!("{}{CALLBACK}", page.origin.base_url());
    let begun = match oidc.begin(provider, &redirect_uri, SCOPES, None).await {
        Ok(begun) => begun,
        Err(refusal) => return refused(&page, &refusal),
    };
    let mut tx = ground.db.begin(&page.tenant).await?;
    let binding = remember(&mut tx, &begun, OidcKind::ProConnect, Purpose::Operator, &return_to).await?;
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

/// `GET /admin/connexion/proconnect/retour`.
pub async fn callback(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    let Some(provider) = oidc.provider(OidcKind::ProConnect, &page.tenant.slug) else {
        return Err(PageError::NotFound);
    };
    let binding = read_cookie(&headers, BINDING_COOKIE);
    let mut tx = ground.db.begin(&page.tenant).await?;
    let taken = take(&mut tx, query.state.as_deref(), binding.as_deref(), Purpose::Operator).await?;
    tx.commit().await?;
    let pending = match taken {
        Ok(pending) if pending.provider == OidcKind::ProConnect => pending,
        Ok(_) => return state_refused(&page, &StateProblem::Unknown),
        Err(problem) => return state_refused(&page, &problem),
    };
    let code = match (query.error.as_deref(), query.code.as_deref()) {
        (None, Some(code)) if !code.is_empty() && code.len() <= 2000 => code,
        _ => return not_confirmed(&page, "oidc.provider_error", StatusCode::BAD_GATEWAY),
    };
    let redirect_uri = format!("{}{CALLBACK}", page.origin.base_url());
    let identity = match oidc
        .finish(
            provider,
            &redirect_uri,
            code,
            &pending.nonce,
            &pending.pkce_verifier,
            None,
        )
        .await
    {
        Ok(identity) => identity,
        Err(refusal) => return refused(&page, &refusal),
    };
    let email = identity.email.clone().unwrap_or_default();
    let mut tx = ground.db.begin(&page.tenant).await?;
    let creds = credentials(&mut tx, &email).await?;
    let Some(creds) = creds.filter(|c| !c.disabled && !c.locked) else {
        return not_confirmed(&page, "oidc.not_an_operator", StatusCode::FORBIDDEN);
    };
    let who = operator(&mut tx, creds.id).await?.ok_or(PageError::NotAllowed)?;
    if !allowed(&who, &page.tenant, Action::View) {
        return Err(PageError::NotAllowed);
    }
    // ProConnect's second factor stands for the TOTP code; without it, the code is asked.
    let verified = identity.multi_factor() || !creds.has_totp;
    let token = open_session(&mut tx, creds.id, verified).await?;
    crate::audit::record(
        &mut tx,
        &who,
        crate::audit::AuditAction::CONSOLE_SIGN_IN,
        "",
        serde_json::json!({ "provider": "proconnect", "multi_factor": identity.multi_factor(), "second_factor": !verified }),
    )
    .await?;
    tx.commit().await?;
    let next = if verified {
        pending.return_to
    } else {
        format!(
            "/admin/connexion/code?{}",
            serde_urlencoded::to_string([("retour", pending.return_to.as_str())]).unwrap_or_default()
        )
    };
    let mut response = see_other(&next)?;
    let headers = response.headers_mut();
    headers.append(
        SET_COOKIE,
        console_cookie(&token, SESSION_HOURS * 3600, page.origin.https),
    );
    headers.append(SET_COOKIE, cookie(BINDING_COOKIE, "", 0, page.origin.https));
    Ok(response)
}

fn not_confirmed(page: &Page, key: &str, status: StatusCode) -> Result<Response, PageError> {
    let mut response = message(
        page,
        "oidc.refused_title",
        &[key, "oidc.nothing_kept"],
        Some(("oidc.try_again", "/admin/connexion".into())),
    )?;
    *response.status_mut() = status;
    Ok(response)
}
