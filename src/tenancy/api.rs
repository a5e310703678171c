//! `GET /api/v1/tenant`: the current space, for API clients and front-ends.

use axum::Json;
use serde::Serialize;

use super::{Branding, CurrentTenant, TenantKind};

/// The current space.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TenantView {
    pub slug: String,
    pub name: String,
    pub kind: TenantKind,
    pub departements: Vec<String>,
    pub branding: Branding,
}

/// The current space (slug, name, kind, branding).
#[utoipa::path(get, path = "/api/v1/tenant", tag = "spaces", responses(
    (status = 200, description = "The space this host name answers for", body = TenantView),
    (status = 404, description = "No space answers to this host name", body = crate::error::Problem, content_type = "application/problem+json"),
    (status = 503, description = "The space is suspended, or the service momentarily unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
))]
pub async fn current_tenant(tenant: CurrentTenant) -> Json<TenantView> {
    Json(TenantView {
        slug: tenant.slug.clone(),
        name: tenant.name.clone(),
        kind: tenant.kind,
        departements: tenant.departements.clone(),
        branding: tenant.branding.clone(),
    })
}
