//! The application's routes: every domain's, merged under the HTTP kit's layers.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

use super::AppState;
use crate::web::hook::HookLayer;
use crate::web::spaces::ResolveTenantLayer;
use crate::web::{assets, csrf, health, pages, rate_limit, refusals, security};

/// Builds the application router.
pub fn router(state: AppState) -> Router {
    let ground = state.0.ground.clone();
    // Everything that belongs to a space goes through tenant resolution.
    let spaces = Router::new()
        .merge(crate::web::routes())
        .merge(crate::accounts::routes())
        .merge(crate::campaigns::routes())
        .merge(crate::ideas::routes())
        .merge(crate::surveys::routes())
        .merge(crate::workshops::routes())
        .merge(crate::results::routes())
        .merge(crate::analysis::routes())
        .merge(crate::metering::routes())
        .merge(crate::mail::console::routes())
        .merge(crate::operators::routes())
        .merge(crate::moderation::routes())
        .merge(crate::audit::routes())
        .merge(crate::exports::routes())
        .merge(crate::rules::routes())
        .route("/api/openapi.json", get(super::openapi::serve))
        .fallback(pages::not_found);
    // Probes and static files answer on any host.
    let infrastructure = Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/static/{file}", get(assets::static_file))
        // Also offered on the unknown-host page, so it needs no space.
        .route("/langue/{code}", get(pages::switch_language))
        .route(
            "/favicon.ico",
            get(|| async { axum::response::Redirect::permanent("/static/favicon.svg") }),
        );

    // The layers, outermost first. Each group of routes gets its whole stack in one
    // `Router::layer` call: axum boxes a route again at every call, and a boxed route clones its
    // whole inner chain on every request (eight nested levels cost about 40 allocations a
    // request; see docs/architecture.md, "Caches and the hot paths"). Router::layer wraps each
    // route, so MatchedPath is known to the request envelope.
    let envelope = || {
        ServiceBuilder::new()
            .layer(crate::web::requests::RequestLayer)
            .layer(TimeoutLayer::with_status_code(
                axum::http::StatusCode::REQUEST_TIMEOUT,
                Duration::from_secs(30),
            ))
            .layer(CompressionLayer::new())
            .layer(HookLayer(security::SecurityHeaders {
                trusted_proxies: ground.trusted_proxies.clone(),
            }))
    };
    let in_a_space = || envelope().layer(ResolveTenantLayer(ground.clone()));
    spaces
        .layer(
            in_a_space()
                .layer(HookLayer(rate_limit::LimitWrites(ground.clone())))
                .layer(HookLayer(csrf::VisitorCookie))
                // Innermost: sees each route's own answer, before the tenant layer dresses pages.
                .layer(HookLayer(refusals::Refusals)),
        )
        .merge(crate::mail::routes().layer(in_a_space()))
        .merge(infrastructure.layer(envelope()))
        .with_state(state)
}
