//! Resolves the tenant of every request before any handler runs.
//!
//! An absolute request target that names another host than `Host` gets a 400 naming neither.
//! Unknown hosts get a 404 that names no space (so the list of tenants cannot be probed);
//! suspended spaces get a 503 that says so. API paths get `application/problem+json`, pages
//! get the French/English error page. The resolved tenant goes into the request extensions,
//! where `tenancy::CurrentTenant` finds it, and onto the response, where the request envelope (`web::requests`) labels its logs, span and metrics.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, Request};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use super::Ground;
use super::i18n::Lang;
use super::pages::{error_page_response, render_error_page};
use crate::error::{ApiError, ErrorPage};
use crate::tenancy::host::{RequestOrigin, target_disagrees_with_host};
use crate::tenancy::resolve::Resolution;
use crate::tenancy::{CurrentTenant, TenantStatus};

/// The detail of the API's 400 when an absolute request target and `Host` name two hosts.
const AMBIGUOUS_HOST: &str =
    "La cible de la requête (adresse absolue) et l’en-tête Host désignent deux hôtes différents.";

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Layer: host → tenant, or an error response.
///
/// Hand-written rather than `axum::middleware::from_fn`, which costs three allocations per
/// request (its future, a boxed copy of the inner service and that service's boxed future):
/// here one clone of the inner service and one boxed future, since resolving waits on the cache.
#[derive(Clone)]
pub struct ResolveTenantLayer(pub Ground);

impl<S> Layer<S> for ResolveTenantLayer {
    type Service = ResolveTenant<S>;
    fn layer(&self, inner: S) -> ResolveTenant<S> {
        ResolveTenant {
            state: self.0.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
pub struct ResolveTenant<S> {
    state: Ground,
    inner: S,
}

impl<S> Service<Request> for ResolveTenant<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The service that was polled ready goes with the request; a clone stays for the next.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let state = self.state.clone();
        Box::pin(async move { Ok(resolve_tenant(state, request, inner).await) })
    }
}

async fn resolve_tenant<S>(state: Ground, mut request: Request, mut inner: S) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let api = is_api(request.uri().path());
    if target_disagrees_with_host(request.headers(), request.uri()) {
        return if api {
            ApiError::BadRequest(AMBIGUOUS_HOST.into()).into_response()
        } else {
            render_error_page(&request, None, ErrorPage::AmbiguousHost)
        };
    }
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let origin = RequestOrigin::from_parts(request.headers(), request.uri(), peer, &state.trusted_proxies);

    let resolution = match &origin.host {
        Some(host) => state.resolver.resolve(host).await,
        None => Ok(Resolution::Unknown),
    };
    let tenant = match resolution {
        Ok(Resolution::Found(tenant)) => tenant,
        Ok(Resolution::Unknown) => {
            return if api {
                ApiError::UnknownSpace.into_response()
            } else {
                render_error_page(&request, None, ErrorPage::UnknownSpace)
            };
        }
        Err(error) => {
            tracing::error!(%error, "tenant resolution failed");
            return if api {
                ApiError::Database(error).into_response()
            } else {
                render_error_page(&request, None, ErrorPage::Unavailable)
            };
        }
    };
    if tenant.status == TenantStatus::Suspended {
        return if api {
            ApiError::SpaceSuspended.into_response()
        } else {
            render_error_page(&request, Some(&tenant), ErrorPage::SpaceSuspended)
        };
    }
    // The language is negotiated once: for the error pages dressed below, and for the page
    // extractor (`web::page::Page`), which reads it from here.
    let lang = Lang::from_headers(request.headers());
    request.extensions_mut().insert(CurrentTenant(tenant.clone()));
    request.extensions_mut().insert(origin);
    request.extensions_mut().insert(lang);

    let path = request.uri().path().to_owned();
    let Ok(response) = inner.call(request).await;
    // Page handlers return a bare status with an ErrorPage marker: dress it here.
    let mut response = match response.extensions().get::<ErrorPage>().copied() {
        Some(page) if !api => error_page_response(lang, Some(&tenant), &path, page),
        _ => response,
    };
    // The request envelope labels logs, spans and metrics with the space.
    response.extensions_mut().insert(CurrentTenant(tenant));
    response
}
