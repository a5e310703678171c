//! The background jobs besides the mail worker, started together wherever the worker runs
//! (inside `serve` by default, or in `ecoute worker` when web pods run with
//! `ECOUTE_MAIL_WORKER=off`), so that a deployment runs each of them exactly where it expects:
//!
//! - [`crate::metering::rollup`]: folds usage events into days (each minute), and samples mail
//!   queues for the metrics;
//! - [`crate::analysis::job::sweep`]: analysis runs nobody is waiting for, and runs whose worker
//!   died (each minute);
//! - [`crate::workshops::retention`]: expires unanswered workshop invitations, sends reminders,
//!   purges volunteers' profiles past their retention period (every ten minutes).
//!
//! Each one is safe to run in several processes at once (claims with `SKIP LOCKED`, or
//! statements that count or move each row once).

use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::tenancy::TenantDb;

/// Starts every background job; they stop when `stop` is cancelled.
pub fn spawn_all(pool: &PgPool, settings: &Settings, stop: &CancellationToken) {
    tokio::spawn(crate::metering::rollup::run(
        TenantDb::new(pool.clone()),
        stop.child_token(),
    ));
    tokio::spawn(crate::analysis::job::sweep(
        TenantDb::new(pool.clone()),
        stop.child_token(),
    ));
    tokio::spawn(crate::workshops::retention::run(
        TenantDb::new(pool.clone()),
        crate::workshops::retention::Links {
            link_base: settings.mail_link_base.clone(),
            base_domain: settings.base_domain.clone(),
        },
        stop.child_token(),
    ));
}
