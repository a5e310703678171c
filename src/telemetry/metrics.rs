//! The service's metrics, as OpenTelemetry instruments (exported over OTLP when configured;
//! without a meter provider they are no-ops that cost a branch).
//!
//! | instrument | kind | attributes |
//! |---|---|---|
//! | `http.server.request.duration` (s) | histogram | `ecoute.tenant`, `http.route`, `http.request.method`, `http.response.status_code` |
//! | `ecoute.contributions` | counter | `ecoute.tenant`, `ecoute.contribution.kind` (idea, comment, response) |
//! | `ecoute.mail.sent`, `ecoute.mail.failed` | counters | `ecoute.tenant` |
//! | `ecoute.mail.queue.depth` | gauge | `ecoute.tenant` (sampled by the worker) |
//! | `ecoute.cache.lookups` | counter | `ecoute.cache` (tenants, sessions, campaigns, ideas, pages, results), `ecoute.cache.result` (hit, miss) |
//!
//! The request count is the histogram's count. Cache hit rate is hits / lookups.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram};

/// Whether a meter provider is installed: when not, nothing is recorded at all (not even the
/// attributes are built), so an unconfigured server pays nothing per request.
static ENABLED: AtomicBool = AtomicBool::new(false);

pub(super) fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Whether metrics are recorded (a meter provider is installed).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

struct Instruments {
    request_duration: Histogram<f64>,
    contributions: Counter<u64>,
    mail_sent: Counter<u64>,
    mail_failed: Counter<u64>,
    cache_lookups: Counter<u64>,
}

static INSTRUMENTS: OnceLock<Instruments> = OnceLock::new();

/// Last sampled queue depth per space, read by the gauge's callback at each export.
static QUEUE_DEPTH: OnceLock<Arc<Mutex<HashMap<String, u64>>>> = OnceLock::new();

fn queue_depths() -> &'static Arc<Mutex<HashMap<String, u64>>> {
    QUEUE_DEPTH.get_or_init(Default::default)
}

fn instruments() -> &'static Instruments {
    INSTRUMENTS.get_or_init(|| {
        let meter = opentelemetry::global::meter("ecoute");
        let depths = queue_depths().clone();
        // Kept alive by the meter provider once registered.
        let _gauge = meter
            .u64_observable_gauge("ecoute.mail.queue.depth")
            .with_description("Mails queued and not yet sent, per space")
            .with_callback(move |observer| {
                if let Ok(depths) = depths.lock() {
                    for (tenant, depth) in depths.iter() {
                        observer.observe(*depth, &[KeyValue::new("ecoute.tenant", tenant.clone())]);
                    }
                }
            })
            .build();
        Instruments {
            request_duration: meter
                .f64_histogram("http.server.request.duration")
                .with_unit("s")
                .with_description("Duration of HTTP server requests")
                .with_boundaries(vec![
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ])
                .build(),
            contributions: meter
                .u64_counter("ecoute.contributions")
                .with_description("Contributions stored (ideas, comments, survey responses)")
                .build(),
            mail_sent: meter
                .u64_counter("ecoute.mail.sent")
                .with_description("Mails accepted by the SMTP server")
                .build(),
            mail_failed: meter
                .u64_counter("ecoute.mail.failed")
                .with_description("Mails refused for good by the SMTP server")
                .build(),
            cache_lookups: meter
                .u64_counter("ecoute.cache.lookups")
                .with_description("In-process cache lookups, by cache and result")
                .build(),
        }
    })
}

/// Creates the instruments (and registers the gauge) once a provider is installed.
pub(super) fn register() {
    let _ = instruments();
}

/// One request served.
pub fn request(tenant: &str, route: &str, method: &str, status: u16, seconds: f64) {
    if !enabled() {
        return;
    }
    instruments().request_duration.record(
        seconds,
        &[
            KeyValue::new("ecoute.tenant", tenant.to_owned()),
            KeyValue::new("http.route", route.to_owned()),
            KeyValue::new("http.request.method", method.to_owned()),
            KeyValue::new("http.response.status_code", i64::from(status)),
        ],
    );
}

/// A contribution stored (`kind`: idea, comment, response).
pub fn contribution(tenant: &str, kind: &'static str) {
    if !enabled() {
        return;
    }
    instruments().contributions.add(
        1,
        &[
            KeyValue::new("ecoute.tenant", tenant.to_owned()),
            KeyValue::new("ecoute.contribution.kind", kind),
        ],
    );
}

/// Slugs by space id, for the background jobs that know spaces by id only (the mail worker):
/// filled whenever the spaces are listed (`TenantDb::list_tenants`).
static SLUGS: OnceLock<std::sync::RwLock<HashMap<uuid::Uuid, String>>> = OnceLock::new();

/// Remembers the spaces' slugs (when metrics are on).
pub fn remember_tenants(spaces: &[(uuid::Uuid, String)]) {
    if !enabled() {
        return;
    }
    if let Ok(mut slugs) = SLUGS.get_or_init(Default::default).write() {
        slugs.extend(spaces.iter().cloned());
    }
}

fn slug_of(tenant: uuid::Uuid) -> String {
    SLUGS
        .get()
        .and_then(|s| s.read().ok().and_then(|s| s.get(&tenant).cloned()))
        .unwrap_or_else(|| tenant.to_string())
}

/// Mails of a space (by id) that were sent, and that failed for good.
pub fn mail_outcomes(tenant: uuid::Uuid, sent: u64, failed: u64) {
    if !enabled() {
        return;
    }
    let attributes = [KeyValue::new("ecoute.tenant", slug_of(tenant))];
    if sent > 0 {
        instruments().mail_sent.add(sent, &attributes);
    }
    if failed > 0 {
        instruments().mail_failed.add(failed, &attributes);
    }
}

/// The queued mails of a space, as last sampled.
pub fn mail_queue_depth(tenant: &str, depth: u64) {
    if !enabled() {
        return;
    }
    if let Ok(mut depths) = queue_depths().lock() {
        depths.insert(tenant.to_owned(), depth);
    }
}

/// A lookup in one of the in-process caches.
pub fn cache_lookup(cache: &'static str, hit: bool) {
    if !enabled() {
        return;
    }
    instruments().cache_lookups.add(
        1,
        &[
            KeyValue::new("ecoute.cache", cache),
            KeyValue::new("ecoute.cache.result", if hit { "hit" } else { "miss" }),
        ],
    );
}
