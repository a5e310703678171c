//! `GET /api/v1/tenant`: the current space, for API clients and front-ends.

use axum::Json;
use serde::Serialize;

use super::{Branding, CurrentTenant, TenantKind};

#[derive(Debug, Serialize)]
pub struct TenantView {
    pub slug: String,
    pub name: String,
    pub kind: TenantKind,
    pub departements: Vec<String>,
    pub branding: Branding,
}

pub async fn current_tenant(tenant: CurrentTenant) -> Json<TenantView> {
    Json(TenantView {
        slug: tenant.slug.clone(),
        name: tenant.name.clone(),
        kind: tenant.kind,
        departements: tenant.departements.clone(),
        branding: tenant.branding.clone(),
    })
}
