//! Logs and traces.
//!
//! JSON logs on stdout (filtered by `RUST_LOG`, default `info`), and, when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set, spans exported over OTLP/HTTP. Every request span carries
//! the matched route (low cardinality), the tenant slug, the request id and the status.

use axum::extract::MatchedPath;
use axum::http::Request;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnFailure, DefaultOnRequest, TraceLayer};
use tracing::Level;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Keeps the exporter alive; flushes pending spans when dropped.
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("OpenTelemetry shutdown: {error}");
        }
    }
}

/// Installs the global subscriber. `json` selects JSON lines (servers) or compact text (CLI).
pub fn init(json: bool) -> anyhow::Result<TelemetryGuard> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let provider = match std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT") {
        Ok(endpoint) if !endpoint.trim().is_empty() => {
            EXPORTING.store(true, std::sync::atomic::Ordering::Relaxed);
            Some(otlp_provider()?)
        }
        _ => None,
    };
    let otel = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("ecoute")));
    let registry = tracing_subscriber::registry().with(filter).with(otel);
    if json {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true),
            )
            .try_init()?;
    } else {
        registry
            .with(tracing_subscriber::fmt::layer().compact().with_writer(std::io::stderr))
            .try_init()?;
    }
    Ok(TelemetryGuard { provider })
}

fn otlp_provider() -> anyhow::Result<SdkTracerProvider> {
    // Endpoint, headers and timeout come from the standard OTEL_EXPORTER_OTLP_* variables.
    let exporter = opentelemetry_otlp::SpanExporter::builder().with_http().build()?;
    let resource = Resource::builder()
        .with_service_name("ecoute")
        .with_attribute(opentelemetry::KeyValue::new(
            "service.version",
            env!("CARGO_PKG_VERSION"),
        ))
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}

/// Whether spans are exported (OTLP configured): only then is `otel.name` worth building.
static EXPORTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The request span: one per request, named after the route template, not the raw path.
/// Its fields are borrowed strings (no allocation, no formatting beyond what the subscribers
/// do); the path itself is left out: routes say as much without the ids.
pub fn make_request_span<B>(request: &Request<B>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str())
        .unwrap_or("fallback");
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let method = request.method().as_str();
    let span = tracing::info_span!(
        "request",
        otel.name = tracing::field::Empty,
        http.request.method = method,
        http.route = route,
        request_id = request_id,
        tenant = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
    );
    if EXPORTING.load(std::sync::atomic::Ordering::Relaxed) {
        span.record("otel.name", format!("{method} {route}"));
    }
    span
}

type RequestSpan = fn(&Request<axum::body::Body>) -> tracing::Span;

/// The tower-http trace layer using [`make_request_span`].
pub fn trace_layer() -> TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    RequestSpan,
    DefaultOnRequest,
    RecordStatus,
    (),
    (),
    DefaultOnFailure,
> {
    TraceLayer::new_for_http()
        .make_span_with(make_request_span as RequestSpan)
        .on_request(DefaultOnRequest::new().level(Level::DEBUG))
        .on_response(RecordStatus)
        .on_body_chunk(())
        .on_eos(())
}

/// Records the status on the span, and logs a line for requests worth a look: refused (4xx)
/// or failed (5xx) ones, and slow ones. Successful requests are counted by the spans (and by
/// the proxy's access log); formatting a JSON line for each would cost more than serving a
/// cached page.
#[derive(Clone, Copy)]
pub struct RecordStatus;

/// A successful request slower than this is logged.
const SLOW: std::time::Duration = std::time::Duration::from_millis(500);

impl<B> tower_http::trace::OnResponse<B> for RecordStatus {
    fn on_response(self, response: &axum::http::Response<B>, latency: std::time::Duration, span: &tracing::Span) {
        let status = response.status().as_u16();
        span.record("http.response.status_code", status);
        let latency_ms = latency.as_secs_f64() * 1000.0;
        if status >= 500 {
            tracing::error!(status, latency_ms, "request failed");
        } else if status >= 400 {
            tracing::info!(status, latency_ms, "request refused");
        } else if latency >= SLOW {
            tracing::warn!(status, latency_ms, "slow request");
        } else {
            tracing::debug!(status, latency_ms, "request done");
        }
    }
}
