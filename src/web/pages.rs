//! Page plumbing shared by every area: error pages, the language switch, the 404 fallback.

use axum::extract::{Path, Query, Request};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::i18n::{LANG_COOKIE, Lang};
use super::templates::{PageFrame, render};
use crate::error::{ApiError, ErrorPage, PageError};
use crate::tenancy::Tenant;
use crate::tenancy::host::RequestOrigin;

/// Renders an error page for a request that has not reached a handler.
pub fn render_error_page(request: &Request, tenant: Option<&Tenant>, page: ErrorPage) -> Response {
    let lang = Lang::from_headers(request.headers());
    error_page_response(lang, tenant, request.uri().path(), page)
}

/// The full error page: branded when the space is known, neutral otherwise.
pub fn error_page_response(lang: Lang, tenant: Option<&Tenant>, path: &str, page: ErrorPage) -> Response {
    #[derive(serde::Serialize)]
    struct ErrorContext {
        title: String,
        body: String,
        status: u16,
        show_home_link: bool,
    }
    let frame = PageFrame::new(lang, tenant, path);
    let context = ErrorContext {
        title: lang.text(&format!("error.{}.title", page.key())),
        body: match page {
            ErrorPage::TooLarge { max } if max > 0 => lang
                .text("error.too_large.body")
                .replace("{max}", &super::limits::human(max)),
            _ => lang.text(&format!("error.{}.body", page.key())),
        },
        status: page.status().as_u16(),
        // An unknown host has no home page to go back to.
        show_home_link: tenant.is_some() && page != ErrorPage::SpaceSuspended,
    };
    let mut response = match render("error.html", &frame, context) {
        Ok(html) => (page.status(), Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot render the error page");
            (page.status(), "Erreur / Error").into_response()
        }
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if page == ErrorPage::Unavailable {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(crate::error::RETRY_AFTER_SECONDS),
        );
    }
    response
}

/// Fallback for unknown paths: a page or a problem document, depending on the path.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::UnknownRoute.into_response()
    } else {
        PageError::NotFound.into_response()
    }
}

#[derive(Deserialize)]
pub struct SwitchQuery {
    retour: Option<String>,
}

/// `GET /langue/{code}?retour=/path`: remembers the language in a cookie and goes back.
/// Works without JavaScript; `retour` must be a local path (no open redirect).
pub async fn switch_language(
    Path(code): Path<String>,
    Query(query): Query<SwitchQuery>,
    axum::extract::State(state): axum::extract::State<super::Ground>,
    request: Request,
) -> Result<Response, PageError> {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let origin = RequestOrigin::from_parts(request.headers(), request.uri(), peer, &state.trusted_proxies);
    let lang = Lang::parse(&code)
        .filter(|l| l.code() == code)
        .ok_or(PageError::NotFound)?;
    let back = query
        .retour
        .filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\'))
        .unwrap_or_else(|| "/".into());
    let secure = origin.https;
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{}",
        lang.code(),
        if secure { "; Secure" } else { "" }
    );
    let mut response = Redirect::to(&back).into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(anyhow::Error::from)?,
    );
    Ok(response)
}

/// A file to download: `body` with its content type, saved as `filename` (ASCII: slugs and
/// fixed words).
pub fn attachment(body: impl IntoResponse, content_type: &'static str, filename: &str) -> Result<Response, PageError> {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")).map_err(anyhow::Error::from)?,
    );
    Ok(response)
}

/// A 303 redirect to a local path (after a form POST, or to sign in first).
pub fn see_other(location: &str) -> Result<Response, PageError> {
    let mut response = StatusCode::SEE_OTHER.into_response();
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(location).map_err(anyhow::Error::from)?,
    );
    Ok(response)
}

/// Sends a visitor who must be signed in to the sign-in page, coming back to `path` afterwards.
pub fn sign_in_first(path: &str) -> Result<Response, PageError> {
    let encoded = serde_urlencoded::to_string([("", path)]).unwrap_or_default();
    see_other(&format!("/connexion?retour={}", encoded.trim_start_matches('=')))
}
