//! [`CurrentTenant`]: the space a request is for, as the tenant layer (`web::spaces`) put it
//! into the request's extensions. Handlers take it as an extractor.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::Tenant;
use crate::error::ApiError;

/// The space this request is for. Only available behind the tenant layer (`web::spaces`).
#[derive(Debug, Clone)]
pub struct CurrentTenant(pub Arc<Tenant>);

impl std::ops::Deref for CurrentTenant {
    type Target = Tenant;
    fn deref(&self) -> &Tenant {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentTenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentTenant>()
            .cloned()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("route is not behind the tenant layer (web::spaces)")))
    }
}
