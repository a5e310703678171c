//! The `openidconnect` crate's HTTP calls, made by reqwest (already built for the OTLP exporter):
//! no second HTTP stack. Redirects are not followed (a provider's endpoint answers itself), and
//! every call has a timeout.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

/// How long one call to a provider may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Http(reqwest::Client);

#[derive(Debug, thiserror::Error)]
#[error("call to the OpenID provider failed: {0}")]
pub struct HttpError(String);

impl Http {
    pub fn new() -> anyhow::Result<Self> {
        // rustls on ring, for the whole process (sqlx's rustls is on ring too); a provider
        // already installed is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(CALL_TIMEOUT)
            .user_agent("ecoute")
            .build()?;
        Ok(Http(client))
    }
}

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(|e| HttpError(e.to_string()))?;
            let response = self.0.execute(request).await.map_err(|e| HttpError(e.to_string()))?;
            let mut answer = openidconnect::http::Response::builder().status(response.status());
            if let Some(headers) = answer.headers_mut() {
                *headers = response.headers().clone();
            }
            let body = response.bytes().await.map_err(|e| HttpError(e.to_string()))?;
            answer.body(body.to_vec()).map_err(|e| HttpError(e.to_string()))
        })
    }
}
