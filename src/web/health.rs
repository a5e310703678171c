//! Probes for orchestrators. They answer on any host, without tenant resolution.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::Ground;

/// `GET /healthz`: the process is alive.
pub async fn live() -> impl IntoResponse {
    (StatusCode::OK, "ok")
}

/// How long `/readyz` waits for the database: orchestrators' probes time out at 1 s by
/// default, and a late "ready" is worth less than a prompt "not ready".
const READY_WITHIN: std::time::Duration = std::time::Duration::from_millis(800);

/// `GET /readyz`: the database answers, so this instance can take traffic.
pub async fn ready(State(state): State<Ground>) -> impl IntoResponse {
    match tokio::time::timeout(READY_WITHIN, state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: database error");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database timeout"),
    }
}
