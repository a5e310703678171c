//! `ecoute-bench`: load and query-count benchmark of a local space, on loopback.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target cargo run --release --bin ecoute-bench -- [--duration 10]
//! ```
//!
//! What it does, in one process, against a fresh database it creates and drops:
//!
//! 1. **Setup.** `DATABASE_URL` if set, else the embedded cluster; a new database
//!    `ecoute_bench_<pid>` migrated and synced from `tenants/`; in `gironde`, a campaign with
//!    1,000 published ideas, one with 10, and an empty one for submissions; accounts with a
//!    session each (likers and submitters), inserted as the owner inside the tenant's context.
//!    The application is built with [`Application::build`] (the production path: application
//!    role, RLS, background tasks, every layer) and served on `127.0.0.1:0`. A plain axum server
//!    on another port returns, for any path, the very bytes of the rendered campaign page: the
//!    static ceiling, same body size, same process, same runtime.
//! 2. **Pages vs static.** `wrk` (if installed, else the in-process client) with 64
//!    keep-alive connections, anonymous, on four targets in turn: the plain axum server, the
//!    application's tiny static file `/static/favicon.svg` (the ceiling the goals are set
//!    against), the campaign page, and the page of an idea with 20 comments. Throughput,
//!    p50/p99 latency, and the CPU time of the servers (this process) and of wrk per request.
//!    The four alternate over `--rounds` (5); each ratio is reported as the median of the
//!    rounds with its spread: on 2 vCPUs shared with wrk, one round can lose a tenth of its
//!    throughput to the machine.
//! 3. **SQL statements per page.** A second instance of the application connects to PostgreSQL
//!    through the counting proxy of `crates/pg-wire-count` (a Unix socket in a temporary
//!    folder) that parses the frontend protocol and counts what really reaches the server: simple `Query` messages plus extended
//!    `Execute` messages (statements), and `Sync` + `Query` (round trips). Pages are fetched one
//!    at a time and each one's count is the difference around it, for 10 and 1,000 ideas,
//!    anonymous and signed in. `pg_stat_statements` needs `shared_preload_libraries` (a restart),
//!    and sqlx's statement log misses `BEGIN` and pool pings, hence the wire.
//! 4. **Likes, then idea submissions, under load** through the JSON API, with the in-process
//!    HTTP/1.1 keep-alive client (`ecoute_bench::http`, on hyper) (64 connections, distinct session cookies and bodies per
//!    request). Afterwards the rows in the database must be exactly the acknowledged (2xx)
//!    requests: same (idea, account) pairs for likes, same ids for ideas, and the trigger-kept
//!    `like_count` must add up.
//!
//! The speed targets are reported, not asserted. The exit status is 1 when a correctness check
//! fails (rows ≠ acknowledgements, or statements per page depending on the number of ideas),
//! 2 when the benchmark itself could not run.

use ecoute_bench::databases;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use ecoute::config::Settings;
use ecoute::db::Database;
use ecoute::startup::Application;
use ecoute::tokens::{hash_token, new_token};
use sqlx::PgPool;
use sqlx::postgres::PgSslMode;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use uuid::Uuid;

mod counts;
mod load;
mod report;
mod seed;
mod throughput;
mod writes;

use counts::*;
use ecoute_bench::http::{HttpConn, Req};
use load::*;
use report::*;
use seed::*;
use throughput::*;
use writes::*;

const TENANT: &str = "gironde";
const BIG: &str = "bench-1000";
const SMALL: &str = "bench-10";
const SUBMISSIONS: &str = "bench-submissions";
/// Writes allowed per client IP and minute during the run: the limiter stays on the request
/// path, but every request of the benchmark comes from 127.0.0.1.
const WRITE_LIMIT: &str = "4000000000";

#[derive(Parser)]
#[command(
    name = "ecoute-bench",
    about = "Campaign page, SQL statements per page, likes and ideas under load"
)]
struct Args {
    /// Seconds per load phase (at most 20).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=20))]
    duration: u64,
    /// Rounds of the page comparison: static then page, alternated, each `duration` long. The
    /// ratio is reported per round and as the median (2 vCPUs shared with the load generator
    /// make one round noisy).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=9))]
    rounds: u64,
    /// Concurrent keep-alive connections of the load phases.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Ideas in the big campaign (the page under load, and what is liked).
    #[arg(long, default_value_t = 1000)]
    ideas: i64,
    /// Ideas in the small campaign (statements per page are compared with the big one).
    #[arg(long, default_value_t = 10)]
    small_ideas: i64,
    /// Accounts with a session (likers and submitters). One like per account and idea.
    #[arg(long, default_value_t = 256)]
    accounts: usize,
    /// Sequential page requests per statement count.
    #[arg(long, default_value_t = 50)]
    count_requests: usize,
    /// Load generator of the GET comparison.
    #[arg(long, value_enum, default_value_t = GetClient::Auto)]
    get_client: GetClient,
    /// Do not format the production JSON request logs (to a sink) during the run.
    #[arg(long)]
    no_request_logs: bool,
    /// Keep the benchmark database afterwards (its name is printed), to look at it.
    #[arg(long)]
    keep_database: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GetClient {
    /// wrk when found on PATH, else the in-process client.
    Auto,
    Wrk,
    Own,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if std::env::var_os("ECOUTE_WRITE_LIMIT_PER_MINUTE").is_none() {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("ECOUTE_WRITE_LIMIT_PER_MINUTE", WRITE_LIMIT) };
    }
    init_tracing(!args.no_request_logs);
    databases::run_to_exit(run(args))
}

/// The production subscriber's JSON request log (same filter and format), written to a sink so
/// its cost is paid; errors of the application on stderr (`RUST_LOG` overrides, default `error`).
fn init_tracing(request_logs: bool) {
    let production = request_logs.then(|| {
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_writer(std::io::sink)
            .with_filter(tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"))
    });
    let stderr_filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error"));
    let stderr = tracing_subscriber::fmt::layer()
        .compact()
        .with_writer(std::io::stderr)
        .with_filter(stderr_filter);
    let _ = tracing_subscriber::registry().with(production).with(stderr).try_init();
}

async fn run(args: Args) -> anyhow::Result<bool> {
    if args.accounts == 0 || args.ideas < 1 || args.small_ideas < 0 || args.connections == 0 {
        bail!("--accounts, --ideas and --connections must be at least 1");
    }
    let settings = Settings::load(None, &ecoute::config::Flags::default())?;
    let base = Database::open(&settings).await?;
    let (admin, name) = databases::create_database(&base.owner, "ecoute_bench_").await?;
    let outcome = bench(&args, &settings, &base, &name).await;
    databases::finish_database(admin, &name, args.keep_database, "ecoute_benchkept_").await?;
    drop(base);
    outcome
}

/// Everything tied to the seeded data.
struct Seed {
    tenant: Uuid,
    big: Uuid,
    submissions: Uuid,
    big_ideas: Vec<Uuid>,
    /// (account id, session token, visitor cookie), one per liker/submitter.
    people: Vec<(Uuid, String, String)>,
}

/// What the run is measured on: the machine, the database and its settings, the load.
fn print_setup(args: &Args, settings: &Settings, context: &ServerContext, use_wrk: bool, started: Instant) {
    println!(
        "ecoute-bench: {} CPUs, {}; database {} (fsync={}, synchronous_commit={}, shared_buffers={}); setup {:.1} s",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        context.version,
        if settings.database_url.is_some() {
            "from DATABASE_URL"
        } else {
            "embedded cluster"
        },
        context.fsync,
        context.synchronous_commit,
        context.shared_buffers,
        started.elapsed().as_secs_f64()
    );
    println!(
        "load: {} connections from loopback, {} s per phase; GET by {}, POST by the in-process HTTP/1.1 keep-alive client; \
         request logs {}",
        args.connections,
        args.duration,
        if use_wrk { "wrk -t2" } else { "the in-process client" },
        if args.no_request_logs {
            "off"
        } else {
            "formatted as in production (JSON) to a sink"
        }
    );
    println!();
}

async fn bench(args: &Args, settings: &Settings, base: &Database, name: &str) -> anyhow::Result<bool> {
    let started = Instant::now();
    // The benchmark database, as owner and as the application role (same options otherwise).
    let (db, owner) = databases::prepare(settings, base, name).await?;
    let host = format!("{TENANT}.{}", settings.base_domain);
    let seed = seed(&owner, args).await?;
    let context = server_context(&owner).await?;

    let stop = CancellationToken::new();
    let app = Application::build(settings, &db, "127.0.0.1:0".parse()?).await?;
    let app_addr = app.local_addr();
    let app_task = tokio::spawn(app.run_until(stop.clone().cancelled_owned()));

    // The rendered page, served as is by the static server.
    let visitor = new_token();
    let page_path = format!("/consultations/{BIG}");
    let page_request = Req::page(&page_path, &host, &format!("ecoute_visiteur={visitor}"));
    let first = HttpConn::new(app_addr).send(&page_request).await?;
    if first.status != 200 {
        bail!(
            "GET {page_path} answered {}: {}",
            first.status,
            String::from_utf8_lossy(&first.body)
        );
    }
    let page_bytes = first.body.len();
    let static_addr = serve_static(first.body.to_vec(), stop.clone()).await?;

    let use_wrk = match args.get_client {
        GetClient::Own => false,
        GetClient::Wrk => true,
        GetClient::Auto => which("wrk").is_some(),
    };
    let mut out = Report::default();
    print_setup(args, settings, &context, use_wrk, started);

    // 1. Statements per page, on a second instance behind the counting proxy.
    let counts = count_statements(args, settings, &db, &host, &seed).await?;
    out.print_counts(&counts, args);

    // 2. The campaign page and an idea's page against the static ceilings, alternated.
    let cookie = format!("ecoute_visiteur={visitor}");
    let idea_path = format!("/consultations/{BIG}/idees/{}", seed.big_ideas[0]);
    let targets = [
        (static_addr, page_path.clone()),
        (app_addr, "/static/favicon.svg".to_owned()),
        (app_addr, page_path.clone()),
        (app_addr, idea_path),
    ];
    let rounds = page_rounds(args, use_wrk, &targets, &host, &cookie).await?;
    let duration = Duration::from_secs(args.duration);
    out.print_pages(&rounds, page_bytes, seed.big_ideas.len());

    // 3. Likes: every (idea, account) pair at most once, in a scattered order.
    let likes = run_likes(args, app_addr, &host, &seed, duration).await;
    let like_check = check_likes(&owner, &seed, &likes).await?;
    out.print_writes(
        "Likes (POST /api/v1/ideas/{id}/like)",
        &likes,
        5000.0,
        "likes/s",
        &like_check,
    );

    // 4. Idea submissions.
    let ideas = run_ideas(args, app_addr, &host, &seed, duration).await;
    let idea_check = check_ideas(&owner, &seed, &ideas).await?;
    out.print_writes(
        &format!("Idea submissions (POST /api/v1/campaigns/{SUBMISSIONS}/ideas)"),
        &ideas,
        2000.0,
        "ideas/s",
        &idea_check,
    );

    stop.cancel();
    let _ = app_task.await;
    owner.close().await;
    Ok(out.finish())
}

/// The GET comparison: each target warmed up, then measured in turn, `args.rounds` times.
async fn page_rounds(
    args: &Args,
    use_wrk: bool,
    targets: &[(SocketAddr, String)],
    host: &str,
    cookie: &str,
) -> anyhow::Result<Vec<Round>> {
    let duration = Duration::from_secs(args.duration);
    let warmup = Duration::from_secs(2);
    let get = |(addr, path): &(SocketAddr, String), d: Duration| {
        let (addr, path, host, cookie) = (*addr, path.clone(), host.to_owned(), cookie.to_owned());
        async move {
            if use_wrk {
                run_wrk(addr, &path, &host, &cookie, args.connections, d).await
            } else {
                let request = Req::page(&path, &host, &cookie);
                Ok(GetResult::from(
                    run_load(Load::fixed(addr, args.connections, d, request)).await,
                ))
            }
        }
    };
    for target in targets {
        get(target, warmup).await?;
    }
    let mut rounds = Vec::new();
    for _ in 0..args.rounds {
        let mut round = Vec::new();
        for target in targets {
            round.push(measured(get(target, duration)).await?);
        }
        rounds.push(Round::try_from(round).map_err(|_| anyhow::anyhow!("four results per round"))?);
    }
    Ok(rounds)
}
