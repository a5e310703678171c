//! Folds pending usage events into daily rows, space by space. Each space's fold is one
//! statement (`usage_rollup`): an event is either still pending or counted in its day, so
//! concurrent workers and crashes can neither lose nor double it.

use std::time::Duration;

use crate::tenancy::TenantDb;
use tokio_util::sync::CancellationToken;

/// How often the worker folds events.
pub const EVERY: Duration = Duration::from_secs(60);

/// Folds every space's pending events; returns how many events were folded.
#[tracing::instrument(name = "job.usage_rollup", target = "ecoute::jobs", skip_all, fields(otel.kind = "internal"))]
pub async fn run_once(db: &TenantDb) -> Result<i64, sqlx::Error> {
    let mut folded = 0;
    for (space, slug) in db.list_tenants().await? {
        let mut tx = db.begin_in(space).await?;
        let n: i64 = sqlx::query_scalar!(r#"SELECT usage_rollup($1) AS "rolled!""#, space.uuid())
            .fetch_one(&mut *tx)
            .await?;
        // The same visit samples the space's mail queue for the metrics.
        if crate::telemetry::metrics::enabled() {
            let queued: i64 = sqlx::query_scalar!(
                r#"SELECT count(*) AS "count!" FROM mail_outbox WHERE tenant_id = $1 AND status = 'queued'"#,
                space.uuid(),
            )
            .fetch_one(&mut *tx)
            .await?;
            crate::telemetry::metrics::mail_queue_depth(&slug, queued as u64);
        }
        tx.commit().await?;
        folded += n;
    }
    Ok(folded)
}

/// Folds events (and samples mail queues) at start, then every [`EVERY`], until cancelled.
pub async fn run(db: TenantDb, stop: CancellationToken) {
    let mut first = true;
    loop {
        let wait = if first { Duration::from_secs(1) } else { EVERY };
        first = false;
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        match run_once(&db).await {
            Ok(n) if n > 0 => tracing::debug!(events = n, "usage events folded"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "usage rollup failed; retried next round"),
        }
    }
}
