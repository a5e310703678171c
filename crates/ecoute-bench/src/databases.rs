//! What the benchmark binaries share: their own databases, created, migrated and dropped per
//! run, and the runtime their body runs on.

use std::path::Path;
use std::process::ExitCode;

use ecoute::config::Settings;
use ecoute::db::Database;
use ecoute::tenancy::sync::{SyncMode, sync_tenants};
use sqlx::{AssertSqlSafe, PgConnection, PgPool};

/// Drops the benchmark databases `<prefix><pid>` whose process is gone (a run interrupted
/// before its own clean-up). `prefix` is a plain identifier such as `ecoute_bench_`.
pub async fn drop_stale_databases(admin: &mut PgConnection, prefix: &str) -> anyhow::Result<()> {
    let pattern = format!("{}%", prefix.replace('_', "\\_"));
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE $1")
        .bind(pattern)
        .fetch_all(&mut *admin)
        .await?;
    for name in names {
        let pid = name.strip_prefix(prefix).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
            // The name comes from the catalog and matched the prefix.
            sqlx::raw_sql(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .execute(&mut *admin)
            .await?;
        }
    }
    Ok(())
}

/// A benchmark's own database `<prefix><pid>`, created on the owner's server after dropping
/// stale ones; returns the owner's connection (for [`finish_database`]) and the name.
pub async fn create_database(
    owner: &sqlx::postgres::PgConnectOptions,
    prefix: &str,
) -> anyhow::Result<(PgConnection, String)> {
    use anyhow::Context;
    use sqlx::Connection;
    let name = format!("{prefix}{}", std::process::id());
    let mut admin = PgConnection::connect_with(owner)
        .await
        .context("cannot connect to PostgreSQL as the owner")?;
    drop_stale_databases(&mut admin, prefix).await?;
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .context("cannot create the benchmark database")?;
    Ok((admin, name))
}

/// Drops the benchmark's database, or keeps it renamed `<kept_prefix><pid>` (so that a later
/// run does not take it for a stale one and drop it).
pub async fn finish_database(mut admin: PgConnection, name: &str, keep: bool, kept_prefix: &str) -> anyhow::Result<()> {
    if keep {
        let kept = format!("{kept_prefix}{}", std::process::id());
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
    sqlx::Connection::close(admin).await.ok();
    Ok(())
}

/// The benchmark's database `name` on `base`'s server, set up as `ecoute migrate` does: the
/// migrations applied and `tenants/` synced. Returns it (as owner and as the application role,
/// with `base`'s other options) and the owner's pool, for seeding.
pub async fn prepare(settings: &Settings, base: &Database, name: &str) -> anyhow::Result<(Database, PgPool)> {
    use anyhow::Context;
    let mut db = Database::with_options(base.owner.clone().database(name), &base.app_role, None);
    db.app = base.app.clone().database(name);
    db.migrate().await?;
    let owner = db.connect_owner().await?;
    sync_tenants(&owner, &settings.tenants_dir, &settings.base_domain, SyncMode::Apply)
        .await
        .context("tenants sync")?;
    Ok((db, owner))
}

/// Runs a benchmark's body on a new runtime. Exit code 0 when it returns `Ok(true)`, 1 when
/// `Ok(false)` (a figure broke its rule), 2 with the error on stderr otherwise.
pub fn run_to_exit(body: impl std::future::Future<Output = anyhow::Result<bool>>) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(body) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
