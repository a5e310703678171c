//! The background jobs, started together wherever they run (inside `serve` by default, or in
//! `ecoute worker` when web pods run with `ECOUTE_BACKGROUND_JOBS=off`), so that a deployment
//! runs each of them exactly where it expects:
//!
//! - [`crate::mail::worker`]: sends queued mail, unless `ECOUTE_MAIL_SENDING=off` (mail then
//!   stays queued, and the other jobs go on);
//! - [`crate::metering::rollup`]: folds usage events into days (each minute), and samples mail
//!   queues for the metrics;
//! - [`crate::analysis::job::sweep`]: analysis runs nobody is waiting for, and runs whose worker
//!   died (each minute);
//! - [`crate::workshops::retention`]: expires unanswered workshop invitations, sends reminders,
//!   purges volunteers' profiles past their retention period (every ten minutes);
//! - [`crate::accounts::retention`]: erases sign-in requests and sent mail past the periods set
//!   by `ECOUTE_RETENTION_*` (every ten minutes).
//!
//! Each one is safe to run in several processes at once (claims with `SKIP LOCKED`, or
//! statements that count or move each row once).

use anyhow::Context;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::db::Database;
use crate::mail::worker::MailWorker;
use crate::tenancy::TenantDb;

/// Starts the mail worker unless mail sending is off; it stops when `stop` is cancelled.
pub fn mail_worker(
    pool: &PgPool,
    settings: &Settings,
    stop: &CancellationToken,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    if !settings.mail_sending {
        tracing::info!("mail sending is off (ECOUTE_MAIL_SENDING): mail stays queued");
        return Ok(None);
    }
    let worker = MailWorker::from_settings(pool.clone(), settings)?;
    tracing::info!(
        connections = settings.mail_connections,
        per_minute = ?settings.mail_per_minute,
        smtp = settings.smtp_url.as_ref().map(|url| crate::config::redact_url(url.expose_secret())),
        "mail worker running"
    );
    Ok(Some(tokio::spawn(worker.run(stop.child_token()))))
}

/// Starts every background job but mail; they stop when `stop` is cancelled.
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
    tokio::spawn(crate::accounts::retention::run(
        TenantDb::new(pool.clone()),
        settings.retention,
        stop.child_token(),
    ));
}

/// `ecoute worker`: the background jobs without a web server, until `shutdown`.
pub async fn run_standalone(
    settings: &Settings,
    db: &Database,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let pool = db.connect_app(8).await?;
    let stop = CancellationToken::new();
    let running = mail_worker(&pool, settings, &stop)?;
    spawn_all(&pool, settings, &stop);
    shutdown.await;
    stop.cancel();
    if let Some(running) = running {
        running.await.context("mail worker ended abnormally")?;
    }
    pool.close().await;
    Ok(())
}
