//! The `ecoute` command: parse the CLI, start telemetry, dispatch.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ecoute::config::{Flags, Settings};
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
    /// Operators of the consoles.
    Operators {
        #[command(subcommand)]
        command: OperatorsCommand,
    },
    /// Run the background jobs (send queued mail, roll up metering, …) without serving pages
    /// (set ECOUTE_BACKGROUND_JOBS=off on the servers).
    Worker,
    /// Themes, key phrases and near-duplicates of a CSV file's texts, as JSON (offline).
    Analyse {
        file: PathBuf,
        /// Column holding the texts (default: text, texte, contribution, body or contenu).
        #[arg(long)]
        text_column: Option<String>,
        /// Column holding the ids (default: id, else the row number).
        #[arg(long)]
        id_column: Option<String>,
        /// Number of themes, or `auto`.
        #[arg(long, default_value = "auto")]
        themes: ecoute::analysis::ThemeCount,
        /// Where to write the JSON (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// A fair panel from the field's CSV files (quotas and respondents), offline: selection
    /// probabilities, a panel drawn from a seed, more draws (see docs/workshops.md).
    Panel(ecoute::workshops::panel::Args),
    /// Everything for a first look: database, migrations, tenants, demo campaigns, server.
    Demo {
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Also seed a Grand-Débat-sized national campaign (2,000,000 ideas from 500,000
        /// accounts over the 101 Cafs, with likes and comments), for measurements.
        #[arg(long, value_parser = ["grand-debat"])]
        scale: Option<String>,
        /// With --scale: the number of ideas instead of 2,000,000.
        #[arg(long, requires = "scale")]
        contributions: Option<usize>,
        /// With --scale: the number of accounts instead of 500,000.
        #[arg(long, requires = "scale")]
        accounts: Option<usize>,
        /// With --scale: the Grand Débat answers the texts are recombined from.
        #[arg(long, requires = "scale", default_value = "../shared/data/grand-debat/answers.csv")]
        answers: PathBuf,
    },
}

#[derive(Subcommand)]
enum OperatorsCommand {
    /// Invite someone to a console and print the link (the first national admin comes this way).
    Invite {
        #[arg(long)]
        email: String,
        /// national_admin, local_operator, moderator or analyst.
        #[arg(long, default_value = "national_admin")]
        role: String,
        /// The space (slug); the national space by default.
        #[arg(long)]
        space: Option<String>,
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
    if let Command::Panel(args) = cli.command {
        return Ok(ecoute::workshops::panel::run(&args.options()?));
    }
    if let Command::Analyse {
        file,
        text_column,
        id_column,
        themes,
        out,
    } = cli.command
    {
        let options = ecoute::analysis::cli::Options {
            text_column,
            id_column,
            themes,
        };
        ecoute::analysis::cli::run(&file, &options, out.as_deref())?;
        return Ok(ExitCode::SUCCESS);
    }
    let flags = Flags {
        listen: match cli.command {
            Command::Serve { listen } | Command::Demo { listen, .. } => listen,
            _ => None,
        },
    };
    let settings = Settings::load(cli.config.as_deref(), &flags)?;
    let server = matches!(cli.command, Command::Serve { .. } | Command::Worker);
    let _telemetry = ecoute::telemetry::init(server)?;
    match cli.command {
        Command::Serve { .. } => {
            let db = Database::open(&settings).await?;
            if db.embedded.is_some() {
                // Our own private cluster: keep it current without a separate step.
                db.migrate().await?;
            } else {
                db.check_migrated().await?;
            }
            serve(&settings, &db, settings.listen, false).await?;
        }
        Command::Worker => {
            let db = Database::open(&settings).await?;
            if db.embedded.is_some() {
                db.migrate().await?;
            } else {
                db.check_migrated().await?;
            }
            ecoute::jobs::run_standalone(&settings, &db, shutdown_signal()).await?;
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
        Command::Operators {
            command: OperatorsCommand::Invite { email, role, space },
        } => invite_operator(&settings, &email, &role, space.as_deref()).await?,
        Command::Analyse { .. } | Command::Panel { .. } => unreachable!("handled before the settings are loaded"),
        Command::Demo {
            scale,
            contributions,
            accounts,
            answers,
            ..
        } => {
            let scale = scale.map(|_| ecoute::demo::scale::Scale {
                contributions: contributions.unwrap_or(ecoute::demo::scale::Scale::GRAND_DEBAT.contributions),
                accounts: accounts.unwrap_or(ecoute::demo::scale::Scale::GRAND_DEBAT.accounts),
                ..ecoute::demo::scale::Scale::GRAND_DEBAT
            });
            demo(&settings, scale.map(|s| (s, answers))).await?
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `ecoute operators invite`: prints the invitation link.
async fn invite_operator(settings: &Settings, email: &str, role: &str, space: Option<&str>) -> anyhow::Result<()> {
    let db = Database::open(settings).await?;
    db.check_migrated().await?;
    let pool = db.connect_owner().await?;
    let role = ecoute::operators::Role::parse(role).ok_or_else(|| {
        anyhow::anyhow!("unknown role {role:?}: national_admin, local_operator, moderator or analyst")
    })?;
    let email = ecoute::accounts::EmailAddress::parse(email).map_err(|_| anyhow::anyhow!("invalid e-mail address"))?;
    let (host, token) =
        ecoute::operators::invitations::invite_from_cli(&pool, space, email.as_str(), role, &settings.base_domain)
            .await?;
    pool.close().await;
    println!("{}/admin/invitation/{token}", public_url(settings, &host));
    Ok(())
}

/// `ecoute demo`: the spaces, demo campaigns, participation and operators (printed with their
/// passwords), then serving.
async fn demo(settings: &Settings, scale: Option<(ecoute::demo::scale::Scale, PathBuf)>) -> anyhow::Result<()> {
    let db = Database::open(settings).await?;
    db.migrate().await?;
    let pool = db.connect_owner().await?;
    let report = sync_tenants(&pool, &settings.tenants_dir, &settings.base_domain, SyncMode::Apply).await?;
    eprintln!("tenants: {}", report.to_string().lines().last().unwrap_or_default());
    let added = ecoute::demo::seed(&pool).await?;
    eprintln!("demo campaigns added: {added}");
    let seeded = ecoute::demo::contributions::seed(&pool).await?;
    if seeded != Default::default() {
        eprintln!(
            "demo participation added: {} ideas, {} comments, {} likes, {} survey responses",
            seeded.ideas, seeded.comments, seeded.likes, seeded.responses
        );
    }
    if let Some((scale, answers)) = scale {
        let seeded = ecoute::demo::scale::seed(&pool, &answers, scale, 2019).await?;
        eprintln!(
            "scale: {} spaces activated, {} accounts, {} ideas, {} likes, {} comments",
            seeded.spaces_activated, seeded.accounts, seeded.ideas, seeded.likes, seeded.comments
        );
        for (what, took) in &seeded.timings {
            eprintln!("scale: {what} in {:.1} s", took.as_secs_f64());
        }
    }
    let listen = settings.listen;
    for (email, password, space) in ecoute::demo::seed_operators(&pool).await? {
        let host = match space.as_str() {
            "national" => settings.base_domain.clone(),
            slug => format!("{slug}.{}", settings.base_domain),
        };
        eprintln!(
            "demo console: http://{host}:{}/admin  {email}  password: {password}",
            listen.port()
        );
    }
    pool.close().await;
    serve(settings, &db, listen, true).await?;
    Ok(())
}

/// `http://host:port` on a local base domain (the port we listen on), `https://host` otherwise.
fn public_url(settings: &Settings, host: &str) -> String {
    if settings.base_domain == "localhost" || settings.base_domain.ends_with(".localhost") {
        format!("http://{host}:{}", settings.listen.port())
    } else {
        format!("https://{host}")
    }
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
