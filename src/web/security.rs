//! Security headers on every response.
//!
//! The CSP allows only same-origin scripts and styles (no inline ones), no framing, and forms
//! posting only back to this origin. HSTS is sent only when the client came over HTTPS,
//! which we know from a trusted proxy's `X-Forwarded-Proto`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, header};
use axum::response::Response;

use super::hook::Hook;
use crate::config::TrustedProxies;
use crate::tenancy::host::RequestOrigin;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: https:; font-src 'self'; connect-src 'self'; object-src 'none'; \
     frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// Layer: the security headers on every response (HSTS over HTTPS only).
#[derive(Clone)]
pub struct SecurityHeaders {
    pub trusted_proxies: TrustedProxies,
}

impl Hook for SecurityHeaders {
    /// Whether the request came over HTTPS.
    type Carry = bool;

    fn before(&self, request: &mut Request) -> Result<bool, Box<Response>> {
        let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        Ok(RequestOrigin::is_https(
            request.headers(),
            request.uri(),
            peer,
            &self.trusted_proxies,
        ))
    }

    fn after(https: bool, response: &mut Response) {
        add_security_headers(response, https);
    }
}

fn add_security_headers(response: &mut Response, https: bool) {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
}
