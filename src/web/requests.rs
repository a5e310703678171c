//! The request envelope: the outermost layer of every request. It
//! - gives the request an id (`x-request-id`, kept from the caller when well formed, so a proxy's id
//!   follows the request; it only labels logs) and
//!   returns it on the response;
//! - opens the request span when someone consumes it (traces exported over OTLP, or
//!   `RUST_LOG=ecoute::request=debug` for request context in every log line), with the route
//!   template, the method, the space and the status;
//! - records the request duration histogram by space, route, method and status;
//! - logs the requests worth a look: refused (4xx), failed (5xx) and slow ones;
//! - marks the request's task as serving a request, so that its transactions' statements are
//!   limited ([`crate::db::as_a_request`]).
//!
//! Why one hand-written layer instead of tower-http's trace and request-id layers: a cached page
//! is served in a few microseconds, and a span formatted into JSON for every request cost more
//! than the page itself (see docs/architecture.md, "Caches and the hot paths"). Here a request
//! nobody observes costs a clock read, a counter and an id.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::MatchedPath;
use axum::http::{HeaderName, HeaderValue, Request, Response};
use tower::{Layer, Service};
use tracing::Instrument;

use crate::tenancy::CurrentTenant;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A successful request slower than this is logged.
const SLOW: Duration = Duration::from_millis(500);

#[derive(Clone, Copy, Default)]
pub struct RequestLayer;

impl<S> Layer<S> for RequestLayer {
    type Service = RequestService<S>;
    fn layer(&self, inner: S) -> RequestService<S> {
        RequestService { inner }
    }
}

#[derive(Clone)]
pub struct RequestService<S> {
    inner: S,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B, R> Service<Request<B>> for RequestService<S>
where
    S: Service<Request<B>, Response = Response<R>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
    R: Send + 'static,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<R>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let start = Instant::now();
        let id = match request.headers().get(&REQUEST_ID).filter(|v| well_formed(v)) {
            Some(id) => id.clone(),
            None => {
                let id = new_request_id();
                request.headers_mut().insert(REQUEST_ID.clone(), id.clone());
                id
            }
        };
        let route = request.extensions().get::<MatchedPath>().cloned();
        let method = request.method().clone();
        let span = if span_wanted() {
            let route = route.as_ref().map(|m| m.as_str()).unwrap_or("fallback");
            let span = tracing::info_span!(
                target: "ecoute::request",
                "request",
                otel.name = format!("{method} {route}"),
                otel.kind = "server",
                http.request.method = method.as_str(),
                http.route = route,
                request_id = id.to_str().unwrap_or(""),
                ecoute.tenant = tracing::field::Empty,
                http.response.status_code = tracing::field::Empty,
            );
            Some(span)
        } else {
            None
        };
        // The transactions the request begins have their statements limited (see
        // `db::as_a_request`).
        let future = crate::db::as_a_request(self.inner.call(request));
        Box::pin(async move {
            let result = match &span {
                Some(span) => future.instrument(span.clone()).await,
                None => future.await,
            };
            let mut response = result?;
            let latency = start.elapsed();
            let status = response.status().as_u16();
            // The space's Arc, not a copy of its slug: this runs on every request.
            let space = response.extensions().get::<CurrentTenant>().map(|t| t.0.clone());
            let tenant = space.as_ref().map_or("-", |t| t.slug.as_str());
            let route = route.as_ref().map(|m| m.as_str()).unwrap_or("fallback");
            if let Some(span) = &span {
                span.record("ecoute.tenant", tenant);
                span.record("http.response.status_code", status);
            }
            crate::telemetry::metrics::request(tenant, route, method.as_str(), status, latency.as_secs_f64());
            let latency_ms = latency.as_secs_f64() * 1000.0;
            let request_id = id.to_str().unwrap_or("");
            if status >= 500 {
                tracing::error!(target: "ecoute::request", status, latency_ms, route, tenant, request_id, "request failed");
            } else if status >= 400 {
                tracing::info!(target: "ecoute::request", status, latency_ms, route, tenant, request_id, "request refused");
            } else if latency >= SLOW {
                tracing::warn!(target: "ecoute::request", status, latency_ms, route, tenant, request_id, "slow request");
            }
            response.headers_mut().insert(REQUEST_ID.clone(), id);
            Ok(response)
        })
    }
}

/// Whether anyone consumes request spans: the OTLP exporter, or a log filter asking for them.
fn span_wanted() -> bool {
    crate::telemetry::exporting_traces() || tracing::enabled!(target: "ecoute::request", tracing::Level::DEBUG)
}

/// A caller's id is kept when it is short visible ASCII (it goes into logs and headers).
fn well_formed(id: &HeaderValue) -> bool {
    let bytes = id.as_bytes();
    !bytes.is_empty() && bytes.len() <= 64 && bytes.iter().all(|b| b.is_ascii_graphic())
}

/// A process-unique id: a random prefix drawn at start (so instances differ) and a counter.
fn new_request_id() -> HeaderValue {
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| {
        let mut bytes = [0u8; 8];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).expect("system randomness");
        u64::from_le_bytes(bytes)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // Written by hand: `format!` was a visible share of a cached page's CPU.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = [0u8; 32];
    for (i, byte) in id.iter_mut().enumerate() {
        let word = if i < 16 { prefix } else { n };
        *byte = HEX[((word >> (60 - 4 * (i % 16))) & 0xf) as usize];
    }
    HeaderValue::from_bytes(&id).expect("hex is a valid header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_unique_and_callers_ids_are_checked() {
        let (a, b) = (new_request_id(), new_request_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        // A shared random prefix, then a counter, both in lowercase hex.
        let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
        assert!(a.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')), "{a}");
        assert_eq!(a[..16], b[..16]);
        let counter = |id: &str| u64::from_str_radix(&id[16..], 16).unwrap();
        assert!(counter(b) > counter(a), "{a} then {b}");
        assert!(well_formed(&HeaderValue::from_static("abc-123")));
        assert!(!well_formed(&HeaderValue::from_static("")));
        assert!(!well_formed(&HeaderValue::from_static("has space")));
        assert!(!well_formed(&HeaderValue::from_str(&"x".repeat(65)).unwrap()));
    }
}
