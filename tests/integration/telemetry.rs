//! OpenTelemetry over OTLP/HTTP, received for real: the `ecoute serve` binary exports to a
//! receiver in this test process, which decodes the protobuf and checks spans and metrics carry
//! the space, the route and the status, under semantic-convention resource attributes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use prost::Message;
use reqwest::Method;

use crate::browser::Browser;
use crate::helpers::{TestApp, TestDb, campaign_slug, eventually, session_for};
use crate::processes;

#[derive(Default)]
struct Received {
    traces: Vec<ExportTraceServiceRequest>,
    metrics: Vec<ExportMetricsServiceRequest>,
}

/// An OTLP/HTTP receiver (protobuf) on a loopback port.
async fn receiver() -> (String, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received::default()));
    let (traces, metrics) = (received.clone(), received.clone());
    let app = axum::Router::new()
        .route(
            "/v1/traces",
            post(move |body: Bytes| async move {
                let request = ExportTraceServiceRequest::decode(body).expect("OTLP trace protobuf");
                traces.lock().unwrap().traces.push(request);
                ([("content-type", "application/x-protobuf")], Vec::<u8>::new())
            }),
        )
        .route(
            "/v1/metrics",
            post(move |body: Bytes| async move {
                let request = ExportMetricsServiceRequest::decode(body).expect("OTLP metrics protobuf");
                metrics.lock().unwrap().metrics.push(request);
                ([("content-type", "application/x-protobuf")], Vec::<u8>::new())
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), received)
}

fn text(value: &Option<AnyValue>) -> Option<String> {
    match value.as_ref()?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s.clone()),
        any_value::Value::IntValue(i) => Some(i.to_string()),
        _ => None,
    }
}

fn attributes(list: &[KeyValue]) -> HashMap<String, String> {
    list.iter()
        .filter_map(|kv| Some((kv.key.clone(), text(&kv.value)?)))
        .collect()
}

// Over 100 lines: one server child process exporting to one OTLP receiver: the requests made,
// then the spans, resource and metrics they produced read back from that receiver.
#[tokio::test]
async fn traces_and_metrics_reach_an_otlp_receiver_with_the_space() {
    let (endpoint, received) = receiver().await;
    let test_db = TestDb::new().await;
    let server = processes::serve(
        &test_db,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_METRIC_EXPORT_INTERVAL", "300"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("ECOUTE_ENVIRONMENT", "test"),
            // Request spans are at INFO (the child processes' default here is WARN).
            ("RUST_LOG", "info"),
        ],
    )
    .await;
    let app = TestApp::attach(test_db, server.addr.unwrap());
    let slug = campaign_slug(&app, "gironde", "local").await;
    let owner = app.test_db.owner().await;
    let mut citizen = Browser::new(&app, "gironde.localhost");
    citizen.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "otel@exemple.fr").await,
    );
    for _ in 0..3 {
        assert_eq!(citizen.get(&format!("/consultations/{slug}")).await.0, 200);
    }
    let (status, _) = citizen
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{slug}/ideas"),
            Some(serde_json::json!({"kind": "idee", "title": "Tracée", "body": "Une idée qui laisse une trace."})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(citizen.get("/nulle-part").await.0, 404);

    // Spans: the request span names its route, space and status; the resource says who sent it.
    let spans_arrived = eventually(Duration::from_secs(20), || async {
        let received = received.lock().unwrap();
        received.traces.iter().any(|t| {
            t.resource_spans.iter().any(|rs| {
                rs.scope_spans.iter().any(|ss| {
                    ss.spans.iter().any(|s| {
                        let a = attributes(&s.attributes);
                        a.get("http.route").map(String::as_str) == Some("/consultations/{slug}")
                            && a.get("ecoute.tenant").map(String::as_str) == Some("gironde")
                            && a.get("http.response.status_code").map(String::as_str) == Some("200")
                    })
                })
            })
        })
    })
    .await;
    assert!(spans_arrived, "a request span with route, space and status");
    // Database transactions and background jobs are spans too.
    let named = |name: &'static str| {
        let received = received.clone();
        async move {
            eventually(Duration::from_secs(20), || async {
                received.lock().unwrap().traces.iter().any(|t| {
                    t.resource_spans
                        .iter()
                        .flat_map(|rs| &rs.scope_spans)
                        .flat_map(|ss| &ss.spans)
                        .any(|s| s.name == name)
                })
            })
            .await
        }
    };
    assert!(named("db.transaction").await, "transactions are client spans");
    assert!(named("job.usage_rollup").await, "the rollup job is a span");
    {
        let received = received.lock().unwrap();
        let resource = received.traces[0].resource_spans[0].resource.as_ref().unwrap();
        let r = attributes(&resource.attributes);
        assert_eq!(r.get("service.name").map(String::as_str), Some("ecoute"));
        assert_eq!(r.get("deployment.environment.name").map(String::as_str), Some("test"));
        assert!(r.contains_key("service.instance.id") && r.contains_key("service.version"));
    }

    // Metrics: request durations by space and route, contributions, cache lookups, mail queue.
    let wanted = [
        "http.server.request.duration",
        "ecoute.contributions",
        "ecoute.cache.lookups",
        "ecoute.mail.queue.depth",
    ];
    let metrics_arrived = eventually(Duration::from_secs(20), || async {
        let received = received.lock().unwrap();
        let names: Vec<&str> = received
            .metrics
            .iter()
            .flat_map(|m| &m.resource_metrics)
            .flat_map(|rm| &rm.scope_metrics)
            .flat_map(|sm| &sm.metrics)
            .map(|m| m.name.as_str())
            .collect();
        wanted.iter().all(|w| names.contains(w))
    })
    .await;
    assert!(metrics_arrived, "every instrument was exported");
    let received = received.lock().unwrap();
    let metrics: Vec<_> = received
        .metrics
        .iter()
        .flat_map(|m| &m.resource_metrics)
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .collect();
    let page_views: u64 = metrics
        .iter()
        .filter(|m| m.name == "http.server.request.duration")
        .filter_map(|m| match &m.data {
            Some(Data::Histogram(h)) => Some(h),
            _ => None,
        })
        .flat_map(|h| &h.data_points)
        .filter(|p| {
            let a = attributes(&p.attributes);
            a.get("ecoute.tenant").map(String::as_str) == Some("gironde")
                && a.get("http.route").map(String::as_str) == Some("/consultations/{slug}")
                && a.get("http.response.status_code").map(String::as_str) == Some("200")
        })
        .map(|p| p.count)
        .max()
        .unwrap_or(0);
    assert_eq!(page_views, 3, "three page views counted (cumulative)");
    let ideas: bool = metrics
        .iter()
        .filter(|m| m.name == "ecoute.contributions")
        .filter_map(|m| match &m.data {
            Some(Data::Sum(s)) => Some(s),
            _ => None,
        })
        .flat_map(|s| &s.data_points)
        .any(|p| {
            let a = attributes(&p.attributes);
            a.get("ecoute.tenant").map(String::as_str) == Some("gironde")
                && a.get("ecoute.contribution.kind").map(String::as_str) == Some("idea")
        });
    assert!(ideas, "the idea is counted for gironde");
    drop(server);
}
