//! What the benchmark binaries share (each includes this file with `#[path]`).

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
