//! The HTTP surface: state, router and the cross-cutting layers (tracing, request ids,
//! security headers, compression, timeouts). Each domain area owns its handlers; this module
//! only wires them.

pub mod assets;
pub mod charts;
pub mod csrf;
pub mod health;
pub mod hook;
pub mod i18n;
pub mod json;
pub mod limits;
pub mod markdown;
pub mod openapi;
pub mod page;
pub mod pages;
pub mod rate_limit;
pub mod refusals;
pub mod security;
pub mod templates;
pub mod text;
pub mod uploads;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

use crate::accounts::account_pages as account;
use crate::accounts::pages as accounts;
use crate::config::IpNet;
use crate::ideas::api as ideas_api;
use crate::ideas::pages as ideas;
use crate::surveys::api as surveys_api;
use crate::surveys::pages as surveys;
use crate::tenancy::{TenantDb, TenantResolver, middleware::ResolveTenantLayer};
use hook::HookLayer;

/// Shared by every handler: one pointer, cloned by each extractor and middleware.
#[derive(Clone)]
pub struct AppState(Arc<App>);

impl AppState {
    pub fn new(app: App) -> Self {
        AppState(Arc::new(app))
    }
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct App {
    /// Tenant-scoped database access: the only door to tenant data.
    pub db: TenantDb,
    pub resolver: TenantResolver,
    pub trusted_proxies: Arc<[IpNet]>,
    /// Key of the CSRF tokens' HMAC, shared by every instance (from `server_keys`).
    pub csrf_key: Arc<ring::hmac::Key>,
    /// Per-client limit on writes; `None` in tests and tools.
    pub write_limiter: Option<rate_limit::WriteLimiter>,
    /// Per-instance caches, emptied by the change listener ([`crate::db::changes`]).
    pub sessions: crate::accounts::session::SessionCache,
    pub campaigns: crate::campaigns::cache::CampaignCache,
    pub ideas: crate::ideas::snapshot::IdeaSnapshots,
    pub campaign_pages: crate::ideas::pages::SharedPages,
    pub results: crate::results::cache::ResultsCache,
    /// Likes through the API are stored in batches.
    pub likes: crate::ideas::likes::LikeWriter,
}

/// Builds the application router.
pub fn router(state: AppState) -> Router {
    // Everything that belongs to a space goes through tenant resolution.
    let spaces = Router::new()
        .route("/", get(crate::campaigns::pages::home))
        .route("/branding.css", get(assets::branding_css))
        .route("/espace/logo/{id}", get(assets::space_logo))
        .route("/espace/images/{id}", get(assets::space_logo))
        .route("/connexion", get(accounts::sign_in_form).post(accounts::request_link))
        .route("/connexion/lien", get(accounts::confirm_form).post(accounts::confirm))
        .route("/deconnexion", post(accounts::sign_out))
        .route("/compte", get(account::account_page))
        .route("/compte/pseudonyme", post(account::change_pseudonym))
        .route("/compte/mes-donnees", get(account::download_my_data))
        .route("/compte/suppression", post(account::delete_my_account))
        .route(
            "/api/v1/me",
            get(account::api_me)
                .patch(account::api_update_me)
                .delete(account::api_delete_me),
        )
        .route("/api/v1/me/data", get(account::api_my_data))
        .route("/consultations/{slug}", get(ideas::campaign_page))
        .route("/consultations/{slug}/idees", post(ideas::post_idea))
        .route(
            "/consultations/{slug}/ateliers",
            get(crate::workshops::pages::apply_page).post(crate::workshops::pages::submit_application),
        )
        .route(
            "/ateliers/reponse/{token}",
            get(crate::workshops::pages::answer_page).post(crate::workshops::pages::answer_invitation),
        )
        .route(
            "/consultations/{slug}/questionnaire",
            get(surveys::survey_page).post(surveys::submit_survey),
        )
        .route("/consultations/{slug}/idees/{id}", get(ideas::idea_page))
        .route(
            "/consultations/{slug}/resultats",
            get(crate::results::pages::results_page),
        )
        .route(
            "/consultations/{slug}/resultats/infographie.svg",
            get(crate::results::infographic::download_svg),
        )
        .route(
            "/consultations/{slug}/resultats/infographie.pdf",
            get(crate::results::infographic::download_pdf),
        )
        .route(
            "/consultations/{slug}/resultats/donnees/{file}",
            get(crate::results::open_data::download),
        )
        .route(
            "/consultations/{slug}/nouvelles",
            get(crate::results::pages::news_page).post(crate::results::pages::follow),
        )
        .route("/consultations/{slug}/idees/{id}/soutien", post(ideas::post_like))
        .route(
            "/consultations/{slug}/idees/{id}/commentaires",
            post(ideas::post_comment),
        )
        .route("/consultations/{slug}/idees/{id}/signalement", post(ideas::post_report))
        .route("/api/openapi.json", get(openapi::openapi))
        .route("/api/v1/tenant", get(crate::tenancy::api::current_tenant))
        .route("/api/v1/campaigns", get(ideas_api::list_campaigns))
        .route("/api/v1/campaigns/{slug}", get(ideas_api::get_campaign))
        .route(
            "/api/v1/campaigns/{slug}/ideas",
            get(ideas_api::list_campaign_ideas).post(ideas_api::create_idea),
        )
        .route("/api/v1/campaigns/{slug}/survey", get(surveys_api::get_questions))
        .route(
            "/api/v1/campaigns/{slug}/results",
            get(crate::results::api::get_results),
        )
        .route("/api/v1/campaigns/{slug}/news", get(crate::results::api::get_news))
        .route(
            "/api/v1/campaigns/{slug}/survey/response",
            get(surveys_api::get_response).put(surveys_api::put_response),
        )
        .route("/api/v1/ideas/{id}", get(ideas_api::get_idea))
        .route(
            "/api/v1/ideas/{id}/like",
            post(ideas_api::like_idea).delete(ideas_api::unlike_idea),
        )
        .route(
            "/api/v1/ideas/{id}/comments",
            get(ideas_api::get_comments).post(ideas_api::create_comment),
        )
        .route("/api/v1/ideas/{id}/reports", post(ideas_api::create_report))
        .merge(crate::consoles::routes())
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
            .layer(crate::telemetry::requests::RequestLayer)
            .layer(TimeoutLayer::with_status_code(
                axum::http::StatusCode::REQUEST_TIMEOUT,
                Duration::from_secs(30),
            ))
            .layer(CompressionLayer::new())
            .layer(HookLayer(security::SecurityHeaders {
                trusted_proxies: state.trusted_proxies.clone(),
            }))
    };
    let in_a_space = || envelope().layer(ResolveTenantLayer(state.clone()));
    spaces
        .layer(
            in_a_space()
                .layer(HookLayer(rate_limit::LimitWrites(state.clone())))
                .layer(HookLayer(csrf::VisitorCookie))
                // Innermost: sees each route's own answer, before the tenant layer dresses pages.
                .layer(HookLayer(refusals::Refusals)),
        )
        .merge(crate::mail::routes().layer(in_a_space()))
        .merge(infrastructure.layer(envelope()))
        .with_state(state)
}
