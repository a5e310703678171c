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
//! 2. **Campaign page vs static.** `wrk` (if installed, else the in-process client) with 64
//!    keep-alive connections: throughput of both, ratio, p50/p99 latency, and the CPU time of
//!    the servers (this process) and of wrk per request. Static and page alternate over
//!    `--rounds` (5) and the ratio reported is the median: on 2 vCPUs shared with wrk, one
//!    round can lose a tenth of its throughput to the machine.
//! 3. **SQL statements per page.** A second instance of the application connects to PostgreSQL
//!    through a counting proxy (a Unix socket in a temporary folder) that parses the frontend
//!    protocol and counts what really reaches the server: simple `Query` messages plus extended
//!    `Execute` messages (statements), and `Sync` + `Query` (round trips). Pages are fetched one
//!    at a time and each one's count is the difference around it, for 10 and 1,000 ideas,
//!    anonymous and signed in. `pg_stat_statements` needs `shared_preload_libraries` (a restart),
//!    and sqlx's statement log misses `BEGIN` and pool pings, hence the wire.
//! 4. **Likes, then idea submissions, under load** through the JSON API, with the in-process
//!    HTTP/1.1 keep-alive client (64 connections, distinct session cookies and bodies per
//!    request). Afterwards the rows in the database must be exactly the acknowledged (2xx)
//!    requests: same (idea, account) pairs for likes, same ids for ideas, and the trigger-kept
//!    `like_count` must add up.
//!
//! The speed targets are reported, not asserted. The exit status is 1 when a correctness check
//! fails (rows ≠ acknowledgements, or statements per page depending on the number of ideas),
//! 2 when the benchmark itself could not run.

#[path = "common/mod.rs"]
mod common;

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
use ecoute::tenancy::sync::{SyncMode, sync_tenants};
use ecoute::tokens::{hash_token, new_token};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixListener, UnixStream};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use uuid::Uuid;

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
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
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
    let name = format!("ecoute_bench_{}", std::process::id());
    let mut admin = PgConnection::connect_with(&base.owner)
        .await
        .context("cannot connect to PostgreSQL as the owner")?;
    common::drop_stale_databases(&mut admin, "ecoute_bench_").await?;
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .context("cannot create the benchmark database")?;
    let outcome = bench(&args, &settings, &base, &name).await;
    if args.keep_database {
        // Renamed, so that a later run does not take it for a stale one and drop it.
        let kept = format!("ecoute_benchkept_{}", std::process::id());
        sqlx::raw_sql(AssertSqlSafe(format!("ALTER DATABASE \"{name}\" RENAME TO \"{kept}\"")))
            .execute(&mut admin)
            .await?;
        println!("database kept: {kept} (drop it with DROP DATABASE \"{kept}\")");
    } else if let Err(e) = sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    {
        eprintln!("warning: could not drop database {name}: {e}");
    }
    admin.close().await.ok();
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

async fn bench(args: &Args, settings: &Settings, base: &Database, name: &str) -> anyhow::Result<bool> {
    let started = Instant::now();
    // The benchmark database, as owner and as the application role (same options otherwise).
    let mut db = Database::with_options(base.owner.clone().database(name), &base.app_role, None);
    db.app = base.app.clone().database(name);
    db.migrate().await?;
    let owner = db.connect_owner().await?;
    sync_tenants(&owner, &settings.tenants_dir, &settings.base_domain, SyncMode::Apply)
        .await
        .context("tenants sync")?;
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
    let page_request = get_request(&page_path, &host, &format!("ecoute_visiteur={visitor}"));
    let first = HttpConn::new(app_addr).send(&page_request).await?;
    if first.status != 200 {
        bail!(
            "GET {page_path} answered {}: {}",
            first.status,
            String::from_utf8_lossy(&first.body)
        );
    }
    let page_bytes = first.body.len();
    let static_addr = serve_static(first.body, stop.clone()).await?;

    let use_wrk = match args.get_client {
        GetClient::Own => false,
        GetClient::Wrk => true,
        GetClient::Auto => which("wrk").is_some(),
    };
    let mut out = Report::default();
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

    // 1. Statements per page, on a second instance behind the counting proxy.
    let counts = count_statements(args, settings, &db, &host, &seed).await?;
    out.print_counts(&counts, args);

    // 2. The campaign page against the static ceiling.
    let cookie = format!("ecoute_visiteur={visitor}");
    let duration = Duration::from_secs(args.duration);
    let warmup = Duration::from_secs(2);
    let get = |addr: SocketAddr, d: Duration| {
        let request = page_request.clone();
        let (path, host, cookie) = (page_path.clone(), host.clone(), cookie.clone());
        async move {
            if use_wrk {
                run_wrk(addr, &path, &host, &cookie, args.connections, d).await
            } else {
                Ok(GetResult::from(
                    run_load(Load::fixed(addr, args.connections, d, request)).await,
                ))
            }
        }
    };
    get(static_addr, warmup).await?;
    get(app_addr, warmup).await?;
    let mut rounds = Vec::new();
    for _ in 0..args.rounds {
        let ceiling = measured(get(static_addr, duration)).await?;
        let page = measured(get(app_addr, duration)).await?;
        rounds.push((ceiling, page));
    }
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

// ---------------------------------------------------------------------------------------------
// Seed data

async fn seed(owner: &PgPool, args: &Args) -> anyhow::Result<Seed> {
    let tenant: Uuid = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1")
        .bind(TENANT)
        .fetch_one(owner)
        .await
        .with_context(|| format!("no tenant `{TENANT}` after sync"))?;
    let author: Uuid = sqlx::query_scalar(
        "INSERT INTO accounts (email, pseudonym) VALUES ('auteur@bench.example', 'Autrice') RETURNING id",
    )
    .fetch_one(owner)
    .await?;
    let people = accounts_with_sessions(owner, tenant, args.accounts).await?;

    let mut tx = owner.begin().await?;
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await?;
    let mut campaigns = HashMap::new();
    for (slug, ideas) in [(BIG, args.ideas), (SMALL, args.small_ideas), (SUBMISSIONS, 0)] {
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO campaigns (tenant_id, slug, scope, title, summary, body_md, opens_at, closes_at, published_at)
             VALUES ($1, $2, 'local', $3, $4, $5, now() - interval '1 day', now() + interval '55 days', now())
             RETURNING id",
        )
        .bind(tenant)
        .bind(slug)
        .bind(format!("Consultation de charge ({slug})"))
        .bind("Comment améliorer l’accueil dans nos points de contact ?")
        .bind(CAMPAIGN_BODY)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, account_id, kind, title, body, status,
                                submission_key, created_at)
             SELECT $1, $2, $1, $3, (ARRAY['idee', 'attente', 'experience'])[1 + g % 3],
                    'Proposition n° ' || g || ' pour un meilleur accueil',
                    'Contribution numéro ' || g || ' : ' || repeat('des horaires plus larges le samedi matin, ', 8),
                    'published', gen_random_uuid(), now() - g * interval '1 minute'
               FROM generate_series(1, $4::int8) AS g",
        )
        .bind(tenant)
        .bind(id)
        .bind(author)
        .bind(ideas)
        .execute(&mut *tx)
        .await?;
        campaigns.insert(slug, id);
    }
    let big_ideas: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM ideas WHERE campaign_id = $1 ORDER BY created_at")
        .bind(campaigns[BIG])
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    // Planner statistics, as a live database would have them.
    sqlx::query("ANALYZE").execute(owner).await?;
    Ok(Seed {
        tenant,
        big: campaigns[BIG],
        submissions: campaigns[SUBMISSIONS],
        big_ideas,
        people,
    })
}

const CAMPAIGN_BODY: &str = "## Pourquoi cette consultation\n\nNous voulons savoir ce qui **facilite** \
    ou **complique** vos démarches à l’accueil de la Caf : horaires, prise de rendez-vous, attente, \
    confidentialité, accompagnement au numérique.\n\n## Comment participer\n\n- proposez une idée ;\n\
    - soutenez celles des autres ;\n- commentez pour préciser.\n\nLes équipes liront chaque contribution \
    et publieront une synthèse à la clôture.";

/// `n` accounts with one session each in `tenant`: (account id, session token, visitor id).
async fn accounts_with_sessions(owner: &PgPool, tenant: Uuid, n: usize) -> anyhow::Result<Vec<(Uuid, String, String)>> {
    let emails: Vec<String> = (0..n).map(|i| format!("personne-{i}@bench.example")).collect();
    let pseudonyms: Vec<String> = (0..n).map(|i| format!("Personne {i}")).collect();
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "INSERT INTO accounts (email, pseudonym) SELECT * FROM unnest($1::text[], $2::text[]) RETURNING id, email",
    )
    .bind(&emails)
    .bind(&pseudonyms)
    .fetch_all(owner)
    .await?;
    let by_email: HashMap<String, Uuid> = rows.into_iter().map(|(id, email)| (email, id)).collect();
    let ids: Vec<Uuid> = emails.iter().map(|e| by_email[e]).collect();
    let tokens: Vec<String> = (0..n).map(|_| new_token()).collect();
    let hashes: Vec<Vec<u8>> = tokens.iter().map(|t| hash_token(t)).collect();
    let mut tx = owner.begin().await?;
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sessions (tenant_id, id_hash, account_id, expires_at)
         SELECT $1, h, a, now() + interval '1 day' FROM unnest($2::bytea[], $3::uuid[]) AS t(h, a)",
    )
    .bind(tenant)
    .bind(&hashes)
    .bind(&ids)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(ids
        .into_iter()
        .zip(tokens)
        .map(|(id, token)| (id, token, new_token()))
        .collect())
}

struct ServerContext {
    version: String,
    fsync: String,
    synchronous_commit: String,
    shared_buffers: String,
}

async fn server_context(owner: &PgPool) -> anyhow::Result<ServerContext> {
    let version: String = sqlx::query_scalar("SELECT 'PostgreSQL ' || current_setting('server_version')")
        .fetch_one(owner)
        .await?;
    Ok(ServerContext {
        version,
        fsync: show(owner, "fsync").await?,
        synchronous_commit: show(owner, "synchronous_commit").await?,
        shared_buffers: show(owner, "shared_buffers").await?,
    })
}

async fn show(owner: &PgPool, setting: &str) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT current_setting($1)")
        .bind(setting)
        .fetch_one(owner)
        .await
}

// ---------------------------------------------------------------------------------------------
// The static ceiling

async fn serve_static(body: Vec<u8>, stop: CancellationToken) -> anyhow::Result<SocketAddr> {
    let body: &'static [u8] = Box::leak(body.into_boxed_slice());
    let router = axum::Router::new()
        .fallback(move || async move { ([(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")], body) });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(stop.cancelled_owned())
            .await
    });
    Ok(addr)
}

// ---------------------------------------------------------------------------------------------
// Statements per page: a counting proxy on the PostgreSQL wire

#[derive(Default)]
struct WireCount {
    /// `Query` (simple protocol) and `Execute` (extended protocol) messages.
    statements: AtomicU64,
    /// `Query` and `Sync` messages: each waits for the server's `ReadyForQuery`.
    round_trips: AtomicU64,
    /// `Parse` messages: statements prepared (sqlx caches them per connection).
    parses: AtomicU64,
}

impl WireCount {
    fn snapshot(&self) -> [u64; 3] {
        [
            self.statements.load(Ordering::SeqCst),
            self.round_trips.load(Ordering::SeqCst),
            self.parses.load(Ordering::SeqCst),
        ]
    }
}

/// Frontend message parser: only message types and lengths, bytes are passed through as is.
#[derive(Default)]
struct FrontendParser {
    started: bool,
    header: Vec<u8>,
    skip: usize,
}

impl FrontendParser {
    fn feed(&mut self, mut data: &[u8], count: &WireCount) {
        while !data.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(data.len());
                self.skip -= n;
                data = &data[n..];
                continue;
            }
            // Startup-phase messages have no type byte: length and a protocol code.
            let want = if self.started { 5 } else { 8 };
            let n = (want - self.header.len()).min(data.len());
            self.header.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.header.len() < want {
                continue;
            }
            if self.started {
                let len = u32::from_be_bytes(self.header[1..5].try_into().expect("4 bytes")) as usize;
                match self.header[0] {
                    b'Q' => {
                        count.statements.fetch_add(1, Ordering::SeqCst);
                        count.round_trips.fetch_add(1, Ordering::SeqCst);
                    }
                    b'E' => {
                        count.statements.fetch_add(1, Ordering::SeqCst);
                    }
                    b'S' => {
                        count.round_trips.fetch_add(1, Ordering::SeqCst);
                    }
                    b'P' => {
                        count.parses.fetch_add(1, Ordering::SeqCst);
                    }
                    _ => {}
                }
                self.skip = len.saturating_sub(4);
            } else {
                let len = u32::from_be_bytes(self.header[0..4].try_into().expect("4 bytes")) as usize;
                let code = u32::from_be_bytes(self.header[4..8].try_into().expect("4 bytes"));
                // SSLRequest and GSSENCRequest are followed by another startup message.
                self.started = !matches!(code, 80877103 | 80877104);
                self.skip = len.saturating_sub(8);
            }
            self.header.clear();
        }
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

enum Upstream {
    Unix(PathBuf),
    Tcp(String, u16),
}

impl Upstream {
    fn of(options: &PgConnectOptions) -> Self {
        let port = options.get_port();
        match options.get_socket() {
            Some(dir) => Upstream::Unix(dir.join(format!(".s.PGSQL.{port}"))),
            None if options.get_host().starts_with('/') => {
                Upstream::Unix(Path::new(options.get_host()).join(format!(".s.PGSQL.{port}")))
            }
            None => Upstream::Tcp(options.get_host().to_owned(), port),
        }
    }

    async fn connect(&self) -> std::io::Result<Box<dyn Io>> {
        Ok(match self {
            Upstream::Unix(path) => Box::new(UnixStream::connect(path).await?),
            Upstream::Tcp(host, port) => {
                let stream = TcpStream::connect((host.as_str(), *port)).await?;
                stream.set_nodelay(true)?;
                Box::new(stream)
            }
        })
    }
}

/// Listens on `<dir>/.s.PGSQL.<port>` and forwards to where `target` points, counting.
async fn start_proxy(target: &PgConnectOptions, stop: CancellationToken) -> anyhow::Result<(PathBuf, Arc<WireCount>)> {
    let dir = std::env::temp_dir().join(format!("ecoute-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let socket = dir.join(format!(".s.PGSQL.{}", target.get_port()));
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket).with_context(|| format!("cannot listen on {}", socket.display()))?;
    let upstream = Arc::new(Upstream::of(target));
    let count = Arc::new(WireCount::default());
    let counter = count.clone();
    tokio::spawn(async move {
        loop {
            let client = tokio::select! {
                _ = stop.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok((client, _)) => client,
                    Err(_) => continue,
                },
            };
            let (upstream, counter) = (upstream.clone(), counter.clone());
            tokio::spawn(async move {
                if let Ok(server) = upstream.connect().await {
                    let _ = pipe(client, server, &counter).await;
                }
            });
        }
    });
    Ok((dir, count))
}

async fn pipe(client: UnixStream, server: Box<dyn Io>, count: &WireCount) -> std::io::Result<()> {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = tokio::io::split(server);
    let down = tokio::spawn(async move { tokio::io::copy(&mut server_read, &mut client_write).await });
    let mut parser = FrontendParser::default();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = client_read.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        // Counted before the server can see it, so before any answer can come back.
        parser.feed(&buf[..n], count);
        server_write.write_all(&buf[..n]).await?;
    }
    let _ = server_write.shutdown().await;
    down.abort();
    Ok(())
}

/// Per-request counts for one page: statements, round trips and prepares per request.
struct PageCounts {
    label: String,
    statements: Vec<u64>,
    round_trips: Vec<u64>,
    parses: Vec<u64>,
}

impl PageCounts {
    fn min(v: &[u64]) -> u64 {
        v.iter().copied().min().unwrap_or(0)
    }
    fn max(v: &[u64]) -> u64 {
        v.iter().copied().max().unwrap_or(0)
    }
    fn mean(v: &[u64]) -> f64 {
        v.iter().sum::<u64>() as f64 / v.len().max(1) as f64
    }
}

async fn count_statements(
    args: &Args,
    settings: &Settings,
    db: &Database,
    host: &str,
    seed: &Seed,
) -> anyhow::Result<Vec<PageCounts>> {
    let stop = CancellationToken::new();
    let (dir, count) = start_proxy(&db.app, stop.clone()).await?;
    let mut counted = Database::with_options(db.owner.clone(), &db.app_role, None);
    counted.app = db.app.clone().socket(&dir).ssl_mode(PgSslMode::Disable);
    let app = Application::build(settings, &counted, "127.0.0.1:0".parse()?).await?;
    let addr = app.local_addr();
    let task = tokio::spawn(app.run_until(stop.clone().cancelled_owned()));

    let visitor = new_token();
    let (_, session, _) = &seed.people[0];
    let mut results = Vec::new();
    for (who, cookie) in [
        ("anonymous", format!("ecoute_visiteur={visitor}")),
        (
            "signed in",
            format!("ecoute_session={session}; ecoute_visiteur={visitor}"),
        ),
    ] {
        for (slug, ideas) in [(SMALL, args.small_ideas), (BIG, args.ideas)] {
            let request = get_request(&format!("/consultations/{slug}"), host, &cookie);
            let mut conn = HttpConn::new(addr);
            // Warm-up: tenant cache, prepared statements, pool connections.
            for _ in 0..5 {
                conn.send(&request).await?;
            }
            let mut page = PageCounts {
                label: format!("{who}, {ideas} ideas"),
                statements: Vec::new(),
                round_trips: Vec::new(),
                parses: Vec::new(),
            };
            for _ in 0..args.count_requests {
                let before = count.snapshot();
                let response = conn.send(&request).await?;
                let after = count.snapshot();
                if response.status != 200 {
                    bail!("GET /consultations/{slug} ({who}) answered {}", response.status);
                }
                page.statements.push(after[0] - before[0]);
                page.round_trips.push(after[1] - before[1]);
                page.parses.push(after[2] - before[2]);
            }
            results.push(page);
        }
    }
    stop.cancel();
    let _ = task.await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(results)
}

// ---------------------------------------------------------------------------------------------
// A small HTTP/1.1 keep-alive client

struct Response {
    status: u16,
    body: Vec<u8>,
}

struct HttpConn {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned())
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.reserve(16 * 1024);
    if stream.read_buf(buf).await? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// A complete chunked body at the start of `data`: (body, bytes used), or `None` if incomplete.
fn parse_chunked(data: &[u8]) -> std::io::Result<Option<(Vec<u8>, usize)>> {
    let mut pos = 0;
    let mut body = Vec::new();
    loop {
        let Some(line) = find(&data[pos..], b"\r\n") else {
            return Ok(None);
        };
        let size = std::str::from_utf8(&data[pos..pos + line])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .ok_or_else(|| invalid("bad chunk size"))?;
        pos += line + 2;
        if size == 0 {
            // Trailers, up to an empty line.
            loop {
                let Some(end) = find(&data[pos..], b"\r\n") else {
                    return Ok(None);
                };
                pos += end + 2;
                if end == 0 {
                    return Ok(Some((body, pos)));
                }
            }
        }
        if data.len() < pos + size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&data[pos..pos + size]);
        pos += size + 2;
    }
}

impl HttpConn {
    fn new(addr: SocketAddr) -> Self {
        HttpConn {
            addr,
            stream: None,
            buf: Vec::with_capacity(64 * 1024),
        }
    }

    fn reset(&mut self) {
        self.stream = None;
        self.buf.clear();
    }

    async fn send(&mut self, request: &[u8]) -> std::io::Result<Response> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
            self.buf.clear();
        }
        let result = self.exchange(request).await;
        if result.is_err() {
            self.reset();
        }
        result
    }

    async fn exchange(&mut self, request: &[u8]) -> std::io::Result<Response> {
        let HttpConn { stream, buf, .. } = self;
        let stream = stream.as_mut().expect("connected");
        stream.write_all(request).await?;
        let head_end = loop {
            if let Some(pos) = find(buf, b"\r\n\r\n") {
                break pos + 4;
            }
            read_more(stream, buf).await?;
        };
        let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| invalid("response head is not UTF-8"))?;
        let status: u16 = head
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid("bad status line"))?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        for line in head.split("\r\n").skip(1) {
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse::<usize>().ok();
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.to_ascii_lowercase().contains("chunked");
                } else if name.eq_ignore_ascii_case("connection") {
                    close = value.eq_ignore_ascii_case("close");
                }
            }
        }
        let body = if chunked {
            loop {
                if let Some((body, used)) = parse_chunked(&buf[head_end..])? {
                    buf.drain(..head_end + used);
                    break body;
                }
                read_more(stream, buf).await?;
            }
        } else {
            let length = length.unwrap_or(0);
            while buf.len() < head_end + length {
                read_more(stream, buf).await?;
            }
            let body = buf[head_end..head_end + length].to_vec();
            buf.drain(..head_end + length);
            body
        };
        if close {
            self.reset();
        }
        Ok(Response { status, body })
    }
}

fn get_request(path: &str, host: &str, cookie: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nAccept: text/html\r\nAccept-Language: fr\r\n\r\n"
    )
    .into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Closed-loop load with the in-process client

type MakeRequest = Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>;

struct Load {
    addr: SocketAddr,
    connections: usize,
    duration: Duration,
    /// Work items are 0..limit, each sent at most once.
    limit: u64,
    make: MakeRequest,
    /// Read the `"id"` of 2xx JSON answers.
    want_id: bool,
}

impl Load {
    fn fixed(addr: SocketAddr, connections: usize, duration: Duration, request: Vec<u8>) -> Self {
        let request = Arc::new(request);
        Load {
            addr,
            connections,
            duration,
            limit: u64::MAX,
            make: Arc::new(move |_| request.to_vec()),
            want_id: false,
        }
    }
}

#[derive(Default)]
struct LoadOutcome {
    elapsed: Duration,
    latencies_us: Vec<u32>,
    /// Work items answered 2xx, with the id read from the answer when asked.
    acked: Vec<(u64, Option<Uuid>)>,
    statuses: BTreeMap<u16, u64>,
    io_errors: u64,
    first_error: Option<String>,
}

impl LoadOutcome {
    fn sent(&self) -> u64 {
        self.statuses.values().sum::<u64>() + self.io_errors
    }

    fn per_second(&self, n: usize) -> f64 {
        n as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile_us(&mut self, p: f64) -> u64 {
        if self.latencies_us.is_empty() {
            return 0;
        }
        self.latencies_us.sort_unstable();
        let rank = ((p / 100.0) * self.latencies_us.len() as f64).ceil() as usize;
        self.latencies_us[rank.clamp(1, self.latencies_us.len()) - 1] as u64
    }
}

fn read_id(body: &[u8]) -> Option<Uuid> {
    let start = find(body, b"\"id\":\"")? + 6;
    std::str::from_utf8(body.get(start..start + 36)?).ok()?.parse().ok()
}

/// Runs the load on its own two-thread runtime (as a separate client process would), so that
/// client tasks do not sit in the server's run queues.
async fn run_load(load: Load) -> LoadOutcome {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("bench-client")
            .enable_all()
            .build()
            .expect("client runtime");
        let _ = tx.send(runtime.block_on(drive(load)));
    });
    rx.await.unwrap_or_default()
}

async fn drive(load: Load) -> LoadOutcome {
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + load.duration;
    let mut tasks = Vec::new();
    for _ in 0..load.connections {
        let (next, make, addr, limit, want_id) = (next.clone(), load.make.clone(), load.addr, load.limit, load.want_id);
        tasks.push(tokio::spawn(async move {
            let mut out = LoadOutcome::default();
            let mut conn = HttpConn::new(addr);
            while Instant::now() < deadline {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= limit {
                    break;
                }
                let request = make(k);
                let sent = Instant::now();
                match tokio::time::timeout(Duration::from_secs(10), conn.send(&request)).await {
                    Ok(Ok(response)) => {
                        out.latencies_us
                            .push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                        *out.statuses.entry(response.status).or_default() += 1;
                        if (200..300).contains(&response.status) {
                            out.acked
                                .push((k, if want_id { read_id(&response.body) } else { None }));
                        } else if out.first_error.is_none() {
                            let text = String::from_utf8_lossy(&response.body);
                            out.first_error = Some(format!(
                                "{} {}",
                                response.status,
                                text.chars().take(300).collect::<String>()
                            ));
                        }
                    }
                    failed => {
                        out.io_errors += 1;
                        conn.reset();
                        if out.first_error.is_none() {
                            out.first_error = Some(match failed {
                                Ok(Err(e)) => format!("I/O error: {e}"),
                                _ => "no answer within 10 s".into(),
                            });
                        }
                    }
                }
            }
            out
        }));
    }
    let mut total = LoadOutcome::default();
    for task in tasks {
        if let Ok(out) = task.await {
            total.latencies_us.extend(out.latencies_us);
            total.acked.extend(out.acked);
            for (status, n) in out.statuses {
                *total.statuses.entry(status).or_default() += n;
            }
            total.io_errors += out.io_errors;
            total.first_error = total.first_error.or(out.first_error);
        }
    }
    total.elapsed = start.elapsed();
    total
}

// ---------------------------------------------------------------------------------------------
// GET throughput (wrk or the in-process client)

struct GetResult {
    requests: u64,
    seconds: f64,
    p50_us: u64,
    p99_us: u64,
    errors: u64,
    note: Option<String>,
    /// CPU time per request of this process (the servers: the one under load and the idle
    /// other) and of its waited-for children (wrk), when `/proc` tells.
    cpu_us: Option<CpuPerRequest>,
}

#[derive(Clone, Copy)]
struct CpuPerRequest {
    server: f64,
    client: f64,
}

/// Runs a GET phase and charges the CPU time it used to its requests. Throughput on a machine
/// the load generator shares swings from run to run; CPU per request does not.
async fn measured(phase: impl Future<Output = anyhow::Result<GetResult>>) -> anyhow::Result<GetResult> {
    let before = cpu_seconds();
    let mut result = phase.await?;
    if let (Some(before), Some(after)) = (before, cpu_seconds())
        && result.requests > 0
    {
        let per = 1e6 / result.requests as f64;
        result.cpu_us = Some(CpuPerRequest {
            server: (after.0 - before.0) * per,
            client: (after.1 - before.1) * per,
        });
    }
    Ok(result)
}

/// CPU seconds (user + system) of this process and of its waited-for children, from
/// `/proc/self/stat` (fields 14-17, in USER_HZ ticks, 100 per second on Linux).
fn cpu_seconds() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after it follow its ')'.
    let fields: Vec<f64> = stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    let tick = |i: usize| fields.get(i - 3).copied();
    Some(((tick(14)? + tick(15)?) / 100.0, (tick(16)? + tick(17)?) / 100.0))
}

impl From<LoadOutcome> for GetResult {
    fn from(mut out: LoadOutcome) -> Self {
        let ok = out.statuses.get(&200).copied().unwrap_or(0);
        GetResult {
            requests: out.sent(),
            seconds: out.elapsed.as_secs_f64(),
            p50_us: out.percentile_us(50.0),
            p99_us: out.percentile_us(99.0),
            errors: out.sent() - ok,
            note: out.first_error.take(),
            cpu_us: None,
        }
    }
}

impl GetResult {
    fn per_second(&self) -> f64 {
        (self.requests - self.errors) as f64 / self.seconds
    }
}

const WRK_SCRIPT: &str = r#"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("ECOUTE_BENCH %d %d %d %d %d %d %d %d %d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"#;

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

async fn run_wrk(
    addr: SocketAddr,
    path: &str,
    host: &str,
    cookie: &str,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<GetResult> {
    let script = std::env::temp_dir().join(format!("ecoute-bench-{}.lua", std::process::id()));
    std::fs::write(&script, WRK_SCRIPT)?;
    let threads = connections.clamp(1, 2);
    let output = tokio::process::Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs()))
        .args(["--timeout", "5s", "-s"])
        .arg(&script)
        .args(["-H", &format!("Host: {host}"), "-H", &format!("Cookie: {cookie}")])
        .args(["-H", "Accept: text/html", "-H", "Accept-Language: fr"])
        .arg(format!("http://{addr}{path}"))
        .output()
        .await
        .context("cannot run wrk (apt-get install wrk, or --get-client own)")?;
    let _ = std::fs::remove_file(&script);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("ECOUTE_BENCH "))
        .with_context(|| {
            format!(
                "unexpected wrk output:\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let n: Vec<u64> = line
        .split_whitespace()
        .map(|v| v.parse::<f64>().map(|f| f as u64))
        .collect::<Result<_, _>>()
        .context("wrk summary")?;
    let [requests, duration_us, connect, read, write, status, timeout, p50, p99] = n[..] else {
        bail!("wrk summary has {} fields", n.len());
    };
    let errors = status + timeout + connect + read + write;
    Ok(GetResult {
        requests,
        seconds: duration_us as f64 / 1e6,
        p50_us: p50,
        p99_us: p99,
        // Socket errors are not requests in wrk's count; non-2xx/3xx answers are.
        errors: status,
        note: (errors > 0).then(|| {
            format!("wrk errors: connect {connect}, read {read}, write {write}, status {status}, timeout {timeout}")
        }),
        cpu_us: None,
    })
}

// ---------------------------------------------------------------------------------------------
// Likes and ideas under load, and what the database holds afterwards

/// A permutation of 0..total, so that concurrent likes land on scattered ideas and accounts.
fn scatter(k: u64, total: u64) -> u64 {
    let mut multiplier = 1_000_003u64;
    while gcd(multiplier, total) != 1 {
        multiplier += 2;
    }
    ((k as u128 * multiplier as u128 + 12_345) % total as u128) as u64
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn like_pair(k: u64, ideas: u64, total: u64) -> (usize, usize) {
    let p = scatter(k, total);
    ((p % ideas) as usize, (p / ideas) as usize)
}

async fn run_likes(args: &Args, addr: SocketAddr, host: &str, seed: &Seed, duration: Duration) -> LoadOutcome {
    let ideas = seed.big_ideas.len() as u64;
    let total = ideas * seed.people.len() as u64;
    let requests: Arc<Vec<String>> = Arc::new(
        seed.big_ideas
            .iter()
            .map(|id| format!("/api/v1/ideas/{id}/like"))
            .collect(),
    );
    let cookies: Arc<Vec<String>> = Arc::new(
        seed.people
            .iter()
            .map(|(_, session, visitor)| format!("ecoute_session={session}; ecoute_visiteur={visitor}"))
            .collect(),
    );
    let host = host.to_owned();
    let make: MakeRequest = Arc::new(move |k| {
        let (idea, person) = like_pair(k, ideas, total);
        format!(
            "POST {} HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\nAccept: application/json\r\nContent-Length: 0\r\n\r\n",
            requests[idea], cookies[person]
        )
        .into_bytes()
    });
    run_load(Load {
        addr,
        connections: args.connections,
        duration,
        limit: total,
        make,
        want_id: false,
    })
    .await
}

async fn run_ideas(args: &Args, addr: SocketAddr, host: &str, seed: &Seed, duration: Duration) -> LoadOutcome {
    let cookies: Arc<Vec<String>> = Arc::new(
        seed.people
            .iter()
            .map(|(_, session, visitor)| format!("ecoute_session={session}; ecoute_visiteur={visitor}"))
            .collect(),
    );
    let host = host.to_owned();
    let make: MakeRequest = Arc::new(move |k| {
        let kind = ["idee", "attente", "experience"][(k % 3) as usize];
        let body = serde_json::json!({
            "kind": kind,
            "title": format!("Idée de charge n° {k}"),
            "body": format!("Proposition envoyée pendant le test de charge, numéro {k} : ouvrir l’accueil le samedi matin."),
            "submission_key": Uuid::new_v4(),
        })
        .to_string();
        format!(
            "POST /api/v1/campaigns/{SUBMISSIONS}/ideas HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\n\
             Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            cookies[(k % cookies.len() as u64) as usize],
            body.len()
        )
        .into_bytes()
    });
    run_load(Load {
        addr,
        connections: args.connections,
        duration,
        limit: u64::MAX,
        make,
        want_id: true,
    })
    .await
}

/// Rows against acknowledgements.
struct Check {
    acked: usize,
    rows: usize,
    /// Acknowledged but not stored.
    missing: usize,
    /// Stored but not acknowledged.
    extra: usize,
    /// Other problems (counters, unreadable answers).
    notes: Vec<String>,
}

impl Check {
    fn ok(&self) -> bool {
        self.acked == self.rows && self.missing == 0 && self.extra == 0 && self.notes.is_empty()
    }
}

async fn tenant_tx(owner: &PgPool, tenant: Uuid) -> anyhow::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = owner.begin().await?;
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

async fn check_likes(owner: &PgPool, seed: &Seed, out: &LoadOutcome) -> anyhow::Result<Check> {
    let ideas = seed.big_ideas.len() as u64;
    let total = ideas * seed.people.len() as u64;
    let acked: HashSet<(Uuid, Uuid)> = out
        .acked
        .iter()
        .map(|(k, _)| {
            let (idea, person) = like_pair(*k, ideas, total);
            (seed.big_ideas[idea], seed.people[person].0)
        })
        .collect();
    let mut tx = tenant_tx(owner, seed.tenant).await?;
    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT l.idea_id, l.account_id FROM idea_likes l
           JOIN ideas i ON i.tenant_id = l.tenant_id AND i.id = l.idea_id
          WHERE i.campaign_id = $1",
    )
    .bind(seed.big)
    .fetch_all(&mut *tx)
    .await?;
    let counters: i64 =
        sqlx::query_scalar("SELECT COALESCE(sum(like_count), 0)::int8 FROM ideas WHERE campaign_id = $1")
            .bind(seed.big)
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    let stored: HashSet<(Uuid, Uuid)> = rows.iter().copied().collect();
    let mut notes = Vec::new();
    if acked.len() != out.acked.len() {
        notes.push(format!("{} pairs acknowledged twice", out.acked.len() - acked.len()));
    }
    if counters != rows.len() as i64 {
        notes.push(format!("sum of like_count is {counters}, rows are {}", rows.len()));
    }
    Ok(Check {
        acked: out.acked.len(),
        rows: rows.len(),
        missing: acked.difference(&stored).count(),
        extra: stored.difference(&acked).count(),
        notes,
    })
}

async fn check_ideas(owner: &PgPool, seed: &Seed, out: &LoadOutcome) -> anyhow::Result<Check> {
    let unreadable = out.acked.iter().filter(|(_, id)| id.is_none()).count();
    let acked: HashSet<Uuid> = out.acked.iter().filter_map(|(_, id)| *id).collect();
    let mut tx = tenant_tx(owner, seed.tenant).await?;
    let rows: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM ideas WHERE campaign_id = $1")
        .bind(seed.submissions)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let stored: HashSet<Uuid> = rows.iter().copied().collect();
    let mut notes = Vec::new();
    if unreadable > 0 {
        notes.push(format!("{unreadable} acknowledgements without a readable id"));
    }
    if acked.len() + unreadable != out.acked.len() {
        notes.push(format!(
            "{} ids acknowledged twice",
            out.acked.len() - unreadable - acked.len()
        ));
    }
    Ok(Check {
        acked: out.acked.len(),
        rows: rows.len(),
        missing: acked.difference(&stored).count(),
        extra: stored.difference(&acked).count(),
        notes,
    })
}

// ---------------------------------------------------------------------------------------------
// Report

struct Report {
    failures: Vec<String>,
    /// Number of the next section (1 and 2 are fixed).
    next_section: usize,
}

impl Default for Report {
    fn default() -> Self {
        Report {
            failures: Vec::new(),
            next_section: 3,
        }
    }
}

fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

fn thousands(n: f64) -> String {
    let n = n.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Report {
    fn print_counts(&mut self, counts: &[PageCounts], args: &Args) {
        println!(
            "1. SQL per campaign page, counted on the PostgreSQL wire ({} sequential requests each)",
            args.count_requests
        );
        println!(
            "   {:<28} {:>11} {:>18} {:>14}",
            "page", "statements", "round trips (avg)", "prepares (avg)"
        );
        let range = |v: &[u64]| {
            let (lo, hi) = (PageCounts::min(v), PageCounts::max(v));
            if lo == hi {
                format!("{lo}")
            } else {
                format!("{lo}–{hi}")
            }
        };
        for c in counts {
            println!(
                "   {:<28} {:>11} {:>18.1} {:>14.1}",
                c.label,
                range(&c.statements),
                PageCounts::mean(&c.round_trips),
                PageCounts::mean(&c.parses)
            );
        }
        println!(
            "   statements = Query + Execute messages, per request (BEGIN and COMMIT included); round trips = \
             Query + Sync messages,\n   averaged, since sqlx's ping on releasing a connection (one per \
             transaction, besides the one on acquiring it) goes out after the response"
        );
        let mut bounded = true;
        for pair in counts.chunks(2) {
            if let [small, big] = pair {
                let (s, b) = (PageCounts::min(&small.statements), PageCounts::min(&big.statements));
                if s != b {
                    bounded = false;
                    self.failures.push(format!(
                        "statements per page depend on the number of ideas: {} → {s}, {} → {b}",
                        small.label, big.label
                    ));
                }
            }
        }
        println!(
            "   bounded, independent of the number of ideas: {}",
            if bounded { "yes" } else { "NO" }
        );
        println!();
    }

    fn print_pages(&mut self, rounds: &[(GetResult, GetResult)], bytes: usize, ideas: usize) {
        println!(
            "2. Campaign page with {} ideas (GET /consultations/{BIG}, {} bytes, Host: {TENANT}.…) vs plain axum \
             returning the same bytes, {} round(s) alternated",
            thousands(ideas as f64),
            thousands(bytes as f64),
            rounds.len()
        );
        println!(
            "   {:<18} {:>10} {:>10} {:>10} {:>10} {:>8} {:>12} {:>12}",
            "", "requests", "req/s", "p50", "p99", "errors", "server CPU", "client CPU"
        );
        let cpu = |r: &GetResult, pick: fn(&CpuPerRequest) -> f64| {
            r.cpu_us
                .as_ref()
                .map_or("-".to_owned(), |c| format!("{:.1} µs", pick(c)))
        };
        let mut ratios = Vec::new();
        for (round, (ceiling, page)) in rounds.iter().enumerate() {
            for (label, r) in [("static axum", ceiling), ("campaign page", page)] {
                println!(
                    "   {:<18} {:>10} {:>10} {:>10} {:>10} {:>8} {:>12} {:>12}",
                    format!("{}. {label}", round + 1),
                    r.requests,
                    thousands(r.per_second()),
                    ms(r.p50_us),
                    ms(r.p99_us),
                    r.errors,
                    cpu(r, |c| c.server),
                    cpu(r, |c| c.client),
                );
                if let Some(note) = &r.note {
                    println!("   {label}: {note}");
                }
                if label == "campaign page" && r.errors > 0 {
                    println!("   warning: {} page requests did not answer 200", r.errors);
                }
            }
            ratios.push(page.per_second() / ceiling.per_second() * 100.0);
        }
        let shown: Vec<String> = ratios.iter().map(|r| format!("{r:.1} %")).collect();
        ratios.sort_by(f64::total_cmp);
        let median = ratios[ratios.len() / 2];
        let mut p99s: Vec<u64> = rounds.iter().map(|(_, page)| page.p99_us).collect();
        p99s.sort_unstable();
        let worst_p99 = p99s.last().copied().unwrap_or(0);
        println!(
            "   ratio by round: {}; median {median:.1} % of the static ceiling (target ≥ 50 %: {}); \
             worst page p99 {} (target < 10 ms: {})",
            shown.join(", "),
            verdict(median >= 50.0),
            ms(worst_p99),
            verdict(worst_p99 < 10_000)
        );
        let cpus: Vec<(f64, f64)> = rounds
            .iter()
            .filter_map(|(c, p)| Some((c.cpu_us?.server, p.cpu_us?.server)))
            .collect();
        if !cpus.is_empty() {
            let n = cpus.len() as f64;
            let (s, p) = cpus.iter().fold((0.0, 0.0), |a, c| (a.0 + c.0 / n, a.1 + c.1 / n));
            println!(
                "   server CPU per request, mean of the rounds: static {s:.1} µs, page {p:.1} µs ({:.1} % of the page's)",
                s / p * 100.0
            );
        }
        println!();
    }

    fn print_writes(&mut self, title: &str, out: &LoadOutcome, target: f64, unit: &str, check: &Check) {
        let n = self.section();
        let mut out_sorted = LoadOutcome {
            latencies_us: out.latencies_us.clone(),
            ..LoadOutcome::default()
        };
        let rate = out.per_second(out.acked.len());
        println!("{n}. {title}");
        println!(
            "   {} acknowledged in {:.1} s: {} {unit} (target ≥ {}: {}); p50 {}, p99 {}",
            thousands(out.acked.len() as f64),
            out.elapsed.as_secs_f64(),
            thousands(rate),
            thousands(target),
            verdict(rate >= target),
            ms(out_sorted.percentile_us(50.0)),
            ms(out_sorted.percentile_us(99.0))
        );
        let statuses: Vec<String> = out.statuses.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        println!(
            "   sent {}, answers {{{}}}, connection errors/timeouts {}",
            out.sent(),
            statuses.join(", "),
            out.io_errors
        );
        if let Some(e) = &out.first_error {
            println!("   first non-2xx: {e}");
        }
        println!(
            "   rows stored {} vs acknowledged {}: acknowledged but missing {}, stored but not acknowledged {}{} → {}",
            check.rows,
            check.acked,
            check.missing,
            check.extra,
            if check.notes.is_empty() {
                String::new()
            } else {
                format!("; {}", check.notes.join("; "))
            },
            if check.ok() { "OK" } else { "FAILED" }
        );
        if !check.ok() {
            self.failures.push(format!(
                "{title}: {} rows for {} acknowledgements",
                check.rows, check.acked
            ));
        }
        println!();
    }

    fn section(&mut self) -> usize {
        self.next_section += 1;
        self.next_section - 1
    }

    fn finish(self) -> bool {
        if self.failures.is_empty() {
            println!("correctness checks: all passed");
            true
        } else {
            println!("correctness checks FAILED:");
            for f in &self.failures {
                println!("   - {f}");
            }
            false
        }
    }
}
