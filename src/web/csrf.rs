//! CSRF protection for forms, and the visitor cookie it is bound to.
//!
//! Every visitor gets a random, HttpOnly `ecoute_visiteur` cookie (set by [`VisitorCookie`] on
//! the first request). A form's token is `HMAC(server key, tenant id | visitor id)`: a page on
//! another site can neither read the cookie nor compute the token, and the cookie is
//! `SameSite=Lax` besides. The JSON API is protected differently: it only accepts
//! `application/json` bodies, which a cross-site form cannot send without a CORS preflight.

use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::Ground;
use super::hook::Hook;
use crate::error::PageError;
use crate::tenancy::host::RequestOrigin;
use crate::tokens::new_visitor_id;

pub const VISITOR_COOKIE: &str = "ecoute_visiteur";

/// Reads one cookie from the request headers.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    cookie_value(headers, name).map(str::to_owned)
}

/// One cookie's value, borrowed from the request headers.
fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with the attributes every cookie of ours has.
pub fn cookie(name: &str, value: &str, max_age_seconds: i64, https: bool) -> HeaderValue {
    let secure = if https { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("cookie values are base64url")
}

/// Layer: gives a visitor id to whoever has none, as if they had sent it, and sets it.
#[derive(Clone)]
pub struct VisitorCookie;

impl Hook for VisitorCookie {
    /// The `Set-Cookie` of a new visitor.
    type Carry = Option<HeaderValue>;

    fn before(&self, request: &mut Request) -> Result<Option<HeaderValue>, Box<Response>> {
        let existing = cookie_value(request.headers(), VISITOR_COOKIE).filter(|v| v.len() >= 20 && v.len() <= 64);
        if existing.is_some() {
            return Ok(None);
        }
        let id = new_visitor_id();
        let https = request.extensions().get::<RequestOrigin>().is_some_and(|o| o.https);
        let pair = format!("{VISITOR_COOKIE}={id}");
        let merged = match request.headers().get(COOKIE).and_then(|v| v.to_str().ok()) {
            Some(other) => format!("{other}; {pair}"),
            None => pair,
        };
        if let Ok(value) = HeaderValue::from_str(&merged) {
            request.headers_mut().insert(COOKIE, value);
        }
        Ok(Some(cookie(VISITOR_COOKIE, &id, 60 * 60 * 24 * 365, https)))
    }

    fn after(set_cookie: Option<HeaderValue>, response: &mut Response) {
        if let Some(value) = set_cookie {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
}

/// The visitor's id (always present behind [`VisitorCookie`]).
#[derive(Debug, Clone)]
pub struct VisitorId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for VisitorId {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        read_cookie(&parts.headers, VISITOR_COOKIE)
            .map(VisitorId)
            .ok_or(PageError::BadRequest)
    }
}

/// The token a form of this tenant must carry for this visitor.
pub fn csrf_token(key: &ring::hmac::Key, tenant_id: Uuid, visitor: &str) -> String {
    let tag = ring::hmac::sign(key, format!("{tenant_id}|{visitor}").as_bytes());
    URL_SAFE_NO_PAD.encode(&tag.as_ref()[..24])
}

pub fn csrf_valid(key: &ring::hmac::Key, tenant_id: Uuid, visitor: &str, token: &str) -> bool {
    let Ok(given) = URL_SAFE_NO_PAD.decode(token) else {
        return false;
    };
    // Constant-time comparison of the truncated tag.
    given.len() == 24 && {
        let expected = ring::hmac::sign(key, format!("{tenant_id}|{visitor}").as_bytes());
        let mut diff = 0u8;
        for (a, b) in expected.as_ref()[..24].iter().zip(&given) {
            diff |= a ^ b;
        }
        diff == 0
    }
}

/// A urlencoded form whose `csrf` field was checked. Refused with a 403 page otherwise.
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct CsrfField {
    csrf: Option<String>,
}

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequest<S> for CsrfForm<T>
where
    Ground: FromRef<S>,
{
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_form(request, &Ground::from_ref(state).csrf_key).await?;
        let value = match clean_form(&bytes)? {
            None => serde_urlencoded::from_bytes(&bytes),
            Some(normalised) => serde_urlencoded::from_bytes(&normalised),
        };
        Ok(CsrfForm(value.map_err(|_| PageError::BadRequest)?))
    }
}

/// Like [`CsrfForm`], for a form that is shown again when a field holds a refused character:
/// the form comes with those characters removed, and the name of the field to flag, so the
/// handler can show the entry with a message next to it and store nothing.
pub struct CheckedForm<T> {
    pub form: T,
    /// The first field with a refused character (`web::text`), if any.
    pub refused: Option<String>,
}

impl<T> CheckedForm<T> {
    /// The form, and the refused field only if the form shows it as text (`shown`): its entry
    /// then comes back beside a message. A refused character anywhere else (a hidden key, an
    /// unknown name) gets the French page, as [`CsrfForm`] answers.
    pub fn shown(self, shown: impl Fn(&str) -> bool) -> Result<(T, Option<String>), PageError> {
        match self.refused {
            Some(field) if !shown(&field) => Err(PageError::InvalidText(field)),
            refused => Ok((self.form, refused)),
        }
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequest<S> for CheckedForm<T>
where
    Ground: FromRef<S>,
{
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_form(request, &Ground::from_ref(state).csrf_key).await?;
        let (value, refused) = match clean_form(&bytes) {
            Ok(None) => (serde_urlencoded::from_bytes(&bytes), None),
            Ok(Some(normalised)) => (serde_urlencoded::from_bytes(&normalised), None),
            Err(PageError::InvalidText(field)) => {
                let mut kept = form_urlencoded::Serializer::new(String::new());
                for (name, value) in form_urlencoded::parse(&bytes) {
                    let value: String = value.chars().filter(|c| super::text::allowed(*c)).collect();
                    kept.append_pair(&name, &super::text::nfc(&value));
                }
                (serde_urlencoded::from_str(&kept.finish()), Some(field))
            }
            Err(other) => return Err(other),
        };
        match (value, refused) {
            (Ok(form), refused) => Ok(CheckedForm { form, refused }),
            // Not a form any more without the refused characters (a hidden key...): the page.
            (Err(_), Some(field)) => Err(PageError::InvalidText(field)),
            (Err(_), None) => Err(PageError::BadRequest),
        }
    }
}

/// The body of a form whose `csrf` field was checked.
async fn read_form(request: Request, key: &ring::hmac::Key) -> Result<axum::body::Bytes, PageError> {
    let (mut parts, body) = request.into_parts();
    let tenant = crate::tenancy::CurrentTenant::from_request_parts(&mut parts, &())
        .await
        .map_err(|_| PageError::BadRequest)?;
    let visitor = read_cookie(&parts.headers, VISITOR_COOKIE).unwrap_or_default();
    let bytes = axum::body::to_bytes(body, super::limits::FORM).await.map_err(|e| {
        if super::json::too_large(&e) {
            PageError::TooLarge
        } else {
            PageError::BadRequest
        }
    })?;
    let field: CsrfField = serde_urlencoded::from_bytes(&bytes).map_err(|_| PageError::BadRequest)?;
    if visitor.is_empty() || !field.csrf.is_some_and(|t| csrf_valid(key, tenant.id, &visitor, &t)) {
        return Err(PageError::Forbidden);
    }
    Ok(bytes)
}

/// Checks every name and value of a urlencoded form ([`super::text`]): a refused character or
/// invalid UTF-8 refuses the form, naming the field. Returns the form again, in NFC, only when
/// a value was not (the usual form is read as it came).
fn clean_form(bytes: &[u8]) -> Result<Option<Vec<u8>>, PageError> {
    use std::borrow::Cow;
    fn decode(part: &[u8]) -> Cow<'_, [u8]> {
        percent_encoding::percent_decode(part).into()
    }
    let mut changed = false;
    for pair in bytes.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        };
        let name = decode(name);
        let name = super::text::clean_bytes(&name)
            .map_err(|_| PageError::InvalidText(String::from_utf8_lossy(&name).into_owned()))?;
        match super::text::clean_bytes(&decode(value)) {
            Err(_) => return Err(PageError::InvalidText(name.replace('+', " "))),
            Ok(Cow::Owned(_)) => changed = true,
            Ok(Cow::Borrowed(_)) => {}
        }
        changed |= matches!(name, Cow::Owned(_));
    }
    if !changed {
        return Ok(None);
    }
    let mut normalised = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(bytes) {
        normalised.append_pair(&super::text::nfc(&name), &super::text::nfc(&value));
    }
    Ok(Some(normalised.finish().into_bytes()))
}

#[cfg(test)]
mod form_tests {
    use super::*;

    #[test]
    fn forms_with_refused_text_name_their_field_and_others_come_back_in_nfc() {
        assert!(matches!(
            clean_form(b"csrf=x&title=a%00b"),
            Err(PageError::InvalidText(field)) if field == "title"
        ));
        assert!(matches!(clean_form(b"body=%ED%A0%80"), Err(PageError::InvalidText(_))));
        assert!(clean_form(b"title=d%C3%A9j%C3%A0+vu&b=").unwrap().is_none());
        let normalised = clean_form(b"title=e%CC%81t%C3%A9").unwrap().unwrap();
        assert_eq!(normalised, b"title=%C3%A9t%C3%A9");
    }
}
