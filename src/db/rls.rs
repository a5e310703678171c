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
