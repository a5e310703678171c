//! A per-client limit on writes (POST, PUT, PATCH, DELETE): sign-in requests, contributions,
//! likes. Reads are not limited here. Fixed one-minute windows counted in a bounded moka cache,
//! per instance (with N pods the effective limit is at most N times higher, which is fine for
//! abuse control). The client is the TCP peer or, behind trusted proxies, the rightmost
//! `X-Forwarded-For` address that is not one of them.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use moka::sync::Cache;

use super::Ground;
use super::hook::Hook;
use crate::config::TrustedProxies;
use crate::error::Problem;

#[derive(Clone)]
pub struct WriteLimiter {
    per_minute: u32,
    windows: Cache<(IpAddr, u64), Arc<AtomicU32>>,
}

impl WriteLimiter {
    pub fn new(per_minute: u32) -> Self {
        WriteLimiter {
            per_minute,
            windows: Cache::builder()
                .max_capacity(200_000)
                .time_to_live(Duration::from_secs(120))
                .build(),
        }
    }

    /// Counts one write; `Err(seconds until the window ends)` when over the limit.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let window = now / 60;
        let counter = self.windows.get_with((client, window), || Arc::new(AtomicU32::new(0)));
        if counter.fetch_add(1, Ordering::Relaxed) < self.per_minute {
            Ok(())
        } else {
            Err(60 - now % 60)
        }
    }
}

fn client_ip(request: &Request, state: &Ground) -> Option<IpAddr> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    let forwarded = request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    Some(client_behind(peer, forwarded, &state.trusted_proxies))
}

/// The client behind a chain of proxies. Proxies append the address they received from, so
/// only the rightmost entries were written by proxies we trust: walk from the right past
/// trusted proxies; the first other address is the client. Entries further left were sent by
/// the client itself and could be anything (a forged first hop would otherwise let one client
/// pass for many and escape the limit).
fn client_behind(peer: IpAddr, forwarded: Option<&str>, trusted: &TrustedProxies) -> IpAddr {
    if !trusted.trusts(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded.unwrap_or_default().rsplit(',') {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !trusted.trusts(ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod forwarded_tests {
    use super::*;

    #[test]
    fn the_client_is_the_rightmost_address_not_a_trusted_proxy() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // Behind one trusted proxy.
        assert_eq!(
            client_behind(ip("10.0.0.2"), Some("203.0.113.7"), &trusted),
            ip("203.0.113.7")
        );
        // A forged first hop is ignored: the proxy appended the real address.
        assert_eq!(
            client_behind(ip("10.0.0.2"), Some("1.2.3.4, 203.0.113.7"), &trusted),
            ip("203.0.113.7")
        );
        // Two trusted proxies in a row.
        assert_eq!(
            client_behind(ip("10.0.0.2"), Some("203.0.113.7, 10.0.0.9"), &trusted),
            ip("203.0.113.7")
        );
        // An untrusted peer's header is not believed.
        assert_eq!(
            client_behind(ip("198.51.100.1"), Some("1.2.3.4"), &trusted),
            ip("198.51.100.1")
        );
        // Garbage stops the walk at the last good address.
        assert_eq!(
            client_behind(ip("10.0.0.2"), Some("nonsense"), &trusted),
            ip("10.0.0.2")
        );
    }
}

/// Layer: 429 with `Retry-After` once a client exceeds its writes for the minute.
#[derive(Clone)]
pub struct LimitWrites(pub Ground);

impl Hook for LimitWrites {
    type Carry = ();

    fn before(&self, request: &mut Request) -> Result<(), Box<Response>> {
        match refusal(&self.0, request) {
            Some(response) => Err(Box::new(response)),
            None => Ok(()),
        }
    }

    fn after((): (), _: &mut Response) {}
}

fn refusal(state: &Ground, request: &Request) -> Option<Response> {
    let is_write = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if let (true, Some(limiter), Some(client)) = (is_write, state.write_limiter.as_ref(), client_ip(request, state))
        && let Err(retry_after) = limiter.check(client)
    {
        tracing::warn!(%client, "write rate limit reached");
        let api = request.uri().path().starts_with("/api/");
        let mut response = if api {
            let problem = Problem {
                kind: "/problems/too-many-requests".into(),
                title: "Trop de requêtes".into(),
                status: 429,
                detail: Some(format!(
                    "Trop d’envois en peu de temps. Réessayez dans {retry_after} secondes."
                )),
                errors: Vec::new(),
            };
            let mut r = (StatusCode::TOO_MANY_REQUESTS, axum::Json(problem)).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            );
            r
        } else {
            let lang = super::i18n::Lang::from_headers(request.headers());
            let tenant = request.extensions().get::<crate::tenancy::CurrentTenant>().cloned();
            let mut r = super::pages::error_page_response(
                lang,
                tenant.as_deref(),
                request.uri().path(),
                crate::error::ErrorPage::TooManyRequests,
            );
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            r
        };
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        return Some(response);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_client() {
        let limiter = WriteLimiter::new(2);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert!(limiter.check(a).is_ok() && limiter.check(a).is_ok());
        // The third write in the same minute is refused (unless the minute just turned).
        let third = limiter.check(a);
        assert!(third.is_err() || limiter.check(a).is_ok());
        assert!(limiter.check(b).is_ok(), "another client has its own budget");
    }
}
