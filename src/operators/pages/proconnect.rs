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

use super::super::queries::{credentials, open_session, operator};
use super::{console_return, continue_to};
use crate::accounts::franceconnect::{StartQuery, from_provider, refusal_page, to_provider};
use crate::error::PageError;
use crate::oidc::flow::{CallbackQuery, Finished, Flow};
use crate::oidc::logins::{BINDING_COOKIE, Purpose};
use crate::oidc::{Oidc, OidcKind};
use crate::web::Ground;
use crate::web::console::{Action, allowed};
use crate::web::csrf::cookie;
use crate::web::page::Page;

/// The scopes asked: the address (to find the operator) and the organisation.
pub const SCOPES: &[&str] = &["openid", "email", "siret"];
pub const CALLBACK: &str = "/admin/connexion/proconnect/retour";
const SIGN_IN: &str = "/admin/connexion";

/// The operators' ProConnect sign-in.
pub const FLOW: Flow<'static> = Flow {
    kind: OidcKind::ProConnect,
    purpose: Purpose::Operator,
    callback: CALLBACK,
    scopes: SCOPES,
    acr: None,
};

/// `GET /admin/connexion/proconnect`.
pub async fn start(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    Query(query): Query<StartQuery>,
) -> Result<Response, PageError> {
    let return_to = console_return(query.retour.as_deref());
    to_provider(&ground, &oidc, &page, FLOW, &return_to, SIGN_IN).await
}

/// `GET /admin/connexion/proconnect/retour`.
pub async fn callback(
    State(ground): State<Ground>,
    State(oidc): State<Oidc>,
    page: Page,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    match from_provider(&ground, &oidc, &page, &headers, FLOW, &query, SIGN_IN).await? {
        Ok(finished) => sign_in_operator(&ground, &page, OidcKind::ProConnect, finished).await,
        Err(refusal) => Ok(refusal),
    }
}

/// Opens a console session for the operator whose address a provider checked (ProConnect, or
/// the space's own provider): without the TOTP step when the provider reports a second factor.
pub async fn sign_in_operator(
    ground: &Ground,
    page: &Page,
    kind: OidcKind,
    finished: Finished,
) -> Result<Response, PageError> {
    let not_an_operator = match kind {
        OidcKind::Space => "oidc.space_not_an_operator",
        _ => "oidc.not_an_operator",
    };
    let (identity, return_to) = (finished.identity, finished.return_to);
    let email = identity.email.clone().unwrap_or_default();
    let mut tx = ground.db.begin(&page.tenant).await?;
    let creds = credentials(&mut tx, &email).await?;
    let Some(creds) = creds.filter(|c| !c.disabled && !c.locked && !email.is_empty()) else {
        return refusal_page(page, not_an_operator, StatusCode::FORBIDDEN, SIGN_IN);
    };
    // A space's own provider is not ProConnect: its word on an address counts only when it
    // says it verified it.
    if kind == OidcKind::Space && !identity.email_verified {
        return refusal_page(page, "oidc.email_not_verified", StatusCode::FORBIDDEN, SIGN_IN);
    }
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
        serde_json::json!({ "provider": kind.key(), "multi_factor": identity.multi_factor(), "second_factor": !verified }),
    )
    .await?;
    tx.commit().await?;
    let next = if verified {
        return_to
    } else {
        format!(
            "/admin/connexion/code?{}",
            serde_urlencoded::to_string([("retour", return_to.as_str())]).unwrap_or_default()
        )
    };
    // Not a redirect: ProConnect started this navigation, and the console cookie is
    // `SameSite=Strict` (see `continue_to`).
    let mut response = continue_to(page, &next, &token)?;
    response
        .headers_mut()
        .append(SET_COOKIE, cookie(BINDING_COOKIE, "", 0, page.origin.https));
    Ok(response)
}
