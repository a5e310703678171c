//! The HTTP surface: state, router and the cross-cutting layers (tracing, request ids,
//! security headers, compression, timeouts). Each domain area owns its handlers; this module
//! only wires them.

pub mod assets;
pub mod health;
pub mod i18n;
pub mod pages;
pub mod security;
pub mod templates;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;

use crate::config::IpNet;
use crate::tenancy::{TenantDb, TenantResolver, middleware::resolve_tenant};

/// Shared by every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Tenant-scoped database access: the only door to tenant data.
    pub db: TenantDb,
    pub resolver: TenantResolver,
    pub trusted_proxies: Arc<[IpNet]>,
}

/// Builds the application router.
pub fn router(state: AppState) -> Router {
    // Everything that belongs to a space goes through tenant resolution.
    let spaces = Router::new()
        .route("/", get(crate::campaigns::pages::home))
        .route("/branding.css", get(assets::branding_css))
        .route("/langue/{code}", get(pages::switch_language))
        .route("/api/v1/tenant", get(crate::tenancy::api::current_tenant))
        .fallback(pages::not_found)
        .layer(from_fn_with_state(state.clone(), resolve_tenant));
    // Probes and static files answer on any host.
    let infrastructure = Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/static/{file}", get(assets::static_file))
        .route(
            "/favicon.ico",
            get(|| async { axum::response::Redirect::permanent("/static/favicon.svg") }),
        );

    let x_request_id = axum::http::HeaderName::from_static("x-request-id");
    spaces
        .merge(infrastructure)
        // Router::layer wraps each route, so MatchedPath is known to the trace layer.
        .layer(from_fn_with_state(
            state.clone(),
            security::security_headers,
        ))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(crate::telemetry::trace_layer())
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}
