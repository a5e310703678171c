//! The isolation rule, as code: every table with a `tenant_id` column must have row-level
//! security enabled *and forced*, with at least one policy. `ecoute migrate` grants the
//! application role write access only to such tables, and the test suite fails on any table
//! that breaks the rule.

use sqlx::PgConnection;

/// Tables in `public` that have a `tenant_id` column.
pub async fn tenant_owned_tables(conn: &mut PgConnection) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT c.table_name::text FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_schema, table_name)
          WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'
          ORDER BY 1",
    )
    .fetch_all(conn)
    .await
}

/// A table that breaks the rule, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleViolation {
    pub table: String,
    pub problem: &'static str,
}

/// Lists every tenant-owned table that lacks RLS, forced RLS, a policy, or a NOT NULL tenant_id.
pub async fn check_forced_rls(conn: &mut PgConnection) -> Result<Vec<RuleViolation>, sqlx::Error> {
    let rows: Vec<(String, bool, bool, i64, bool)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
                (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid),
                a.attnotnull
           FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          ORDER BY 1",
    )
    .fetch_all(conn)
    .await?;
    let mut violations = Vec::new();
    for (table, enabled, forced, policies, not_null) in rows {
        let mut flag = |problem| {
            violations.push(RuleViolation {
                table: table.clone(),
                problem,
            })
        };
        if !enabled {
            flag("row level security is not enabled");
        }
        if !forced {
            flag("row level security is not forced");
        }
        if policies == 0 {
            flag("no policy");
        }
        if !not_null {
            flag("tenant_id is nullable");
        }
    }
    Ok(violations)
}

/// Functions of the operators that search tenant tables through an index, which PostgreSQL
/// must know to be `LEAKPROOF` to use that index under row-level security: otherwise it tests
/// the search only after the policies, row by row. `@@` on a `tsvector` is not marked so in
/// PostgreSQL 15, and a common word in a campaign of 2,000,000 ideas read every idea of the
/// campaign (more than 30 s) instead of the full-text index. It reveals nothing of its
/// arguments but by its result (no error depends on the row's text).
pub const INDEXED_UNDER_RLS: [&str; 1] = ["pg_catalog.ts_match_vq(tsvector, tsquery)"];

/// The statements that mark [`INDEXED_UNDER_RLS`] leakproof.
pub fn leakproof_statements() -> Vec<String> {
    INDEXED_UNDER_RLS
        .iter()
        .map(|function| format!("ALTER FUNCTION {function} LEAKPROOF"))
        .collect()
}

/// Which of [`INDEXED_UNDER_RLS`] are not leakproof in this database.
pub async fn not_leakproof(pool: &sqlx::PgPool) -> Result<Vec<String>, sqlx::Error> {
    let mut missing = Vec::new();
    for function in INDEXED_UNDER_RLS {
        let leakproof: bool = sqlx::query_scalar("SELECT proleakproof FROM pg_proc WHERE oid = $1::regprocedure")
            .bind(function)
            .fetch_one(pool)
            .await?;
        if !leakproof {
            missing.push(function.to_owned());
        }
    }
    Ok(missing)
}

/// Marks [`INDEXED_UNDER_RLS`] leakproof, which only a superuser may do (on a Citus
/// coordinator, on its workers too). Run by `ecoute migrate` on every run, as the mark lives in
/// the database's catalogue and neither `pg_dump` nor `pg_upgrade` carries it. When the owner is
/// not a superuser, search still works, without its index under row-level security: a warning
/// says what an administrator runs.
pub async fn mark_leakproof(pool: &sqlx::PgPool, citus: bool) -> anyhow::Result<()> {
    if not_leakproof(pool).await?.is_empty() {
        return Ok(());
    }
    let superuser: bool = sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        .fetch_one(pool)
        .await?;
    let statements = leakproof_statements();
    if !superuser {
        tracing::warn!(
            statements = %statements.join("; "),
            "the owner is not a superuser: search cannot use its index under row-level security \
             until a superuser runs these statements in this database"
        );
        return Ok(());
    }
    for statement in &statements {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
            .execute(pool)
            .await?;
        if citus {
            sqlx::query("SELECT run_command_on_workers($1)")
                .bind(statement)
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}
