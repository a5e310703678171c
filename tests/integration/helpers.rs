//! Test harness: a real PostgreSQL (the one in DATABASE_URL, else the embedded cluster), a
//! fresh database per test cloned from a migrated and synced template, and real servers on
//! loopback ports.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ecoute::config::{Settings, TrustedProxies};
use ecoute::db::Database;
use ecoute::db::embedded::EmbeddedCluster;
use ecoute::startup::Application;
use ecoute::tenancy::sync::{SyncMode, sync_tenants};
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgConnection, PgPool};
use tokio::sync::{Mutex, OnceCell};
use uuid::Uuid;

pub const APP_ROLE: &str = "ecoute_app";

/// Where test databases are created; shared by every test of this process.
struct Server {
    /// Options to a maintenance database as a role that may create databases.
    admin: PgConnectOptions,
    template: String,
    _embedded: Option<EmbeddedCluster>,
}

static SERVER: OnceCell<Server> = OnceCell::const_new();
static CREATE_LOCK: Mutex<()> = Mutex::const_new(());
static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn tenants_dir() -> PathBuf {
    project_dir().join("tenants")
}

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
            drop_stale_databases(&admin).await;
            let template = format!("ecoute_test_{}_template", std::process::id());
            create_database(&admin, &template, None).await;
            let db = Database::with_options(admin.clone().database(&template), APP_ROLE, None);
            db.migrate().await.expect("migrations apply");
            let owner = db.connect_owner().await.unwrap();
            sync_tenants(&owner, &tenants_dir(), "localhost", SyncMode::Apply)
                .await
                .expect("tenants/ syncs");
            owner.close().await;
            Server {
                admin,
                template,
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
async fn drop_stale_databases(admin: &PgConnectOptions) {
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
        create_database(&server.admin, &name, Some(&server.template)).await;
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
        self.db.connect_app(4).await.unwrap()
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
        let (admin, name) = (server.admin.clone(), self.name.clone());
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
                done.ok()
            })
        });
        let _ = dropped.join();
    }
}

/// A running server on a loopback port.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub test_db: TestDb,
    stop: tokio_util::sync::CancellationToken,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_on(TestDb::new().await, &[]).await
    }

    /// Starts a server on `test_db`, trusting `proxies` for forwarded headers.
    pub async fn spawn_on(test_db: TestDb, proxies: &[&str]) -> Self {
        Self::spawn_with(test_db, proxies, None).await
    }

    /// Starts a server sending its mail to `smtp_url`.
    pub async fn spawn_with_smtp(smtp_url: &str) -> Self {
        Self::spawn_with(TestDb::new().await, &[], Some(smtp_url.to_owned())).await
    }

    async fn spawn_with(test_db: TestDb, proxies: &[&str], smtp_url: Option<String>) -> Self {
        let mut settings = test_db.settings();
        settings.smtp_url = smtp_url.map(Into::into);
        settings.trusted_proxies = TrustedProxies::parse(proxies).unwrap();
        Self::spawn_with_settings(test_db, settings).await
    }

    /// Starts a server with explicit settings.
    pub async fn spawn_with_settings(test_db: TestDb, settings: Settings) -> Self {
        let app = Application::build(&settings, &test_db.db, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("app builds");
        let addr = app.local_addr();
        let stop = tokio_util::sync::CancellationToken::new();
        let token = stop.clone();
        tokio::spawn(async move { app.run_until(async move { token.cancelled().await }).await });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        TestApp {
            addr,
            client,
            test_db,
            stop,
        }
    }

    /// A handle on a server running elsewhere (another process) on `test_db`'s database.
    pub fn attach(test_db: TestDb, addr: SocketAddr) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        TestApp {
            addr,
            client,
            test_db,
            stop: tokio_util::sync::CancellationToken::new(),
        }
    }

    /// A second server on the same database (a second pod).
    pub async fn spawn_sibling(&self) -> TestApp {
        TestApp::spawn_on(self.test_db.sharing(), &[]).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// GET `path` as if addressed to `host`.
    pub async fn get(&self, host: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("host", host)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_text(&self, host: &str, path: &str) -> (u16, String) {
        let response = self.get(host, path).await;
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The space `id` as a [`TenantId`], which may open its transactions: found in the list of
/// spaces, as a job finds them (a test does not get to turn any `Uuid` into one either).
pub async fn space(db: &ecoute::tenancy::TenantDb, id: Uuid) -> ecoute::tenancy::TenantId {
    db.list_tenants()
        .await
        .expect("the spaces")
        .into_iter()
        .map(|(space, _)| space)
        .find(|space| *space == id)
        .unwrap_or_else(|| panic!("no space {id}"))
}

/// Id of a tenant by slug, as the owner.
pub async fn tenant_id(owner: &PgPool, slug: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1")
        .bind(slug)
        .fetch_one(owner)
        .await
        .unwrap()
}

/// Inserts a published, open campaign for `slug` as the owner (inside that tenant's context,
/// since RLS is forced even for the owner). Returns its id.
pub async fn insert_campaign(owner: &PgPool, slug: &str, scope: &str, title: &str) -> Uuid {
    let tenant = tenant_id(owner, slug).await;
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO campaigns (tenant_id, slug, scope, title, summary, opens_at, closes_at, published_at)
         VALUES ($1, $2, $3, $4, 'résumé', now() - interval '1 day', now() + interval '55 days', now())
         RETURNING id",
    )
    .bind(tenant)
    .bind(format!("c-{}", Uuid::new_v4().simple()))
    .bind(scope)
    .bind(title)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Runs `sql` (fixtures) as the owner inside `tenant`'s context.
pub async fn as_owner(owner: &PgPool, tenant: Uuid, sql: String) {
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("fixture failed: {e}"));
    tx.commit().await.unwrap();
}

/// A published, open campaign of `tenant` (see [`insert_campaign`]); returns its slug.
pub async fn campaign_slug(app: &TestApp, tenant: &str, scope: &str) -> String {
    let owner = app.test_db.owner().await;
    let id = insert_campaign(&owner, tenant, scope, "Consultation test").await;
    sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(id)
        .fetch_one(&owner)
        .await
        .unwrap()
}

/// Polls `check` every 25 ms until it holds or `within` passes; returns whether it held.
pub async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Signs `email` in on the space `slug` without the e-mail round trip (for tests about
/// something else): creates the account and a session; returns the session cookie value.
pub async fn session_for(owner: &PgPool, slug: &str, email: &str) -> String {
    let tenant = tenant_id(owner, slug).await;
    let pseudonym = email.split('@').next().unwrap();
    let account: Uuid = sqlx::query_scalar(
        "INSERT INTO accounts (email, pseudonym) VALUES ($1, $2) ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id",
    )
    .bind(email)
    .bind(pseudonym)
    .fetch_one(owner)
    .await
    .unwrap();
    let token = ecoute::tokens::new_token();
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    sqlx::query("INSERT INTO sessions (tenant_id, id_hash, account_id, expires_at) VALUES ($1, $2, $3, now() + interval '1 day')")
        .bind(tenant)
        .bind(ecoute::tokens::hash_token(&token))
        .bind(account)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    token
}

/// Runs the futures concurrently on the current task (they may borrow), in order of the input.
pub async fn join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut running: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = running.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, slot) in running.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *slot = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    done.into_iter().map(|v| v.expect("every future completed")).collect()
}
