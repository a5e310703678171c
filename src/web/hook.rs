//! Middleware made of two plain functions, for the layers that never wait: one looks at the
//! request (and may answer it at once), the other finishes the response. The visitor cookie,
//! the write limit and the security headers are such layers.
//!
//! Why not `axum::middleware::from_fn`: it clones the inner service (a boxed route, so an
//! allocation and a copy of its state) and boxes a future on every request. On a cached
//! campaign page that was about 0.9 µs per layer, a twentieth of the whole request (see
//! docs/architecture.md, "Caches and the hot paths"). A [`Hook`] calls the inner service in
//! place and allocates nothing. Tenant resolution waits on its cache, so it is a service of its
//! own (`web::spaces::ResolveTenantLayer`: one clone, one boxed future).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::extract::Request;
use axum::response::Response;
use tower::{Layer, Service};

/// What a synchronous layer does.
pub trait Hook: Clone + Send + Sync + 'static {
    /// What [`Hook::before`] hands to [`Hook::after`].
    type Carry: Send + 'static;
    /// Looks at (and may change) the request: `Ok` lets it through, `Err` answers at once
    /// (boxed: the refusal is the rare path).
    fn before(&self, request: &mut Request) -> Result<Self::Carry, Box<Response>>;
    /// Finishes the response of a request that went through.
    fn after(carry: Self::Carry, response: &mut Response);
}

/// The layer of a [`Hook`].
#[derive(Clone)]
pub struct HookLayer<H>(pub H);

impl<H: Hook, S> Layer<S> for HookLayer<H> {
    type Service = HookService<H, S>;
    fn layer(&self, inner: S) -> Self::Service {
        HookService {
            hook: self.0.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
pub struct HookService<H, S> {
    hook: H,
    inner: S,
}

impl<H, S> Service<Request> for HookService<H, S>
where
    H: Hook,
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = HookFuture<H::Carry, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        match self.hook.before(&mut request) {
            Ok(carry) => HookFuture::Inner {
                future: self.inner.call(request),
                finish: Some((carry, H::after)),
            },
            Err(response) => HookFuture::Answered {
                response: Some(*response),
            },
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's future, then [`Hook::after`]; or the answer of [`Hook::before`].
    #[project = HookFutureProjection]
    pub enum HookFuture<C, F> {
        Inner {
            #[pin]
            future: F,
            finish: Option<(C, fn(C, &mut Response))>,
        },
        Answered {
            response: Option<Response>,
        },
    }
}

impl<C, F> Future for HookFuture<C, F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            HookFutureProjection::Inner { future, finish } => {
                let Ok(mut response) = ready!(future.poll(cx));
                if let Some((carry, after)) = finish.take() {
                    after(carry, &mut response);
                }
                Poll::Ready(Ok(response))
            }
            HookFutureProjection::Answered { response } => {
                Poll::Ready(Ok(response.take().expect("a hook's answer is taken once")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{HeaderValue, StatusCode};
    use tower::ServiceExt;

    /// Refuses requests without `x-pass`, and stamps the others' responses with what it saw.
    #[derive(Clone)]
    struct Gate;

    impl Hook for Gate {
        type Carry = HeaderValue;
        fn before(&self, request: &mut Request) -> Result<HeaderValue, Box<Response>> {
            let seen = request.headers().get("x-pass").cloned().ok_or_else(|| {
                let mut refused = Response::new(Body::empty());
                *refused.status_mut() = StatusCode::FORBIDDEN;
                Box::new(refused)
            })?;
            request
                .headers_mut()
                .insert("x-gate", HeaderValue::from_static("passed"));
            Ok(seen)
        }
        fn after(seen: HeaderValue, response: &mut Response) {
            response.headers_mut().insert("x-seen", seen);
        }
    }

    #[tokio::test]
    async fn before_may_answer_or_change_the_request_and_after_finishes_the_response() {
        let inner = tower::service_fn(|request: Request| async move {
            // The inner service sees what `before` changed.
            let gate = request.headers().get("x-gate").cloned();
            let mut response = Response::new(Body::empty());
            if let Some(gate) = gate {
                response.headers_mut().insert("x-inner-saw", gate);
            }
            Ok::<_, Infallible>(response)
        });
        let service = HookLayer(Gate).layer(inner);

        let refused = service.clone().oneshot(Request::new(Body::empty())).await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert!(refused.headers().get("x-seen").is_none());

        let mut request = Request::new(Body::empty());
        request.headers_mut().insert("x-pass", HeaderValue::from_static("yes"));
        let passed = service.oneshot(request).await.unwrap();
        assert_eq!(passed.status(), StatusCode::OK);
        assert_eq!(passed.headers()["x-inner-saw"], "passed");
        assert_eq!(passed.headers()["x-seen"], "yes");
    }
}
