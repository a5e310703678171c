//! Layer: every refusal in the format its client reads.
//!
//! axum's own refusals (a path parameter that does not parse, a 405, a body above its limit, a
//! rejected extractor) answer `text/plain`. Under `/api` this layer turns any error response
//! that is not yet a problem document into one (RFC 9457, `application/problem+json`); on
//! pages it marks it with the [`ErrorPage`] that the tenant layer dresses in the space's
//! branding. A 413 names the route's limit, from the one table in [`super::limits`].
//!
//! It also checks the path and query string with [`super::text`] before any handler runs, so a
//! `%00` in a slug or in a search never reaches PostgreSQL.
//!
//! Cost on the success path: a prefix test, a lookup in a table of a few routes, a scan of the
//! URI for `%` (decoded only when present) and one status comparison; no allocation.

use std::borrow::Cow;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use axum::body::{Body, HttpBody};
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::hook::Hook;
use super::{limits, text};
use crate::error::{ApiError, ErrorPage, FieldProblem, PageError};

#[derive(Clone)]
pub struct Refusals;

/// What the response side needs to know about the request.
#[derive(Clone, Copy)]
pub struct Seen {
    api: bool,
    /// The route's body limit.
    limit: usize,
}

impl Hook for Refusals {
    type Carry = Seen;

    fn before(&self, request: &mut Request) -> Result<Seen, Box<Response>> {
        let path = request.uri().path();
        let api = path == "/api" || path.starts_with("/api/");
        let matched = request.extensions().get::<MatchedPath>();
        let limit = matched.map_or(limits::DEFAULT, |m| limits::for_route(m.as_str()));
        if let Some(refusal) = refused_head(request, api) {
            return Err(Box::new(refusal));
        }
        if let Some(field) = refused_in_uri(request.uri(), matched.map(MatchedPath::as_str)) {
            let refusal = if api {
                ApiError::Invalid(vec![FieldProblem {
                    field,
                    message: text::TextError::Control.message().into(),
                }])
                .into_response()
            } else {
                PageError::InvalidText(field).into_response()
            };
            return Err(Box::new(refusal));
        }
        Ok(Seen { api, limit })
    }

    fn after(seen: Seen, response: &mut Response) {
        let status = response.status();
        if status.as_u16() < 400 {
            return;
        }
        if seen.api {
            if !has_content_type(response, "application/problem+json") {
                let problem = api_problem(status, seen.limit, response);
                replace_keeping_headers(response, problem.into_response());
            }
        } else if status == StatusCode::PAYLOAD_TOO_LARGE {
            if !has_content_type(response, "text/html") {
                response
                    .extensions_mut()
                    .insert(ErrorPage::TooLarge { max: seen.limit });
            }
        } else if response.extensions().get::<ErrorPage>().is_none()
            && (has_content_type(response, "text/plain") || response.headers().get(header::CONTENT_TYPE).is_none())
        {
            let page = match status {
                StatusCode::NOT_FOUND => ErrorPage::NotFound,
                StatusCode::METHOD_NOT_ALLOWED => ErrorPage::MethodNotAllowed,
                StatusCode::UNPROCESSABLE_ENTITY => ErrorPage::InvalidText,
                s if s.is_server_error() => ErrorPage::Internal,
                _ => ErrorPage::BadRequest,
            };
            response.extensions_mut().insert(page);
        }
    }
}

fn has_content_type(response: &Response, essence: &str) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case(essence))
}

/// The problem document for an error response that is not one.
fn api_problem(status: StatusCode, limit: usize, response: &mut Response) -> ApiError {
    let mut detail = || {
        let said = body_text(response.body_mut());
        if said.trim().is_empty() {
            status.canonical_reason().unwrap_or("Refused").to_owned()
        } else {
            said
        }
    };
    match status {
        StatusCode::NOT_FOUND => ApiError::UnknownRoute,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge { max: limit },
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(detail()),
        StatusCode::BAD_REQUEST => ApiError::BadRequest(detail()),
        status => ApiError::Refused {
            status,
            detail: detail(),
        },
    }
}

/// The text of a body already in memory (axum's refusals are), or nothing.
fn body_text(body: &mut Body) -> String {
    let mut cx = Context::from_waker(Waker::noop());
    match Pin::new(body).poll_frame(&mut cx) {
        Poll::Ready(Some(Ok(frame))) => frame
            .into_data()
            .map(|data| String::from_utf8_lossy(&data).into_owned())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Replaces a response, keeping its headers (`Allow` of a 405, the request id...) but the
/// ones that describe the old body.
fn replace_keeping_headers(response: &mut Response, mut replacement: Response) {
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH && !replacement.headers().contains_key(name) {
            replacement.headers_mut().append(name, value.clone());
        }
    }
    replacement.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    *response = replacement;
}

/// A request target or a header section above the limits of [`limits`], answered in the
/// client's format. hyper refuses far larger ones itself, before any of our code runs, with an
/// empty body; these limits sit well below its own so that any request a real client sends
/// gets a readable answer.
fn refused_head(request: &Request, api: bool) -> Option<Response> {
    let target = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let headers = request.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    let (api_error, page) = if target > limits::URI {
        (ApiError::UriTooLong { max: limits::URI }, ErrorPage::UriTooLong)
    } else if headers.len() > limits::HEADER_COUNT || bytes > limits::HEADER_BYTES {
        let error = ApiError::HeadersTooLarge {
            count: limits::HEADER_COUNT,
            bytes: limits::HEADER_BYTES,
        };
        (error, ErrorPage::HeadersTooLarge)
    } else {
        return None;
    };
    Some(if api {
        api_error.into_response()
    } else {
        let mut response = page.status().into_response();
        response.extensions_mut().insert(page);
        response
    })
}

/// The name of the first path parameter or query field whose decoded text is refused.
fn refused_in_uri(uri: &axum::http::Uri, matched: Option<&str>) -> Option<String> {
    if !uri.path().contains('%') && !uri.query().is_some_and(|q| q.contains('%')) {
        return None;
    }
    let decoded = |part: &str| -> bool {
        let bytes: Cow<'_, [u8]> = percent_encoding::percent_decode_str(part).into();
        text::clean_bytes(&bytes).is_err()
    };
    let route: Vec<&str> = matched.unwrap_or("").split('/').collect();
    for (i, segment) in uri.path().split('/').enumerate() {
        if segment.contains('%') && decoded(segment) {
            let name = route
                .get(i)
                .and_then(|r| r.strip_prefix('{')?.strip_suffix('}'))
                .unwrap_or("path");
            return Some(name.to_owned());
        }
    }
    for pair in uri.query().unwrap_or("").split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if decoded(name) || decoded(value) {
            let name: Cow<'_, str> = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
            return Some(name.chars().filter(|c| text::allowed(*c)).collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_text_in_the_uri_names_its_parameter() {
        let uri = |s: &str| s.parse::<axum::http::Uri>().unwrap();
        let route = Some("/api/v1/campaigns/{slug}/ideas");
        assert_eq!(
            refused_in_uri(&uri("/api/v1/campaigns/a%00/ideas"), route),
            Some("slug".into())
        );
        assert_eq!(
            refused_in_uri(&uri("/api/v1/campaigns/a/ideas?page=1&q=x%00"), route),
            Some("q".into())
        );
        assert_eq!(
            refused_in_uri(&uri("/api/v1/campaigns/a/ideas?q=%ED%A0%80"), route),
            Some("q".into())
        );
        assert_eq!(
            refused_in_uri(&uri("/api/v1/campaigns/d%C3%A9j%C3%A0/ideas?q=%C3%A9t%C3%A9"), route),
            None
        );
        assert_eq!(refused_in_uri(&uri("/consultations/x?q=a%09b"), None), None);
    }
}
