//! LISTEN/NOTIFY: how an instance learns that something it caches changed, whichever instance
//! (or CLI command) changed it.
//!
//! Triggers in the migrations notify one channel per kind of change; [`listen`] runs one
//! connection per instance that listens on all of them and hands each notification to a
//! callback. When the connection is lost, the callback gets [`Change::Anything`]: whatever was
//! missed meanwhile, caches must forget everything.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio_util::sync::CancellationToken;

/// A trigger on `tenants` (payload: the slug).
pub const TENANT_CHANNEL: &str = "ecoute_tenant_changed";
/// Triggers on `accounts` (updated or deleted) and `sessions` (deleted); payload: the account
/// id, or `*` when the staff list of a space changed (every cached session goes).
pub const ACCOUNT_CHANNEL: &str = "ecoute_account_changed";
/// A trigger on `campaigns`; payload: the campaign id.
pub const CAMPAIGN_CHANNEL: &str = "ecoute_campaign_changed";

/// Statement triggers on what results pages show besides the campaign row (decisions,
/// analysis, moderation; migration 0023); empty payload.
pub const RESULTS_CHANNEL: &str = "ecoute_results_changed";

/// What the listener saw.
#[derive(Debug)]
pub enum Change<'a> {
    /// Notifications may have been missed (first connection, or a reconnection).
    Anything,
    On {
        channel: &'a str,
        payload: &'a str,
    },
}

/// This instance's reaction to a change, at hand for the handler that made it: the domain that
/// writes a campaign need not know every cache that shows one (idea lists, results pages). The
/// notification, a moment later, repeats the same reaction on every instance; forgetting twice
/// is harmless. The composition root builds it from the listener's own callback.
#[derive(Clone)]
pub struct Forget(Arc<dyn Fn(Change<'_>) + Send + Sync>);

impl Forget {
    pub fn new(react: impl Fn(Change<'_>) + Send + Sync + 'static) -> Self {
        Forget(Arc::new(react))
    }

    /// A campaign changed (its fields, or what its pages list: ideas, their moderation).
    pub fn campaign(&self, id: uuid::Uuid) {
        (self.0)(Change::On {
            channel: CAMPAIGN_CHANNEL,
            payload: &id.to_string(),
        });
    }

    /// What the results pages show changed (decisions, news, analysis).
    pub fn results(&self) {
        (self.0)(Change::On {
            channel: RESULTS_CHANNEL,
            payload: "",
        });
    }
}

/// Listens on `channels` until `stop` fires, reconnecting after a failure.
pub async fn listen<F>(pool: PgPool, channels: &'static [&'static str], stop: CancellationToken, on_change: F)
where
    F: Fn(Change<'_>) + Send + 'static,
{
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen_all(channels.iter().copied()).await {
                Ok(()) => {
                    on_change(Change::Anything);
                    loop {
                        tokio::select! {
                            _ = stop.cancelled() => return,
                            message = listener.try_recv() => match message {
                                Ok(Some(n)) => on_change(Change::On { channel: n.channel(), payload: n.payload() }),
                                // The connection was lost and re-established by sqlx.
                                Ok(None) => on_change(Change::Anything),
                                Err(error) => {
                                    tracing::warn!(%error, "change listener failed; reconnecting");
                                    break;
                                }
                            }
                        }
                    }
                }
                Err(error) => tracing::warn!(%error, "cannot LISTEN for changes"),
            },
            Err(error) => tracing::warn!(%error, "cannot connect the change listener"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}
