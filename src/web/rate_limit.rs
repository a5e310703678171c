//! A per-client limit on writes (POST, PUT, PATCH, DELETE): sign-in requests, contributions,
//! likes. Reads are not limited here. The limit is `governor`'s keyed GCRA: each client may
//! write `per_minute` times in a burst, and its budget comes back one write every
//! `60 / per_minute` seconds, so no client writes more than the limit in any minute once its
//! burst is spent. Counted per instance (with N pods the effective limit is at most N times
//! higher, which is fine for abuse control). The client is the TCP peer or, behind trusted
//! proxies, the rightmost `X-Forwarded-For` address that is not one of them.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::Ground;
use super::hook::Hook;
use crate::config::TrustedProxies;
use crate::error::Problem;

/// Writes between two purges of the clients whose budget is whole again. Between purges the
/// store holds at most the clients that wrote in the last minute plus this many newcomers.
const PURGE_EVERY: u64 = 4096;

type Keyed<C> = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// The write budget of every client, shared by the server's layers (cheap to clone).
#[derive(Clone)]
pub struct WriteLimiter<C: Clock = DefaultClock> {
    limiter: Arc<Keyed<C>>,
    writes: Arc<AtomicU64>,
}

impl WriteLimiter {
    /// `per_minute` writes per client; zero is taken as one (the settings turn zero into no limit).
    pub fn new(per_minute: u32) -> Self {
        Self::with_clock(per_minute, DefaultClock::default())
    }
}

impl<C: Clock> WriteLimiter<C> {
    fn with_clock(per_minute: u32, clock: C) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN));
        WriteLimiter {
            limiter: Arc::new(RateLimiter::new(quota, DefaultKeyedStateStore::default(), clock)),
            writes: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Counts one write; `Err(time until this client may write again)` when over the limit.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        if self.writes.fetch_add(1, Ordering::Relaxed) % PURGE_EVERY == PURGE_EVERY - 1 {
            self.purge();
        }
        self.limiter
            .check_key(&client)
            .map_err(|refused| refused.wait_time_from(self.limiter.clock().now()))
    }

    /// Forgets the clients whose budget is whole again: they are no different from new ones.
    fn purge(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// Clients currently remembered.
    #[cfg(test)]
    fn clients(&self) -> usize {
        self.limiter.len()
    }
}

/// Whole seconds for `Retry-After`, rounded up and never zero.
fn retry_after_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
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
        && let Err(wait) = limiter.check(client)
    {
        let retry_after = retry_after_seconds(wait);
        tracing::warn!(%client, "write rate limit reached");
        let api = request.uri().path().starts_with("/api/");
        let mut response = if api {
            let problem = Problem {
                kind: "/problems/too-many-requests".into(),
                title: "Trop de requêtes".into(),
                status: 429,
                detail: Some(format!(
                    "Trop d’envois en peu de temps. Réessayez dans {retry_after} seconde{}.",
                    if retry_after > 1 { "s" } else { "" }
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
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn counts_per_client_and_gives_the_budget_back_over_the_minute() {
        let clock = FakeRelativeClock::default();
        let limiter = WriteLimiter::with_clock(3, clock.clone());
        let (a, b) = (ip("10.0.0.1"), ip("2001:db8::1"));
        for _ in 0..3 {
            assert!(limiter.check(a).is_ok());
        }
        // The fourth write in the same instant is refused until one write's worth (20 s) is back.
        assert_eq!(limiter.check(a), Err(Duration::from_secs(20)));
        assert!(limiter.check(b).is_ok(), "another client has its own budget");
        clock.advance(Duration::from_secs(19));
        assert_eq!(limiter.check(a), Err(Duration::from_secs(1)));
        clock.advance(Duration::from_secs(1));
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_err(), "one write came back, not more");
        // After a quiet minute the whole burst is back.
        clock.advance(Duration::from_secs(60));
        for _ in 0..3 {
            assert!(limiter.check(a).is_ok());
        }
        assert!(limiter.check(a).is_err());
    }

    #[test]
    fn quiet_clients_are_forgotten() {
        let clock = FakeRelativeClock::default();
        let limiter = WriteLimiter::with_clock(120, clock.clone());
        let many = (PURGE_EVERY - 1) as u32;
        for n in 0..many {
            assert!(limiter.check(IpAddr::from(n.to_be_bytes())).is_ok());
        }
        assert_eq!(limiter.clients(), many as usize);
        // A minute later they all have their budget back; the next write purges them.
        clock.advance(Duration::from_secs(61));
        assert!(limiter.check(ip("192.0.2.1")).is_ok());
        assert!(limiter.clients() <= 1, "{} clients left", limiter.clients());
        // A client still within its minute is kept, with its count.
        let busy = ip("192.0.2.2");
        for _ in 0..120 {
            assert!(limiter.check(busy).is_ok());
        }
        for n in 0..PURGE_EVERY as u32 {
            let _ = limiter.check(IpAddr::from((n + 1_000_000).to_be_bytes()));
        }
        assert!(
            limiter.check(busy).is_err(),
            "the purge kept the busy client's spent budget"
        );
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        assert_eq!(retry_after_seconds(Duration::from_millis(500)), 1);
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_secs(20)), 20);
        assert_eq!(retry_after_seconds(Duration::from_millis(20_001)), 21);
    }
}
