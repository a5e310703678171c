//! `ecoute-mail-bench`: how fast the mail worker delivers a large invitation, and whether any
//! mail is lost or duplicated on the way.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target cargo run --release --bin ecoute-mail-bench -- [--mails 100000]
//! ```
//!
//! In one process, against a fresh database it creates and drops (`DATABASE_URL` if set, else
//! the embedded cluster): migrate, sync `tenants/`, then in `gironde` queue the invitations with
//! the bulk API (one `INSERT … SELECT FROM unnest`, as the application role), start an SMTP
//! sink on loopback that counts messages per Message-ID, start the worker(s) as production
//! builds them, and wait until every mail is received and marked sent.
//!
//! Reported: time to queue, time until the sink has every mail, time until the database says
//! so, mails per second, *lost* (queued, never received), *duplicated* (a Message-ID received
//! more than once). Timings are reported, not asserted; the exit status is 1 when a mail is lost
//! or duplicated, 2 when the benchmark could not run.

use ecoute_bench::databases;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Parser;
use ecoute::config::Settings;
use ecoute::db::Database;
use ecoute::mail::status::{self, Filter};
use ecoute::mail::worker::{MailWorker, Transport, WorkerOptions};
use ecoute::mail::{MailContent, MailKind, queue_bulk};
use ecoute::tenancy::{TenantDb, TenantId};
use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

mod sink;

use sink::*;

const TENANT: &str = "gironde";

#[derive(Parser)]
#[command(
    name = "ecoute-mail-bench",
    about = "Delivery of a bulk invitation through the mail worker"
)]
struct Args {
    /// Invitations to queue and deliver.
    #[arg(long, default_value_t = 100_000)]
    mails: usize,
    /// Parallel SMTP connections per worker.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Mails claimed at once.
    #[arg(long, default_value_t = 256)]
    batch: usize,
    /// Worker instances (each with its own connections), as several pods would run.
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// Per-space limit (mails per minute); none by default, so the figure is the worker's own.
    #[arg(long)]
    per_minute: Option<u32>,
    /// Give up waiting after this many seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Keep the benchmark database afterwards (its name is printed), to look at it.
    #[arg(long)]
    keep_database: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    databases::run_to_exit(run(args))
}

async fn run(args: Args) -> anyhow::Result<bool> {
    if args.mails == 0 || args.connections == 0 || args.batch == 0 || args.workers == 0 {
        bail!("--mails, --connections, --batch and --workers must be at least 1");
    }
    let settings = Settings::load(None, &ecoute::config::Flags::default())?;
    let base = Database::open(&settings).await?;
    let (admin, name) = databases::create_database(&base.owner, "ecoute_mailbench_").await?;
    let outcome = bench(&args, &settings, &base, &name).await;
    databases::finish_database(admin, &name, args.keep_database, "ecoute_mailbenchkept_").await?;
    drop(base);
    outcome
}

async fn bench(args: &Args, settings: &Settings, base: &Database, name: &str) -> anyhow::Result<bool> {
    let started = Instant::now();
    let (db, owner) = databases::prepare(settings, base, name).await?;
    let tenant: TenantId = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1")
        .bind(TENANT)
        .fetch_one(&owner)
        .await?;
    let campaign = insert_campaign(&owner, tenant.uuid()).await?;
    let context = server_context(&owner).await?;
    let pool = db.connect_app(16).await?;
    println!(
        "ecoute-mail-bench: {} CPUs, {}; database {} (fsync={}, synchronous_commit={}, shared_buffers={}); setup {:.1} s",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        context.0,
        if settings.database_url.is_some() {
            "from DATABASE_URL"
        } else {
            "embedded cluster"
        },
        context.1,
        context.2,
        context.3,
        started.elapsed().as_secs_f64()
    );

    // 1. Queue, as a console would: one transaction, one statement.
    let tenant_db = TenantDb::new(pool.clone());
    let (queued, queue_time) = queue_invitations(&tenant_db, tenant, campaign, args.mails).await?;
    println!(
        "queued {} invitations in {:.2} s (bulk API, one statement)",
        queued.queued,
        queue_time.as_secs_f64()
    );
    sqlx::query("ANALYZE").execute(&owner).await?;

    // 2. The sink, then the worker(s).
    let sink = Sink::start().await?;
    let options = WorkerOptions {
        per_minute: args.per_minute,
        connections: args.connections,
        batch: args.batch,
        lease: Duration::from_secs(settings.mail_lease_seconds),
        link_base: "https://{host}".into(),
        base_domain: "caf-ecoute.fr".into(),
        sweep_every: Duration::from_secs(30),
    };
    let stop = CancellationToken::new();
    let sending_at = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.workers {
        let transport = Transport::from_settings(
            Some(&format!("smtp://127.0.0.1:{}", sink.port)),
            "Cnaf <ne-pas-repondre@caf-ecoute.fr>",
        )?;
        let worker = MailWorker::with_options(pool.clone(), transport, options.clone());
        workers.push(tokio::spawn(worker.run(stop.clone())));
    }
    println!(
        "{} worker(s) × {} SMTP connections, claims of {}, per-space rate {}",
        args.workers,
        args.connections,
        args.batch,
        args.per_minute
            .map_or_else(|| "unlimited".to_owned(), |n| format!("{n}/min"))
    );

    // 3. Wait: every mail at the sink, then every mail marked sent.
    let expected = queued.queued;
    let deadline = sending_at + Duration::from_secs(args.timeout);
    let (received_all, recorded_all) = wait_for_all(&sink, &tenant_db, tenant, expected, sending_at, deadline).await?;
    // A moment more, so a late duplicate would be seen.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.cancel();
    for worker in workers {
        worker.await.ok();
    }
    let counts = counts(&tenant_db, tenant).await?;
    let (distinct, total) = (sink.distinct(), sink.total());
    let lost = expected.saturating_sub(distinct);
    let duplicated = total - distinct;
    let delivery = received_all.unwrap_or_else(|| sending_at.elapsed());
    print_outcome(
        args,
        expected,
        received_all,
        recorded_all,
        distinct as f64 / delivery.as_secs_f64(),
        (lost, duplicated),
        &counts,
    );
    pool.close().await;
    owner.close().await;
    Ok(lost == 0 && duplicated == 0)
}

/// The figures: when everything arrived and was recorded, throughput, losses and duplicates,
/// and what the database says.
fn print_outcome(
    args: &Args,
    expected: u64,
    received_all: Option<Duration>,
    recorded_all: Option<Duration>,
    throughput: f64,
    (lost, duplicated): (u64, u64),
    counts: &status::Counts,
) {
    println!();
    println!("mails:              {expected}");
    println!(
        "all received in:    {}",
        received_all.map_or_else(
            || format!("not within {} s", args.timeout),
            |d| format!("{:.2} s", d.as_secs_f64())
        )
    );
    println!(
        "all marked sent in: {}",
        recorded_all.map_or_else(|| "no".to_owned(), |d| format!("{:.2} s", d.as_secs_f64()))
    );
    println!("throughput:         {:.0} mails/s", throughput);
    println!("lost:               {lost}");
    println!("duplicated:         {duplicated}");
    println!(
        "database:           sent {}, queued {}, sending {}, failed {}, uncertain {}",
        counts.sent, counts.queued, counts.sending, counts.failed, counts.uncertain
    );
}

/// Queues `mails` invitations as a console would: one transaction, one statement.
async fn queue_invitations(
    tenant_db: &TenantDb,
    tenant: TenantId,
    campaign: Uuid,
    mails: usize,
) -> anyhow::Result<(ecoute::mail::BulkQueued, Duration)> {
    let addresses: Vec<String> = (0..mails).map(|i| format!("personne-{i}@bench.example")).collect();
    let queued_at = Instant::now();
    let mut tx = tenant_db.begin_in(tenant).await?;
    let queued = queue_bulk(
        &mut tx,
        &addresses,
        &MailContent {
            kind: MailKind::Invitation,
            subject: "Votre avis compte : la consultation sur l’accueil est ouverte",
            text: "Bonjour,\n\nLa Caf de la Gironde vous invite à donner votre avis sur l’accueil dans ses agences \
                   et au téléphone. Cela prend cinq minutes :\n\nhttps://gironde.caf-ecoute.fr/consultations/accueil\n\n\
                   Vos réponses sont lues par nos équipes, et nous vous dirons ce qu’elles sont devenues.\n\n\
                   La Caf de la Gironde",
            campaign: Some(campaign),
            attachment: None,
            lang: ecoute::web::i18n::Lang::Fr,
        },
    )
    .await?;
    tx.commit().await?;
    let queue_time = queued_at.elapsed();
    Ok((queued, queue_time))
}

/// Waits until every mail reached the sink, then until every one is marked sent (or the
/// deadline), printing progress every 5 s: (all received after, all recorded after).
async fn wait_for_all(
    sink: &Sink,
    tenant_db: &TenantDb,
    tenant: TenantId,
    expected: u64,
    sending_at: Instant,
    deadline: Instant,
) -> anyhow::Result<(Option<Duration>, Option<Duration>)> {
    let mut last_report = Instant::now();
    let mut received_all = None;
    let mut recorded_all = None;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let distinct = sink.distinct();
        if received_all.is_none() && distinct >= expected {
            received_all = Some(sending_at.elapsed());
        }
        if received_all.is_some() || last_report.elapsed() >= Duration::from_secs(5) {
            let counts = counts(tenant_db, tenant).await?;
            if last_report.elapsed() >= Duration::from_secs(5) {
                println!(
                    "  {:>5.1} s: {distinct} received, {} sent, {} sending, {} queued",
                    sending_at.elapsed().as_secs_f64(),
                    counts.sent,
                    counts.sending,
                    counts.queued
                );
                last_report = Instant::now();
            }
            if received_all.is_some() && counts.sent as u64 >= expected {
                recorded_all = Some(sending_at.elapsed());
                break;
            }
        }
    }
    Ok((received_all, recorded_all))
}

async fn counts(db: &TenantDb, tenant: TenantId) -> anyhow::Result<status::Counts> {
    let mut tx = db.begin_in(tenant).await?;
    Ok(status::counts(&mut tx, &Filter::default()).await?)
}

/// A published campaign the invitations are about (as the owner, in the tenant's context).
async fn insert_campaign(owner: &PgPool, tenant: Uuid) -> anyhow::Result<Uuid> {
    let mut tx = owner.begin().await?;
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await?;
    let id = sqlx::query_scalar(
        "INSERT INTO campaigns (tenant_id, slug, scope, title, summary, opens_at, closes_at, published_at)
         VALUES ($1, 'accueil', 'local', 'L’accueil à la Caf', 'résumé', now(), now() + interval '30 days', now())
         RETURNING id",
    )
    .bind(tenant)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// PostgreSQL version, fsync, synchronous_commit, shared_buffers.
async fn server_context(owner: &PgPool) -> anyhow::Result<(String, String, String, String)> {
    let show = |setting: &'static str| async move {
        sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!("SHOW {setting}")))
            .fetch_one(owner)
            .await
    };
    let version: String = sqlx::query_scalar("SELECT split_part(version(), ' on ', 1)")
        .fetch_one(owner)
        .await?;
    Ok((
        version,
        show("fsync").await?,
        show("synchronous_commit").await?,
        show("shared_buffers").await?,
    ))
}
