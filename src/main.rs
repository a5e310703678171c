//! The `ecoute` command: parse the CLI, start telemetry, dispatch.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ecoute::config::Settings;
use ecoute::db::Database;
use ecoute::startup::{Application, shutdown_signal};
use ecoute::tenancy::sync::{SyncMode, sync_tenants};

#[derive(Parser)]
#[command(
    name = "ecoute",
    version,
    about = "La Caf à votre écoute: multi-tenant participation platform"
)]
struct Cli {
    /// Optional TOML settings file; environment variables override it.
    #[arg(long, global = true, env = "ECOUTE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application (national and local spaces).
    Serve {
        /// Address to listen on (overrides ECOUTE_LISTEN).
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Apply database migrations as the owner and grant the application role.
    Migrate,
    /// Manage tenants from the declarative `tenants/` folder.
    Tenants {
        #[command(subcommand)]
        command: TenantsCommand,
    },
    /// Send queued mail, without serving pages (set ECOUTE_MAIL_WORKER=off on the servers).
    Worker,
    /// Everything for a first look: database, migrations, tenants, demo campaigns, server.
    Demo {
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
}

#[derive(Subcommand)]
enum TenantsCommand {
    /// Create or update tenants to match the files; report drift; never delete.
    Sync {
        /// Only report what differs; exit with status 1 when something does.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("cannot start the async runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(cli.config.as_deref())?;
    let server = matches!(cli.command, Command::Serve { .. } | Command::Worker);
    let _telemetry = ecoute::telemetry::init(server)?;
    match cli.command {
        Command::Serve { listen } => {
            let db = Database::open(&settings).await?;
            if db.embedded.is_some() {
                // Our own private cluster: keep it current without a separate step.
                db.migrate().await?;
            } else {
                db.check_migrated().await?;
            }
            serve(&settings, &db, listen.unwrap_or(settings.listen), false).await?;
        }
        Command::Worker => {
            let db = Database::open(&settings).await?;
            if db.embedded.is_some() {
                db.migrate().await?;
            } else {
                db.check_migrated().await?;
            }
            ecoute::mail::worker::run_standalone(&settings, &db, shutdown_signal()).await?;
        }
        Command::Migrate => {
            let db = Database::open(&settings).await?;
            db.migrate().await?;
            println!("migrations applied; application role `{}` granted", db.app_role);
        }
        Command::Tenants {
            command: TenantsCommand::Sync { check },
        } => {
            let db = Database::open(&settings).await?;
            db.migrate().await?;
            let pool = db.connect_owner().await?;
            let mode = if check { SyncMode::Check } else { SyncMode::Apply };
            let report = sync_tenants(&pool, &settings.tenants_dir, &settings.base_domain, mode).await?;
            println!("{report}");
            if check && report.has_drift() {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Demo { listen } => {
            let db = Database::open(&settings).await?;
            db.migrate().await?;
            let pool = db.connect_owner().await?;
            let report = sync_tenants(&pool, &settings.tenants_dir, &settings.base_domain, SyncMode::Apply).await?;
            eprintln!("tenants: {}", report.to_string().lines().last().unwrap_or_default());
            let added = ecoute::demo::seed(&pool).await?;
            eprintln!("demo campaigns added: {added}");
            pool.close().await;
            serve(&settings, &db, listen.unwrap_or(settings.listen), true).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(settings: &Settings, db: &Database, listen: SocketAddr, print_urls: bool) -> anyhow::Result<()> {
    let app = Application::build(settings, db, listen).await?;
    let addr = app.local_addr();
    tracing::info!(%addr, base_domain = %settings.base_domain, "listening");
    if print_urls {
        print_space_urls(db, &settings.base_domain, addr).await?;
    }
    app.run_until(shutdown_signal()).await
}

async fn print_space_urls(db: &Database, base: &str, addr: SocketAddr) -> anyhow::Result<()> {
    let pool = db.connect_owner().await?;
    let spaces: Vec<(String, String, String)> =
        sqlx::query_as("SELECT slug, kind, name FROM tenants WHERE status = 'active' ORDER BY kind DESC, slug")
            .fetch_all(&pool)
            .await?;
    pool.close().await;
    let port = addr.port();
    eprintln!("\necoute is running. Open:");
    for (slug, kind, name) in spaces {
        let host = if kind == "national" {
            base.to_owned()
        } else {
            format!("{slug}.{base}")
        };
        eprintln!("  http://{host}:{port}/   {name}");
    }
    eprintln!("Press Ctrl-C to stop.\n");
    Ok(())
}
