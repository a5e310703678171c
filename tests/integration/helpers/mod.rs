//! Test harness: a real PostgreSQL (the one in DATABASE_URL, else the embedded cluster), a
//! fresh database per test cloned from a migrated and synced template, and real servers on
//! loopback ports.
//!
//! The servers and fixtures are here; the test databases are in `database.rs`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ecoute::config::{Settings, TrustedProxies};
use ecoute::startup::Application;
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

mod citus;
mod database;

pub use database::TestDb;

pub const APP_ROLE: &str = "ecoute_app";

/// The checkout under test, as `cargo test` says when it runs the tests (a test binary reused
/// from another clone sharing the target folder keeps its compile-time path).
pub fn project_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

pub fn tenants_dir() -> PathBuf {
    project_dir().join("tenants")
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
        crypto();
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
        crypto();
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

/// Installs rustls's ring provider for this test process: reqwest is built with rustls and no
/// default provider (see `telemetry::init`), and building a client without one panics, whatever
/// order the tests run in.
pub fn crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
