//! The distribution step for a Citus cluster: when `ecoute migrate` runs against a Citus
//! coordinator (the `citus` extension is installed in the database), it makes the platform
//! tables reference tables and distributes every tenant table by `tenant_id`, co-located, then
//! gives the national space a shard of its own. Without the extension it does nothing: the
//! single-server path is unchanged. Idempotent: it distributes what is not distributed yet (the
//! tables of later migrations) and isolates the national space once it exists.
//!
//! What Citus refused and what changed for it is in `docs/operations.md` ("Growing past one
//! PostgreSQL server") and in the comments of `citus.sql`.

use anyhow::Context;
use sqlx::{AssertSqlSafe, PgPool};

/// Distributes the schema, references, keys and triggers (one transaction).
const DISTRIBUTE: &str = include_str!("citus.sql");
/// Isolates the national space's shard (a transaction of its own).
const ISOLATE: &str = include_str!("citus_isolate.sql");

/// Whether the database has the `citus` extension (a coordinator, or a worker).
pub async fn present(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
        .fetch_one(pool)
        .await
}

/// Runs the distribution step when the database is a Citus coordinator; returns whether it ran.
pub async fn distribute(pool: &PgPool) -> anyhow::Result<bool> {
    if !present(pool).await? {
        return Ok(false);
    }
    let mut tx = pool.begin().await?;
    sqlx::raw_sql(AssertSqlSafe(DISTRIBUTE))
        .execute(&mut *tx)
        .await
        .context("distributing the tables over the Citus cluster")?;
    tx.commit().await?;
    sqlx::raw_sql(AssertSqlSafe(ISOLATE))
        .execute(pool)
        .await
        .context("isolating the national space's shard")?;
    Ok(true)
}
