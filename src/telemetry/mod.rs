//! Logs, traces and metrics.
//!
//! - Logs: JSON lines on stdout under `serve` (filtered by `RUST_LOG`, default `info`), compact
//!   text on stderr for the CLI.
//! - Traces and metrics: exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the
//!   signal-specific `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `…_METRICS_ENDPOINT`) is set; the
//!   standard `OTEL_*` variables tune them (`OTEL_METRIC_EXPORT_INTERVAL`,
//!   `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME`…).
//! - the request envelope (id, span, duration histogram, log of what went wrong) is an HTTP layer,
//!   `web::requests`, that reports here.
//! - [`metrics`]: the instruments, recorded from the places that know (mail worker, caches…).
//!
//! The resource follows the semantic conventions: `service.name`, `service.version`,
//! `service.instance.id` (one per process), `service.namespace`, and
//! `deployment.environment.name` from `ECOUTE_ENVIRONMENT` when set.

pub mod metrics;

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Keeps the exporters alive; flushes what is pending when dropped.
pub struct TelemetryGuard {
    tracer: Option<SdkTracerProvider>,
    meter: Option<SdkMeterProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.tracer.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("OpenTelemetry traces shutdown: {error}");
        }
        if let Some(provider) = self.meter.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("OpenTelemetry metrics shutdown: {error}");
        }
    }
}

static EXPORTING_TRACES: AtomicBool = AtomicBool::new(false);

/// Whether spans are exported (then request spans are worth opening).
pub fn exporting_traces() -> bool {
    EXPORTING_TRACES.load(Ordering::Relaxed)
}

fn configured(signal_variable: &str) -> bool {
    [signal_variable, "OTEL_EXPORTER_OTLP_ENDPOINT"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|value| !value.trim().is_empty()))
}

/// Installs the global subscriber and, when configured, the OTLP exporters. `json` selects JSON
/// lines (servers) or compact text (CLI).
pub fn init(json: bool) -> anyhow::Result<TelemetryGuard> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // reqwest (the exporters' client, shared with the OpenID client) is built on rustls without
    // a default crypto provider: install ring, for the whole process, before any client is
    // built. Building one without it panics. A provider already installed is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let resource = resource();
    let tracer = if configured("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        EXPORTING_TRACES.store(true, Ordering::Relaxed);
        let exporter = opentelemetry_otlp::SpanExporter::builder().with_http().build()?;
        Some(
            SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(resource.clone())
                .build(),
        )
    } else {
        None
    };
    let meter = if configured("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") {
        let exporter = opentelemetry_otlp::MetricExporter::builder().with_http().build()?;
        let provider = SdkMeterProvider::builder()
            .with_periodic_exporter(exporter)
            .with_resource(resource)
            .build();
        opentelemetry::global::set_meter_provider(provider.clone());
        metrics::enable();
        metrics::register();
        Some(provider)
    } else {
        None
    };
    let otel = tracer
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
    Ok(TelemetryGuard { tracer, meter })
}

/// The service's resource (semantic conventions), plus `OTEL_RESOURCE_ATTRIBUTES`.
fn resource() -> Resource {
    let mut attributes = vec![
        KeyValue::new("service.version", env!("CARGO_PKG_VERSION")),
        KeyValue::new("service.namespace", "ecoute"),
        KeyValue::new("service.instance.id", uuid::Uuid::new_v4().to_string()),
    ];
    if let Ok(environment) = std::env::var("ECOUTE_ENVIRONMENT")
        && !environment.trim().is_empty()
    {
        attributes.push(KeyValue::new("deployment.environment.name", environment));
    }
    Resource::builder()
        .with_service_name(std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "ecoute".into()))
        .with_attributes(attributes)
        .build()
}
