//! The HTTP kit, which names no domain: the [`Ground`] every handler may reach, the page
//! extractor and templates, i18n, form tokens, the tenant and request layers, security
//! headers, rate limits, refusals, static assets and charts. The domains build their pages
//! and routes with it; the composition root (`crate::app`) assembles them.

pub mod assets;
#[cfg(test)]
mod catalogue;
pub mod charts;
pub mod console;
pub mod csrf;
pub mod downloads;
pub mod format;
pub mod health;
pub mod hook;
pub mod i18n;
pub mod identity;
pub mod json;
pub mod limits;
pub mod markdown;
pub mod moments;
pub mod openapi;
pub mod page;
pub mod pages;
pub mod rate_limit;
pub mod refusals;
pub mod requests;
pub mod security;
pub mod spaces;
pub mod table;
pub mod templates;
pub mod text;
pub mod uploads;

use std::sync::Arc;

use crate::config::TrustedProxies;
use crate::tenancy::{TenantDb, TenantResolver};

/// What every handler may reach, whatever its domain: one pointer, cloned by each extractor
/// and layer. Domains take it as `State<Ground>` (an axum substate of the application's state)
/// and their own caches as further substates.
#[derive(Clone)]
pub struct Ground(Arc<GroundParts>);

impl Ground {
    pub fn new(parts: GroundParts) -> Self {
        Ground(Arc::new(parts))
    }
}

impl std::ops::Deref for Ground {
    type Target = GroundParts;
    fn deref(&self) -> &GroundParts {
        &self.0
    }
}

/// What [`Ground`] holds.
pub struct GroundParts {
    /// Tenant-scoped database access: the only door to tenant data.
    pub db: TenantDb,
    pub resolver: TenantResolver,
    pub trusted_proxies: TrustedProxies,
    /// Key of the CSRF tokens' HMAC, shared by every instance (from `server_keys`).
    pub csrf_key: Arc<ring::hmac::Key>,
    /// Per-client limit on writes; `None` in tests and tools.
    pub write_limiter: Option<rate_limit::WriteLimiter>,
    /// Who holds a session cookie (the accounts domain answers; see [`identity`]).
    pub signed_in: Arc<dyn identity::FindSignedIn>,
    /// Who holds a console session cookie (the operators domain answers; see [`console`]).
    pub operators: Arc<dyn console::FindOperator>,
}

/// The kit's own routes in a space: the space's stylesheet and images, and `/api/v1/tenant`
/// (the API document is served by the composition root, which knows every domain's part).
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: axum::extract::FromRef<S>,
{
    use axum::routing::get;
    axum::Router::new()
        .route("/branding.css", get(assets::branding_css))
        .route("/espace/logo/{id}", get(assets::space_logo))
        .route("/espace/images/{id}", get(assets::space_logo))
        .route("/api/v1/tenant", get(crate::tenancy::api::current_tenant))
}
