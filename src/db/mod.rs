//! Database access: where the connections come from, who they connect as, and the schema.
//!
//! Two roles, on purpose:
//! - the **owner** (from `DATABASE_URL`, or the embedded cluster's superuser) runs migrations,
//!   `tenants sync` and demo seeding;
//! - the **application role** (`ecoute_app` by default) is what the web server connects as. It
//!   owns nothing, has no BYPASSRLS, and so every row it reads goes through forced row-level
//!   security. [`connect_app`] refuses a role that could get around it.
//!
//! Handlers never see a pool: they get a tenant-scoped transaction from
//! [`crate::tenancy::TenantDb`].

pub mod changes;
pub mod citus;
pub mod embedded;
pub mod rls;

use std::time::Duration;

use anyhow::{Context, bail};
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, PgPool};

use crate::config::Settings;
use embedded::EmbeddedCluster;

mod roles;

pub use roles::*;

/// The migrations folder, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Name of the database created in the embedded cluster.
pub const EMBEDDED_DATABASE: &str = "ecoute";

/// Where the database is and how to reach it as owner and as the application role.
pub struct Database {
    pub owner: PgConnectOptions,
    pub app: PgConnectOptions,
    pub app_role: String,
    /// Keeps the embedded cluster claimed for as long as this value lives.
    pub embedded: Option<EmbeddedCluster>,
    /// False when only `ECOUTE_APP_DATABASE_URL` was given: this process may serve, not migrate.
    pub(super) owner_known: bool,
}

impl Database {
    /// Resolves the settings: the given server, or the embedded cluster (started if needed).
    pub async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let (owner, embedded) = match (&settings.database_url, &settings.app_database_url) {
            (Some(url), _) => (
                url.expose_secret()
                    .parse::<PgConnectOptions>()
                    .context("DATABASE_URL is not a valid PostgreSQL URL")?,
                None,
            ),
            // Only the application role's URL: a server or worker pod that never migrates
            // (Kubernetes). Owner commands then fail in `connect_owner` with a clear message.
            (None, Some(app_url)) => (
                app_url
                    .expose_secret()
                    .parse::<PgConnectOptions>()
                    .context("ECOUTE_APP_DATABASE_URL is not a valid PostgreSQL URL")?,
                None,
            ),
            (None, None) => {
                let data_dir = settings.data_dir.clone();
                let cluster = tokio::task::spawn_blocking(move || EmbeddedCluster::start(&data_dir)).await??;
                create_database_if_missing(&cluster.connect_options("postgres"), EMBEDDED_DATABASE).await?;
                (cluster.connect_options(EMBEDDED_DATABASE), Some(cluster))
            }
        };
        let app = match &settings.app_database_url {
            Some(url) => url
                .expose_secret()
                .parse::<PgConnectOptions>()
                .context("ECOUTE_APP_DATABASE_URL is not a valid PostgreSQL URL")?,
            None => derive_app_options(
                &owner,
                &settings.app_role,
                settings.app_password.as_ref().map(|p| p.expose_secret()),
            ),
        };
        Ok(Database {
            owner_known: settings.database_url.is_some() || settings.app_database_url.is_none(),
            owner: quiet(owner),
            app: quiet(app),
            app_role: settings.app_role.clone(),
            embedded,
        })
    }

    /// A database given by explicit owner options (tests, tools); the application role's
    /// options are derived from them.
    pub fn with_options(owner: PgConnectOptions, app_role: &str, app_password: Option<&str>) -> Self {
        let app = derive_app_options(&owner, app_role, app_password);
        Database {
            owner_known: true,
            owner: quiet(owner),
            app: quiet(app),
            app_role: app_role.to_owned(),
            embedded: None,
        }
    }

    pub async fn connect_owner(&self) -> anyhow::Result<PgPool> {
        if !self.owner_known {
            bail!("this command runs as the schema owner: set DATABASE_URL (only ECOUTE_APP_DATABASE_URL is set)");
        }
        PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(self.owner.clone())
            .await
            .context("cannot connect to PostgreSQL as the owner")
    }

    /// Migrates the schema and makes sure the application role exists with its grants.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let pool = self.connect_owner().await?;
        MIGRATOR.run(&pool).await.context("migrations failed")?;
        let citus = citus::distribute(&pool).await?;
        rls::mark_leakproof(&pool, citus).await?;
        ensure_app_role(&pool, &self.app_role).await?;
        ensure_server_keys(&pool).await?;
        grant_app_role(&pool, &self.app_role).await?;
        pool.close().await;
        Ok(())
    }

    /// Refuses to go on when the schema is behind the binary (serve without `migrate`).
    /// Checks, as the application role (which may read the migrations table, nothing more),
    /// that every migration of this binary is applied: web and worker pods need no owner URL.
    pub async fn check_migrated(&self) -> anyhow::Result<()> {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(self.app.clone())
            .await
            .context("cannot connect to PostgreSQL as the application role (has `ecoute migrate` run?)")?;
        let applied: Vec<i64> = match sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&pool)
            .await
        {
            Ok(applied) => applied,
            // No migrations table yet: nothing is applied.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P01") => Vec::new(),
            Err(e) => return Err(anyhow::Error::new(e).context("cannot read the applied migrations")),
        };
        pool.close().await;
        let missing: Vec<_> = MIGRATOR
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .map(|m| m.description.to_string())
            .collect();
        if !missing.is_empty() {
            bail!(
                "the database schema is behind this binary ({} migration(s) pending: {}); run `ecoute migrate`",
                missing.len(),
                missing.join(", ")
            );
        }
        Ok(())
    }

    /// Connects as the application role, after checking it cannot bypass row-level security.
    pub async fn connect_app(&self, max_connections: u32) -> anyhow::Result<PgPool> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .min_connections(1)
            // A broken connection fails its query and is replaced; pinging before each
            // checkout would add a round trip to every request.
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(self.app.clone())
            .await
            .context("cannot connect to PostgreSQL as the application role (has `ecoute migrate` run?)")?;
        check_app_role_is_confined(&pool).await?;
        Ok(pool)
    }
}

pub(super) fn quiet(options: PgConnectOptions) -> PgConnectOptions {
    options
        .log_statements(tracing::log::LevelFilter::Trace)
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500))
}

/// The owner's connection with the user (and password) replaced by the application role's.
pub(super) fn derive_app_options(owner: &PgConnectOptions, role: &str, password: Option<&str>) -> PgConnectOptions {
    let app = owner.clone().username(role);
    match password {
        Some(p) => app.password(p),
        // The owner's password must not be reused for another role; `password("")` clears it.
        None => app.password(""),
    }
}

pub(super) async fn create_database_if_missing(admin: &PgConnectOptions, name: &str) -> anyhow::Result<()> {
    let mut conn = admin
        .connect()
        .await
        .context("cannot connect to the embedded cluster")?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(&mut conn)
        .await?;
    if !exists {
        // The name is a constant of ours, not user input.
        match sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut conn)
            .await
        {
            Ok(_) => {}
            // Another process created it in the meantime.
            Err(e) if is_duplicate(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Roles are cluster-wide, so a concurrent creation by another process is not an error.
pub fn is_duplicate(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| c == "42710" || c == "23505" || c == "42P04")
}

/// An owner transaction inside one space's context, for the tools that write as the owner
/// (demo seeding, `ecoute operators invite`, tests). The context is what triggers and defaults
/// read (`app_current_tenant()`), and it confines the owner's reads only when the owner is not
/// a superuser: forced RLS applies to a table's owner, but a superuser (the embedded cluster's
/// owner, and the usual `DATABASE_URL` in development) bypasses RLS altogether. So every query
/// an owner tool runs names its tenant explicitly, as the server's queries do; the wall that
/// holds on its own is the one around the application role (tested in `isolation.rs`).
pub async fn owner_tx_in(
    owner: &PgPool,
    tenant: uuid::Uuid,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    owner.begin_with(AssertSqlSafe(begin_in_tenant(tenant))).await
}

/// The statements that open a transaction in one space's context, sent as one simple query (one
/// round trip): `BEGIN`, then `app.tenant_id` set for the transaction only.
///
/// `SET LOCAL`, not `set_config(…, true)`: on a Citus coordinator, `SET LOCAL` commands are
/// forwarded to the workers' connections of the transaction when
/// `citus.propagate_set_commands = 'local'`, so the row-level security policies on the shards
/// see the tenant; a `set_config` call is not forwarded, and the workers' policies would see no
/// tenant (and show no rows). Plain PostgreSQL takes `citus.propagate_set_commands` as a
/// placeholder setting (any dotted name is one), so the same statements serve both. The id is
/// a UUID formatted here (hex digits and dashes), never text from a request.
pub fn begin_in_tenant(tenant: uuid::Uuid) -> String {
    format!("BEGIN; SET LOCAL citus.propagate_set_commands = 'local'; SET LOCAL app.tenant_id = '{tenant}'")
}

/// [`begin_in_tenant`], with the transaction's statements limited to `limit` (PostgreSQL's
/// `statement_timeout`, for this transaction only) when one is given: still one round trip.
pub fn begin_in_tenant_limited(tenant: uuid::Uuid, limit: Option<Duration>) -> String {
    let begin = begin_in_tenant(tenant);
    match limit {
        Some(limit) => format!(
            "{begin}; SET LOCAL statement_timeout = '{}ms'",
            limit.as_millis().max(1)
        ),
        None => begin,
    }
}

tokio::task_local! {
    /// Whether the running task serves a request: set by the request envelope
    /// (`web::requests`), read when a transaction begins ([`serves_a_request`]).
    static SERVING_A_REQUEST: bool;
}

/// Runs `work` as a request's: the transactions it begins get the request statement limit
/// ([`crate::tenancy::TenantDb::with_request_limit`]). A request that is answered, or abandoned
/// by its client or its timeout, then leaves no query running on in PostgreSQL.
pub async fn as_a_request<F: std::future::Future>(work: F) -> F::Output {
    SERVING_A_REQUEST.scope(true, work).await
}

/// Runs `work` without the request statement limit, from within a request: what fills a cache
/// every request shares, and must finish even when it takes longer than one request may.
pub async fn beyond_the_request<F: std::future::Future>(work: F) -> F::Output {
    SERVING_A_REQUEST.scope(false, work).await
}

/// Whether the running task serves a request (see [`as_a_request`]). Spawned tasks do not
/// inherit it: a job, a stream or a background reload is not limited.
pub fn serves_a_request() -> bool {
    SERVING_A_REQUEST.try_with(|serving| *serving).unwrap_or(false)
}

/// Creates the keys every instance shares (the CSRF HMAC key), once.
pub(super) async fn ensure_server_keys(pool: &PgPool) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO server_keys (name, value) VALUES ('csrf', $1) ON CONFLICT (name) DO NOTHING")
        .bind(crate::tokens::random_key())
        .execute(pool)
        .await?;
    Ok(())
}

/// Reads the CSRF key (as the application role).
pub async fn load_csrf_key(pool: &PgPool) -> anyhow::Result<ring::hmac::Key> {
    let value: Vec<u8> = sqlx::query_scalar("SELECT value FROM server_keys WHERE name = 'csrf'")
        .fetch_optional(pool)
        .await?
        .context("no CSRF key in server_keys; run `ecoute migrate`")?;
    Ok(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &value))
}
