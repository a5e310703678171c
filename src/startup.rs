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

use crate::accounts::session::{SessionCache, Sessions};
use crate::app::{App, AppState, router};
use crate::campaigns::cache::CampaignCache;
use crate::config::Settings;
use crate::db::Database;
use crate::db::changes::{self, Change};
use crate::ideas::caches::{IdeaCacheParts, IdeaCaches};
use crate::ideas::likes::LikeWriter;
use crate::ideas::snapshot::IdeaSnapshots;
use crate::results::cache::ResultsCache;
use crate::tenancy::{TenantDb, TenantResolver};
use crate::web::{Ground, GroundParts};

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pool: PgPool,
    background: CancellationToken,
    mail_worker: Option<tokio::task::JoinHandle<()>>,
    resolver: TenantResolver,
}

impl Application {
    /// Connects as the application role (refusing one that bypasses RLS), starts the tenant
    /// change listener and binds `listen`.
    pub async fn build(settings: &Settings, db: &Database, listen: SocketAddr) -> anyhow::Result<Self> {
        let pool = db.connect_app(32).await?;
        let resolver = TenantResolver::new(pool.clone(), &settings.base_domain);
        let background = CancellationToken::new();
        // Off when `ecoute worker` runs them on its own (ECOUTE_BACKGROUND_JOBS=off).
        let mail_worker = if settings.background_jobs {
            crate::jobs::spawn_all(&pool, settings, &background);
            crate::jobs::mail_worker(&pool, settings, &background)?
        } else {
            None
        };
        let (sessions, campaigns, ideas, results) = (
            SessionCache::default(),
            CampaignCache::default(),
            IdeaSnapshots::default(),
            ResultsCache::default(),
        );
        let caches = || Caches {
            sessions: sessions.clone(),
            campaigns: campaigns.clone(),
            ideas: ideas.clone(),
            results: results.clone(),
        };
        tokio::spawn(changes::listen(
            pool.clone(),
            &[
                changes::TENANT_CHANNEL,
                changes::ACCOUNT_CHANNEL,
                changes::CAMPAIGN_CHANNEL,
                changes::RESULTS_CHANNEL,
            ],
            background.child_token(),
            forget_what_changed(resolver.clone(), caches()),
        ));
        let forget = changes::Forget::new(forget_what_changed(resolver.clone(), caches()));
        let statement_limit = settings
            .statement_timeout_seconds
            .map(|seconds| std::time::Duration::from_secs(seconds.into()));
        let db = TenantDb::new(pool.clone()).with_request_limit(statement_limit);
        let ground = Ground::new(GroundParts {
            db: db.clone(),
            resolver: resolver.clone(),
            trusted_proxies: settings.trusted_proxies.clone(),
            csrf_key: std::sync::Arc::new(crate::db::load_csrf_key(&pool).await?),
            write_limiter: settings
                .write_limit_per_minute
                .map(crate::web::rate_limit::WriteLimiter::new),
            signed_in: std::sync::Arc::new(Sessions {
                db,
                cache: sessions.clone(),
            }),
            operators: std::sync::Arc::new(crate::operators::queries::OperatorSessions),
        });
        let idea_caches = IdeaCaches::new(IdeaCacheParts {
            campaigns: campaigns.clone(),
            snapshots: ideas.clone(),
            pages: Default::default(),
            searches: Default::default(),
            likes: LikeWriter::start(TenantDb::new(pool.clone()), background.child_token()),
        });
        let state = AppState::new(App {
            ground,
            sessions,
            campaigns,
            ideas,
            results,
            idea_caches,
            forget,
            retention: settings.retention,
            oidc: crate::oidc::Oidc::new(settings.oidc.clone(), settings.server_keys.as_ref())?,
        });
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        Ok(Application {
            listener,
            router: router(state),
            pool,
            background,
            mail_worker,
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
        // The worker finishes the mail in hand before the pool goes.
        if let Some(worker) = self.mail_worker
            && let Err(error) = worker.await
        {
            tracing::warn!(%error, "mail worker ended abnormally");
        }
        self.pool.close().await;
        result.context("server error")
    }
}

/// The caches the change listener empties.
struct Caches {
    sessions: SessionCache,
    campaigns: CampaignCache,
    ideas: IdeaSnapshots,
    results: ResultsCache,
}

/// Which cache forgets what, on each change notification.
fn forget_what_changed(resolver: TenantResolver, caches: Caches) -> impl Fn(Change<'_>) + Send + Sync + 'static {
    let Caches {
        sessions,
        campaigns,
        ideas,
        results,
    } = caches;
    move |change| match change {
        Change::Anything => {
            resolver.invalidate_all();
            sessions.forget_all();
            campaigns.forget_all();
            ideas.forget_all();
            results.forget_all();
        }
        Change::On { channel, payload } => match channel {
            changes::TENANT_CHANNEL => {
                tracing::info!(tenant = payload, "tenant changed; cache cleared");
                resolver.invalidate_all();
                // A campaign seen from a space depends on the space (and so do its results:
                // the space's name and colours).
                campaigns.forget_all();
                results.forget_all();
            }
            changes::ACCOUNT_CHANNEL => match payload.parse() {
                Ok(account) => sessions.forget_account(account),
                Err(_) => sessions.forget_all(),
            },
            changes::CAMPAIGN_CHANNEL => {
                campaigns.forget_all();
                ideas.forget_all();
                results.forget_all();
            }
            changes::RESULTS_CHANNEL => results.forget_all(),
            _ => {}
        },
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
