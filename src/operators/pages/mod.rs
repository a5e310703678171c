//! Console sign-in (password, then TOTP code if set), sign-out, invitation acceptance and the
//! second-factor settings. All plain forms with CSRF tokens; no JavaScript needed.

use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::invitations::{self, NotAccepted};
use super::queries::{
    Check, SESSION_HOURS, check_password, check_totp, close_session, credentials, disable_totp, enable_totp,
    find_session, has_totp, open_session, operator, verify_session,
};
use super::{password, totp};
use crate::accounts::pages::{message, safe_return_path};
use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::render_console;
use crate::web::console::{Action, allowed};
use crate::web::console::{CONSOLE_COOKIE, SignedInOperator};
use crate::web::csrf::{CsrfForm, read_cookie};
use crate::web::page::Page;
use crate::web::pages::see_other;

mod invitation;
pub mod own_provider;
pub mod proconnect;
mod security;

pub use invitation::*;
pub use security::*;

/// The console cookie: HttpOnly, SameSite=Strict (the console is never entered from another
/// site), Secure behind HTTPS.
pub(super) fn console_cookie(value: &str, max_age: i64, https: bool) -> HeaderValue {
    let secure = if https { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{CONSOLE_COOKIE}={value}; Path=/admin; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    ))
    .expect("cookie values are base64url")
}

#[derive(Deserialize)]
pub struct ReturnQuery {
    pub(super) retour: Option<String>,
}

#[derive(Serialize)]
pub(super) struct SignInView<'a> {
    pub(super) step: &'a str,
    pub(super) email: &'a str,
    pub(super) return_to: &'a str,
    pub(super) error: Option<String>,
    /// Whether the space offers ProConnect.
    pub(super) proconnect: bool,
    /// The name of the space's own provider, when operators may use it.
    pub(super) space_provider: Option<String>,
}

pub(super) fn console_return(candidate: Option<&str>) -> String {
    let path = safe_return_path(candidate);
    if path.starts_with("/admin") {
        path
    } else {
        "/admin".into()
    }
}

/// `GET /admin/connexion`.
pub async fn sign_in_form(
    State(ground): State<Ground>,
    State(oidc): State<crate::oidc::Oidc>,
    page: Page,
    Query(query): Query<ReturnQuery>,
) -> Result<Response, PageError> {
    let return_to = console_return(query.retour.as_deref());
    let space_provider = crate::accounts::own_provider::button(&ground, &oidc, &page, true).await?;
    let view = SignInView {
        space_provider,
        step: "password",
        email: "",
        return_to: &return_to,
        error: None,
        proconnect: oidc
            .provider(crate::oidc::OidcKind::ProConnect, &page.tenant.slug)
            .is_some(),
    };
    Ok(page.render("console_signin.html", view)?.into_response())
}

#[derive(Deserialize)]
pub struct SignInForm {
    pub(super) email: String,
    pub(super) password: String,
    pub(super) retour: Option<String>,
}

/// `POST /admin/connexion`: one answer for every failure (unknown address, wrong password,
/// locked account), so the form tells nobody which addresses operate.
pub async fn sign_in(
    State(state): State<Ground>,
    page: Page,
    CsrfForm(form): CsrfForm<SignInForm>,
) -> Result<Response, PageError> {
    let email = form.email.trim().to_lowercase();
    let return_to = console_return(form.retour.as_deref());
    let refuse = |status: StatusCode| -> Result<Response, PageError> {
        let view = SignInView {
            step: "password",
            email: &email,
            return_to: &return_to,
            error: Some(page.text("console.sign_in_failed")),
            proconnect: false,
            space_provider: None,
        };
        let mut response = page.render("console_signin.html", view)?.into_response();
        *response.status_mut() = status;
        Ok(response)
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let found = credentials(&mut tx, &email).await?;
    let candidate = form.password;
    let Some(creds) = found.filter(|c| !c.disabled && c.password_setup.is_some()) else {
        tokio::task::spawn_blocking(move || password::burn_time(&candidate))
            .await
            .ok();
        return refuse(StatusCode::UNAUTHORIZED);
    };
    if creds.locked {
        tokio::task::spawn_blocking(move || password::burn_time(&candidate))
            .await
            .ok();
        return refuse(StatusCode::UNAUTHORIZED);
    }
    let setup = creds.password_setup.clone().unwrap_or_default();
    let hashed = tokio::task::spawn_blocking(move || password::hash_with_setup(&candidate, &setup))
        .await
        .map_err(anyhow::Error::from)?;
    // The database compares and counts the failure or the success.
    if check_password(&mut tx, creds.id, hashed.as_deref()).await? != Check::Ok {
        tx.commit().await?;
        return refuse(StatusCode::UNAUTHORIZED);
    }
    // An operator of neither this space nor the platform is not seen here.
    let who = operator(&mut tx, creds.id).await?.ok_or(PageError::NotAllowed)?;
    if !allowed(&who, &page.tenant, Action::View) {
        tx.commit().await?;
        return Err(PageError::NotAllowed);
    }
    let verified = !creds.has_totp;
    let token = open_session(&mut tx, creds.id, verified).await?;
    crate::audit::record(
        &mut tx,
        &who,
        crate::audit::AuditAction::CONSOLE_SIGN_IN,
        "",
        serde_json::json!({ "second_factor": !verified }),
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
    let mut response = see_other(&next)?;
    response.headers_mut().append(
        SET_COOKIE,
        console_cookie(&token, SESSION_HOURS * 3600, page.origin.https),
    );
    Ok(response)
}

/// `GET /admin/connexion/code`.
pub async fn code_form(page: Page, Query(query): Query<ReturnQuery>) -> Result<Response, PageError> {
    let return_to = console_return(query.retour.as_deref());
    let view = SignInView {
        step: "code",
        email: "",
        return_to: &return_to,
        error: None,
        proconnect: false,
        space_provider: None,
    };
    Ok(page.render("console_signin.html", view)?.into_response())
}

#[derive(Deserialize)]
pub struct CodeForm {
    pub(super) code: String,
    pub(super) retour: Option<String>,
}

/// `POST /admin/connexion/code`: the TOTP code completes the session. Wrong codes count toward
/// the lock like wrong passwords; a lock also ends the waiting session.
pub async fn check_code(
    State(state): State<Ground>,
    page: Page,
    headers: axum::http::HeaderMap,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, PageError> {
    let return_to = console_return(form.retour.as_deref());
    let Some(token) = read_cookie(&headers, CONSOLE_COOKIE) else {
        return see_other("/admin/connexion");
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let Some((who, _)) = find_session(&mut tx, &token).await? else {
        return see_other("/admin/connexion");
    };
    // Checked in the database, where the secret stays; a code is good once (RFC 6238 §5.2).
    let outcome = check_totp(&mut tx, who.id, &form.code).await?;
    let valid = outcome == Check::Ok;
    if !valid {
        // A lock also ends the waiting session.
        if outcome == Check::Locked {
            close_session(&mut tx, &token).await?;
        }
        tx.commit().await?;
        let view = SignInView {
            step: "code",
            email: "",
            return_to: &return_to,
            error: Some(page.text("console.code_failed")),
            proconnect: false,
            space_provider: None,
        };
        let mut response = page.render("console_signin.html", view)?.into_response();
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        return Ok(response);
    }
    verify_session(&mut tx, &token).await?;
    tx.commit().await?;
    see_other(&return_to)
}

/// `POST /admin/deconnexion`.
pub async fn sign_out(
    State(state): State<Ground>,
    page: Page,
    headers: axum::http::HeaderMap,
    CsrfForm(_): CsrfForm<crate::accounts::pages::Empty>,
) -> Result<Response, PageError> {
    if let Some(token) = read_cookie(&headers, CONSOLE_COOKIE) {
        let mut tx = state.db.begin(&page.tenant).await?;
        close_session(&mut tx, &token).await?;
        tx.commit().await?;
    }
    let mut response = see_other("/admin/connexion")?;
    response
        .headers_mut()
        .append(SET_COOKIE, console_cookie("", 0, page.origin.https));
    Ok(response)
}

#[derive(Deserialize)]
pub struct HandoffQuery {
    pub(super) jeton: String,
}

/// `GET /admin/relais?jeton=…`: a national admin arriving from the national console. The
/// ticket is used once, within a minute, on the host it was made for; the answer is a page that
/// goes on to `/admin` (at once, or by its link).
pub async fn handoff(
    State(state): State<Ground>,
    page: Page,
    Query(query): Query<HandoffQuery>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let Some(id) = crate::operators::queries::use_handoff(&mut tx, &query.jeton).await? else {
        tx.commit().await?;
        return see_other("/admin/connexion");
    };
    let who = operator(&mut tx, id).await?.ok_or(PageError::NotFound)?;
    if !allowed(&who, &page.tenant, Action::View) {
        tx.commit().await?;
        return Err(PageError::NotAllowed);
    }
    let token = open_session(&mut tx, id, true).await?;
    tx.commit().await?;
    continue_to(&page, "/admin", &token)
}

/// A page of this host that goes on to `next` in the console (at once by a meta refresh, or by
/// its link), setting the console cookie: rather than a redirect, because the console cookie is
/// `SameSite=Strict`, and a browser withholds it from every hop of a navigation that another
/// site started (the national console's link, ProConnect's callback), so a redirect would land
/// on the sign-in page. A navigation this page starts is same-site.
pub(super) fn continue_to(page: &Page, next: &str, token: &str) -> Result<Response, PageError> {
    #[derive(serde::Serialize)]
    struct View<'a> {
        title: String,
        paragraphs: Vec<String>,
        link: serde_json::Value,
        refresh: &'a str,
    }
    let view = View {
        title: page.text("console.handoff_title"),
        paragraphs: Vec::new(),
        link: serde_json::json!({"href": next, "label": page.text("console.handoff_continue")}),
        refresh: next,
    };
    let mut response = page.render("message.html", view)?.into_response();
    response.headers_mut().append(
        SET_COOKIE,
        console_cookie(token, SESSION_HOURS * 3600, page.origin.https),
    );
    Ok(response)
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
    crate::oidc::Oidc: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::{get, post};
    Router::new()
        .route("/admin/connexion", get(sign_in_form).post(sign_in))
        .route("/admin/connexion/code", get(code_form).post(check_code))
        .route("/admin/connexion/proconnect", get(proconnect::start))
        .route(proconnect::CALLBACK, get(proconnect::callback))
        .route(own_provider::START, get(own_provider::start))
        .route(own_provider::CALLBACK, get(own_provider::callback))
        .route("/admin/deconnexion", post(sign_out))
        .route(
            "/admin/invitation/{token}",
            get(invitation_form).post(accept_invitation),
        )
        .route("/admin/securite", get(security).post(change_security))
        .route("/admin/relais", get(handoff))
}
