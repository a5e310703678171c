//! The composition root: the only module that knows every domain. It defines the application
//! state, hands each domain the parts it asks for (axum substates, through [`FromRef`]) and
//! merges the domains' routes under the HTTP kit's layers ([`router`]).
//!
//! A domain never names this module: it takes `State<Ground>` and its own caches, and its
//! extractors are generic over any state that offers them.

pub mod openapi;
mod router;

use std::sync::Arc;

use axum::extract::FromRef;

pub use router::router;

use crate::accounts::session::SessionCache;
use crate::campaigns::cache::CampaignCache;
use crate::config::Retention;
use crate::db::changes::Forget;
use crate::ideas::caches::IdeaCaches;
use crate::ideas::snapshot::IdeaSnapshots;
use crate::results::cache::ResultsCache;
use crate::web::Ground;

/// The application state: one pointer, cloned by each request.
#[derive(Clone)]
pub struct AppState(Arc<App>);

impl AppState {
    pub fn new(app: App) -> Self {
        AppState(Arc::new(app))
    }
}

/// What [`AppState`] holds: the ground, then each domain's per-instance caches, emptied by the
/// change listener ([`crate::db::changes`]).
pub struct App {
    pub ground: Ground,
    pub sessions: SessionCache,
    pub campaigns: CampaignCache,
    pub ideas: IdeaSnapshots,
    pub results: ResultsCache,
    /// The ideas pages' and API's caches, with the batched like writer, as one pointer.
    pub idea_caches: IdeaCaches,
    /// What this instance forgets when a handler changes something ([`Forget`]).
    pub forget: Forget,
    /// The retention periods, as configured (the personal data page states them).
    pub retention: Retention,
    /// The OpenID providers (FranceConnect, ProConnect) and their HTTP client.
    pub oidc: crate::oidc::Oidc,
}

/// `impl FromRef<AppState>` for each part, by cloning it out of the state.
macro_rules! substates {
    ($($part:ident: $type:ty),* $(,)?) => {
        $(impl FromRef<AppState> for $type {
            fn from_ref(state: &AppState) -> Self {
                state.0.$part.clone()
            }
        })*
    };
}

substates! {
    ground: Ground,
    sessions: SessionCache,
    campaigns: CampaignCache,
    ideas: IdeaSnapshots,
    results: ResultsCache,
    idea_caches: IdeaCaches,
    forget: Forget,
    retention: Retention,
    oidc: crate::oidc::Oidc,
}
