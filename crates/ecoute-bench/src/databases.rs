//! What the benchmark binaries share: their own databases, created and dropped per run.

use std::path::Path;

use sqlx::{AssertSqlSafe, PgConnection};

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
