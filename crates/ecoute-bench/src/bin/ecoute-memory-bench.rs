//! `ecoute-memory-bench`: resident memory of one server process serving every Caf at once.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target cargo run --release --bin ecoute-memory-bench -- [--campaigns 3] [--ideas 40] [--rounds 3]
//! ```
//!
//! In a fresh database (`DATABASE_URL` if set, else the embedded cluster; created and dropped):
//! the national space plus a local module for **every** Caf of the catalogue (101), each with
//! `--campaigns` published campaigns of `--ideas` ideas. The application is built as in
//! production ([`Application::build`]: application role, caches, mail worker, rollup) and every
//! space is visited over HTTP on loopback (home page, each campaign page, its ideas through the
//! API, a 404), `--rounds` times, so every cache holds every space. The process's resident set
//! (`VmRSS`) and peak (`VmHWM`) are read from `/proc/self/status` after start-up and after each
//! round. PostgreSQL runs in its own processes and is not counted.
//!
//! Target (issue 8): ≤ 200 MB resident with 101 active tenants.

use ecoute_bench::databases;
use ecoute_bench::http::{HttpConn, Req};

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Parser;
use ecoute::config::Settings;
use ecoute::db::Database;
use ecoute::startup::Application;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

#[derive(Parser)]
#[command(about = "Resident memory of one process serving every space")]
struct Args {
    /// Published campaigns per space.
    #[arg(long, default_value_t = 3)]
    campaigns: usize,
    /// Ideas per campaign.
    #[arg(long, default_value_t = 40)]
    ideas: i32,
    /// Visits of every space.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    databases::run_to_exit(async { run(args).await.map(|()| true) })
}

/// `VmRSS` and `VmHWM` of this process, in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<f64>().ok())
            .map(|kib| kib / 1024.0)
            .unwrap_or(f64::NAN)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let settings = Settings::load(None, &ecoute::config::Flags::default())?;
    let base = Database::open(&settings).await?;
    let (admin, name) = databases::create_database(&base.owner, "ecoute_membench_").await?;
    let outcome = bench(&args, &settings, &base, &name).await;
    databases::finish_database(admin, &name, false, "").await?;
    outcome
}

async fn bench(args: &Args, settings: &Settings, base: &Database, name: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    let (db, owner) = databases::prepare(settings, base, name).await?;
    let mut spaces = activate_every_caf(&owner).await?;
    seed(&owner, &spaces, args).await?;
    for (_, campaigns) in &mut spaces {
        *campaigns = (0..args.campaigns).map(|c| format!("consultation-{c}")).collect();
    }
    println!(
        "seeded {} spaces × {} campaigns × {} ideas in {:.1} s",
        spaces.len(),
        args.campaigns,
        args.ideas,
        started.elapsed().as_secs_f64()
    );

    let (rss, _) = memory();
    println!("before the server: {rss:.1} MiB resident");
    let stop = CancellationToken::new();
    let app = Application::build(settings, &db, "127.0.0.1:0".parse()?).await?;
    let addr = app.local_addr();
    let server = tokio::spawn(app.run_until(stop.clone().cancelled_owned()));
    let (rss, _) = memory();
    println!("server started: {rss:.1} MiB resident");

    for round in 1..=args.rounds {
        let t = Instant::now();
        let mut requests = 0;
        for (slug, campaigns) in &spaces {
            let host = if slug == "national" {
                settings.base_domain.clone()
            } else {
                format!("{slug}.{}", settings.base_domain)
            };
            requests += visit(addr, &host, "/", 200).await?;
            requests += visit(addr, &host, "/page-inexistante", 404).await?;
            for campaign in campaigns {
                requests += visit(addr, &host, &format!("/consultations/{campaign}"), 200).await?;
                requests += visit(addr, &host, &format!("/api/v1/campaigns/{campaign}/ideas"), 200).await?;
            }
        }
        let (rss, peak) = memory();
        println!(
            "round {round}: {requests} requests over {} spaces in {:.1} s; resident {rss:.1} MiB, peak {peak:.1} MiB",
            spaces.len(),
            t.elapsed().as_secs_f64()
        );
    }
    let (rss, peak) = memory();
    let verdict = if rss <= 200.0 { "meets" } else { "misses" };
    println!(
        "result: {rss:.1} MiB resident (peak {peak:.1} MiB) with {} spaces: {verdict} the 200 MB target",
        spaces.len()
    );
    stop.cancel();
    let _ = server.await;
    owner.close().await;
    Ok(())
}

/// A local module for every Caf of the catalogue that has none yet; returns every space's slug
/// (national first) with an empty campaign list.
async fn activate_every_caf(owner: &PgPool) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    sqlx::query(
        "INSERT INTO tenants (slug, kind, name, caf_code, departements, primary_color, secondary_color)
         SELECT 'caf-' || lower(c.code), 'local', c.name, c.code, c.departements, '#003189', '#e1000f'
           FROM caf_catalogue c
          WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.caf_code = c.code)",
    )
    .execute(owner)
    .await
    .context("activating every Caf")?;
    let slugs: Vec<String> =
        sqlx::query_scalar("SELECT slug FROM tenants WHERE status = 'active' ORDER BY kind DESC, slug")
            .fetch_all(owner)
            .await?;
    Ok(slugs.into_iter().map(|s| (s, Vec::new())).collect())
}

/// Campaigns and ideas in every space, as the owner inside each space's context.
async fn seed(owner: &PgPool, spaces: &[(String, Vec<String>)], args: &Args) -> anyhow::Result<()> {
    for (slug, _) in spaces {
        let tenant: Uuid = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1")
            .bind(slug)
            .fetch_one(owner)
            .await?;
        let scope = if slug == "national" { "national" } else { "local" };
        let mut tx = ecoute::db::owner_tx_in(owner, tenant).await?;
        for c in 0..args.campaigns {
            let campaign: Uuid = sqlx::query_scalar(
                "INSERT INTO campaigns (tenant_id, slug, scope, title, summary, body_md, opens_at, closes_at, published_at, has_ideas)
                 VALUES ($1, $2, $3, $4, 'Donnez votre avis sur nos services.', 'Une consultation de **huit semaines**.',
                         now() - interval '7 days', now() + interval '49 days', now(), true)
                 RETURNING id",
            )
            .bind(tenant)
            .bind(format!("consultation-{c}"))
            .bind(scope)
            .bind(format!("Consultation {c} de {slug}"))
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, submission_key)
                 SELECT $1, $2, $1, 'idee', 'Idée numéro ' || i, 'Une proposition pour simplifier les démarches, numéro ' || i, gen_random_uuid()
                   FROM generate_series(1, $3) i",
            )
            .bind(tenant)
            .bind(campaign)
            .bind(args.ideas)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// One GET on a new connection; checks the status; returns 1.
async fn visit(addr: SocketAddr, host: &str, path: &str, expected: u16) -> anyhow::Result<usize> {
    let response = HttpConn::new(addr).send(&Req::page(path, host, "")).await?;
    if response.status != expected {
        bail!("GET {path} on {host} answered {}, expected {expected}", response.status);
    }
    Ok(1)
}
