//! Tenant-scoped database access: the only way handlers reach PostgreSQL.
//!
//! [`TenantDb::begin`] opens a transaction and sets `app.tenant_id` with `SET LOCAL`, which is
//! *transaction-local*: it vanishes at commit or rollback, so a pooled connection can never carry
//! one tenant's context into another request. (A session-level `SET` would.) Row-level security
//! policies read the setting through `app_current_tenant()`. `SET LOCAL` rather than
//! `set_config(…, true)` because a Citus coordinator forwards it to its workers
//! ([`crate::db::begin_in_tenant`]).

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::{Tenant, TenantId};

/// The application role's pool, wrapped so that the only thing one can do with it is open a
/// tenant-scoped transaction (or check the database answers).
#[derive(Clone)]
pub struct TenantDb {
    pool: PgPool,
    /// The longest statement of a transaction begun for a request (see
    /// [`crate::db::as_a_request`]); jobs and downloads are not limited.
    request_limit: Option<Duration>,
}

impl TenantDb {
    pub fn new(pool: PgPool) -> Self {
        TenantDb {
            pool,
            request_limit: None,
        }
    }

    /// Limits the statements of the transactions begun while a request is served.
    pub fn with_request_limit(mut self, limit: Option<Duration>) -> Self {
        self.request_limit = limit;
        self
    }

    /// Begins a transaction in which every query sees only `tenant`'s rows (plus what the
    /// policies share, such as published national campaigns).
    pub async fn begin(&self, tenant: &Tenant) -> Result<TenantTx, sqlx::Error> {
        self.begin_in(tenant.tenant_id()).await
    }

    /// Begins a transaction in the space `tenant_id`: an id that resolution, the list of
    /// spaces or a database row gave, never one a request carried (see [`TenantId`]).
    pub async fn begin_in(&self, tenant_id: TenantId) -> Result<TenantTx, sqlx::Error> {
        let tenant_id = tenant_id.uuid();
        // One round trip: BEGIN and the setting travel as one simple query (`SET LOCAL`, which
        // a Citus coordinator forwards to its workers; see `begin_in_tenant`).
        let limit = self.request_limit.filter(|_| crate::db::serves_a_request());
        let begin = crate::db::begin_in_tenant_limited(tenant_id, limit);
        // When traces are exported, each transaction is a client span (child of the request's
        // or the job's span) that lasts until commit or rollback.
        let span = crate::telemetry::exporting_traces().then(|| {
            tracing::info_span!(
                target: "ecoute::db",
                "db.transaction",
                otel.kind = "client",
                db.system.name = "postgresql",
                ecoute.tenant_id = %tenant_id,
            )
        });
        // Cancel-safe: sqlx 0.9.0 raises its transaction depth only after BEGIN's answer, so a
        // request dropped in between (a client hanging up) would put a connection back in the
        // pool inside a transaction nobody rolls back (launchbadge/sqlx#4393, fixed after
        // 0.9.0). The BEGIN runs in its own task: if the request goes away, the task still
        // finishes, and dropping the finished transaction queues its ROLLBACK.
        let pool = self.pool.clone();
        let tx = tokio::spawn(async move { pool.begin_with(sqlx::AssertSqlSafe(begin)).await })
            .await
            .map_err(|e| sqlx::Error::Io(std::io::Error::other(e)))??;
        Ok(TenantTx {
            tx,
            tenant_id,
            _span: span,
        })
    }

    /// A transaction in no space: RLS shows no tenant's rows, only the shared tables (the list
    /// of spaces, for a job that then visits each one in its own transaction).
    pub async fn begin_shared(&self) -> Result<TenantTx, sqlx::Error> {
        self.begin_in(TenantId::from_database(Uuid::nil())).await
    }

    /// Every space (id, slug), for the few operations that visit each one in turn, each in its
    /// own tenant-scoped transaction (a person's own data, the mail sweep).
    pub async fn list_tenants(&self) -> Result<Vec<(TenantId, String)>, sqlx::Error> {
        let spaces: Vec<(TenantId, String)> =
            sqlx::query!(r#"SELECT id AS "id: TenantId", slug FROM tenants ORDER BY kind, slug"#)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(|t| (t.id, t.slug))
                .collect();
        if crate::telemetry::metrics::enabled() {
            let named: Vec<(Uuid, String)> = spaces.iter().map(|(id, slug)| (id.uuid(), slug.clone())).collect();
            crate::telemetry::metrics::remember_tenants(&named);
        }
        Ok(spaces)
    }

    /// Deletes a platform-wide account from a space it is linked to (the one where its owner
    /// asked: RLS lets a space delete only the accounts it reaches). Accounts are not a
    /// tenant's rows; their foreign keys clear or cascade the person's links in every space.
    /// Returns whether the account was deleted.
    pub async fn delete_account(&self, here: &Tenant, account: Uuid) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin(here).await?;
        let deleted = sqlx::query!("DELETE FROM accounts WHERE id = $1", account)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(deleted == 1)
    }

    /// Readiness: the database answers within the pool's acquire timeout.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }
}

/// A transaction bound to one tenant. Dereferences to the connection for queries; call
/// [`TenantTx::commit`] to keep writes (dropping it rolls back).
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    tenant_id: Uuid,
    /// Closed when the transaction ends (see [`TenantDb::begin_in`]).
    _span: Option<tracing::Span>,
}

impl TenantTx {
    pub fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }

    /// Commits. Cancel-safe like the BEGIN: a COMMIT already sent is seen through in its own
    /// task, so a request dropped meanwhile neither follows it with a stray ROLLBACK nor
    /// leaves the outcome to chance.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let TenantTx { tx, _span, .. } = self;
        tokio::spawn(async move {
            let committed = tx.commit().await;
            drop(_span);
            committed
        })
        .await
        .map_err(|e| sqlx::Error::Io(std::io::Error::other(e)))?
    }
}

impl Deref for TenantTx {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for TenantTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}
