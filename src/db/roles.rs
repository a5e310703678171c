//! The application role: created when the owner may, granted exactly what it needs (tenant
//! tables through RLS, platform tables column by column, a few SECURITY DEFINER functions),
//! and checked at start-up to be one that row-level security applies to.

use super::*;

/// Creates the application role when the owner is allowed to (superuser or CREATEROLE).
/// In managed deployments the role is created by the DBA beforehand and this is a no-op.
pub(super) async fn ensure_app_role(pool: &PgPool, role: &str) -> anyhow::Result<()> {
    assert!(crate::config::is_plain_identifier(role));
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
        .bind(role)
        .fetch_one(pool)
        .await?;
    if exists {
        return Ok(());
    }
    let ddl = format!("CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE");
    // `role` was checked to be a plain identifier.
    match sqlx::raw_sql(AssertSqlSafe(ddl)).execute(pool).await {
        Ok(_) => Ok(()),
        Err(e) if is_duplicate(&e) => Ok(()),
        Err(e) => Err(anyhow::Error::new(e).context(format!(
            "the application role `{role}` does not exist and the owner may not create it; \
             create it (LOGIN, without SUPERUSER or BYPASSRLS) or set ECOUTE_APP_ROLE"
        ))),
    }
}

/// Grants the application role what it needs and nothing more: read access to shared
/// reference tables, read/write access to tenant-owned tables (which RLS then confines).
pub(super) async fn grant_app_role(pool: &PgPool, role: &str) -> anyhow::Result<()> {
    assert!(crate::config::is_plain_identifier(role));
    let mut tx = pool.begin().await?;
    // GRANTs on the same objects from concurrent sessions can fail with "tuple concurrently
    // updated"; a transaction-level advisory lock serialises them.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('ecoute.grants'))")
        .execute(&mut *tx)
        .await?;
    let tenant_tables = rls::tenant_owned_tables(&mut tx).await?;
    let mut ddl = format!(
        "GRANT USAGE ON SCHEMA public TO {role};\n\
         GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};\n\
         REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON _sqlx_migrations FROM {role};\n\
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};\n"
    );
    for table in tenant_tables {
        ddl.push_str(&format!("GRANT INSERT, UPDATE, DELETE ON \"{table}\" TO {role};\n"));
    }
    // Platform tables: only the columns a space may see or change; secrets never
    // (docs/architecture.md, "Platform tables"). Revoking at table level first drops the
    // blanket SELECT above, and what earlier versions granted.
    for (table, select, update) in PLATFORM_TABLE_COLUMNS {
        ddl.push_str(&format!("REVOKE ALL ON \"{table}\" FROM {role};\n"));
        ddl.push_str(&format!("GRANT SELECT ({select}) ON \"{table}\" TO {role};\n"));
        if !update.is_empty() {
            ddl.push_str(&format!("GRANT UPDATE ({update}), DELETE ON \"{table}\" TO {role};\n"));
        }
    }
    for table in OWNER_WRITTEN_TENANT_TABLES {
        ddl.push_str(&format!("REVOKE INSERT, UPDATE, DELETE ON \"{table}\" FROM {role};\n"));
    }
    for table in APPEND_ONLY_TABLES {
        ddl.push_str(&format!("REVOKE UPDATE, DELETE ON \"{table}\" FROM {role};\n"));
    }
    for function in APP_FUNCTIONS {
        ddl.push_str(&format!("GRANT EXECUTE ON FUNCTION {function} TO {role};\n"));
    }
    // `role` is a plain identifier and table names come from the catalog.
    sqlx::raw_sql(AssertSqlSafe(ddl)).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Platform tables (no `tenant_id`) and the columns the application role may read and update.
/// Their rows are further confined by RLS (the spaces linked to an account; a space's
/// operators), and what else they need goes through SECURITY DEFINER functions
/// (migration `platform_identity`): `password_hash` and `totp_secret` are in no list.
pub const PLATFORM_TABLE_COLUMNS: &[(&str, &str, &str)] = &[
    (
        "accounts",
        "id, email, pseudonym, created_at, deleted_at, reply_mail, lang",
        "pseudonym, deleted_at, reply_mail, lang",
    ),
    (
        "operators",
        "id, email, name, national_admin, failed_attempts, locked_until, created_at, disabled_at",
        "",
    ),
];

/// Tenant tables that only SECURITY DEFINER functions and triggers write (the links that let a
/// space reach an account).
pub(super) const OWNER_WRITTEN_TENANT_TABLES: &[&str] = &["account_spaces"];

/// Tenant tables the application may add to but never change: the audit log.
pub(super) const APPEND_ONLY_TABLES: &[&str] = &["audit_log"];

/// The national console's way to write the registry of spaces (each checks, in the database,
/// that the transaction is in the national space's context).
pub(super) const APP_FUNCTIONS: &[&str] = &[
    "console_activate_module(text, text, text, text, text)",
    "console_set_module_status(uuid, text)",
    "console_set_branding(uuid, text, text, text, text)",
    "console_set_quotas(uuid, jsonb)",
    "console_set_default_quotas(jsonb)",
    "console_revoke_national_admin(uuid, uuid)",
];

/// The server must run as a role that row-level security applies to.
pub(super) async fn check_app_role_is_confined(pool: &PgPool) -> anyhow::Result<()> {
    let (name, superuser, bypass, owned): (String, bool, bool, i64) = sqlx::query_as(
        "SELECT r.rolname, r.rolsuper, r.rolbypassrls,
                (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relowner = r.oid)
           FROM pg_roles r WHERE r.rolname = current_user",
    )
    .fetch_one(pool)
    .await?;
    if superuser || bypass || owned > 0 {
        bail!(
            "refusing to start: the application role `{name}` {} — row-level security would not \
             apply to it. Connect the server as a non-owner role without BYPASSRLS (ECOUTE_APP_ROLE / ECOUTE_APP_DATABASE_URL).",
            if superuser {
                "is a superuser"
            } else if bypass {
                "has BYPASSRLS"
            } else {
                "owns tables"
            }
        );
    }
    Ok(())
}
