//! Builds the application and runs it until a shutdown signal.
//!
//! The listener is bound before serving (port 0 allowed, for tests), and shutdown is graceful:
//! in-flight requests finish, background tasks stop, then the database pool closes.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::db::Database;
use crate::mail::worker::{MailWorker, Transport};
use crate::tenancy::{TenantDb, TenantResolver};
use crate::web::{AppState, router};

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pool: PgPool,
    background: CancellationToken,
    resolver: TenantResolver,
}

impl Application {
    /// Connects as the application role (refusing one that bypasses RLS), starts the tenant
    /// change listener and binds `listen`.
    pub async fn build(settings: &Settings, db: &Database, listen: SocketAddr) -> anyhow::Result<Self> {
        let pool = db.connect_app(32).await?;
        let resolver = TenantResolver::new(pool.clone(), &settings.base_domain);
        let background = CancellationToken::new();
        tokio::spawn(resolver.clone().listen_for_changes(background.child_token()));
        let transport = Transport::from_settings(settings.smtp_url.as_deref(), &settings.mail_from)?;
        tokio::spawn(MailWorker::new(pool.clone(), transport).run(background.child_token()));
        let state = AppState {
            db: TenantDb::new(pool.clone()),
            resolver: resolver.clone(),
            trusted_proxies: settings.trusted_proxies.clone().into(),
            csrf_key: std::sync::Arc::new(crate::db::load_csrf_key(&pool).await?),
            write_limiter: settings
                .write_limit_per_minute
                .map(crate::web::rate_limit::WriteLimiter::new),
        };
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        Ok(Application {
            listener,
            router: router(state),
            pool,
            background,
            resolver,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// The resolver, so tests and tools can inspect or clear the cache.
    pub fn resolver(&self) -> &TenantResolver {
        &self.resolver
    }

    /// Serves until `shutdown` completes, then drains connections and stops background work.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await;
        self.background.cancel();
        self.pool.close().await;
        result.context("server error")
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
