//! The test databases: one shared server (DATABASE_URL or the embedded cluster), a migrated and
//! synced template, and a fresh database per test cloned from it and dropped after. On a Citus
//! coordinator, each of them on every node too (`citus.rs`).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use ecoute::config::Settings;
use ecoute::db::Database;
use ecoute::db::embedded::EmbeddedCluster;
use ecoute::tenancy::sync::{SyncMode, sync_tenants};
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgConnection, PgPool};
use tokio::sync::{Mutex, OnceCell};

use super::*;

/// Where test databases are created; shared by every test of this process.
struct Server {
    /// Options to a maintenance database as a role that may create databases.
    admin: PgConnectOptions,
    template: String,
    /// The Citus workers, when `admin` is a Citus coordinator; else empty.
    workers: Vec<PgConnectOptions>,
    _embedded: Option<EmbeddedCluster>,
}

static SERVER: OnceCell<Server> = OnceCell::const_new();
static CREATE_LOCK: Mutex<()> = Mutex::const_new(());
static COUNTER: AtomicUsize = AtomicUsize::new(0);

async fn server() -> &'static Server {
    SERVER
        .get_or_init(|| async {
            let (admin, embedded) = match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
                Some(url) => (
                    url.parse::<PgConnectOptions>().expect("DATABASE_URL is a valid URL"),
                    None,
                ),
                None => {
                    let dir = project_dir().join(".ecoute");
                    let cluster = tokio::task::spawn_blocking(move || EmbeddedCluster::start(&dir))
                        .await
                        .unwrap()
                        .expect("the embedded PostgreSQL cluster starts");
                    (cluster.connect_options("postgres"), Some(cluster))
                }
            };
            let admin = admin.log_statements(tracing::log::LevelFilter::Trace);
            let workers = citus::workers(&admin).await.unwrap_or_default();
            drop_stale_databases(&admin, &workers).await;
            let template = format!("ecoute_test_{}_template", std::process::id());
            if workers.is_empty() {
                create_database(&admin, &template, None).await;
            } else {
                citus::create_template(&admin, &workers, &template).await;
            }
            let db = Database::with_options(admin.clone().database(&template), APP_ROLE, None);
            db.migrate().await.expect("migrations apply");
            let owner = db.connect_owner().await.unwrap();
            sync_tenants(&owner, &tenants_dir(), "localhost", SyncMode::Apply)
                .await
                .expect("tenants/ syncs");
            // On Citus, the step again, now that the national space exists (its shard).
            ecoute::db::citus::distribute(&owner)
                .await
                .expect("the Citus step runs");
            owner.close().await;
            Server {
                admin,
                template,
                workers,
                _embedded: embedded,
            }
        })
        .await
}

async fn create_database(admin: &PgConnectOptions, name: &str, template: Option<&str>) {
    let _guard = CREATE_LOCK.lock().await;
    let mut conn = PgConnection::connect_with(admin)
        .await
        .expect("connect to the maintenance database");
    let sql = match template {
        Some(t) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\""),
        None => format!("CREATE DATABASE \"{name}\""),
    };
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut conn)
        .await
        .expect("create test database");
    conn.close().await.ok();
}

/// Drops test databases left by test processes that are gone.
async fn drop_stale_databases(admin: &PgConnectOptions, workers: &[PgConnectOptions]) {
    let mut conn = PgConnection::connect_with(admin)
        .await
        .expect("connect to the maintenance database");
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'ecoute\\_test\\_%'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
            citus::drop_on_workers(workers, &name).await;
            let _ = sqlx::raw_sql(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await;
        }
    }
    conn.close().await.ok();
}

/// A fresh database for one test: migrated, with the `tenants/` folder synced.
pub struct TestDb {
    pub db: Database,
    /// The test database this handle drops when it goes (see its `Drop`); anything but an
    /// `ecoute_test_…` name (a second handle from [`TestDb::sharing`], a private cluster's
    /// `postgres`) is left alone.
    pub name: String,
}

impl TestDb {
    pub async fn new() -> Self {
        let server = server().await;
        let name = format!(
            "ecoute_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        if server.workers.is_empty() {
            create_database(&server.admin, &name, Some(&server.template)).await;
        } else {
            let _guard = CREATE_LOCK.lock().await;
            citus::clone_template(&server.admin, &server.workers, &server.template, &name).await;
        }
        let db = Database::with_options(server.admin.clone().database(&name), APP_ROLE, None);
        TestDb { db, name }
    }

    /// A second handle on the same database (a second pod), which leaves dropping it to this one.
    pub fn sharing(&self) -> TestDb {
        TestDb {
            db: Database::with_options(self.db.owner.clone(), APP_ROLE, None),
            name: String::new(),
        }
    }

    pub async fn owner(&self) -> PgPool {
        self.db.connect_owner().await.unwrap()
    }

    /// A pool connected as the application role, checked to be confined by RLS.
    pub async fn app_pool(&self) -> PgPool {
        self.app_pool_of(4).await
    }

    /// The same, with `connections` at most (one: every statement on the same backend).
    pub async fn app_pool_of(&self, connections: u32) -> PgPool {
        self.db.connect_app(connections).await.unwrap()
    }

    pub fn settings(&self) -> Settings {
        let mut settings = Settings::defaults();
        settings.tenants_dir = tenants_dir();
        settings
    }
}

/// The database goes with its test. After a failure it stays, for inspection, until the next
/// run drops it ([`drop_stale_databases`]); the template goes the same way, as nothing runs
/// after the last test of a process.
impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(server) = SERVER.get() else { return };
        if std::thread::panicking() || !self.name.starts_with("ecoute_test_") {
            return;
        }
        let (admin, name, workers) = (server.admin.clone(), self.name.clone(), server.workers.clone());
        // Drop runs inside the test's runtime, which may not block: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut conn = PgConnection::connect_with(&admin).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                let done = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await;
                conn.close().await.ok();
                super::citus::drop_on_workers(&workers, &name).await;
                done.ok()
            })
        });
        let _ = dropped.join();
    }
}
