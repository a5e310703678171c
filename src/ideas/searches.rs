//! Search results of a campaign's list, shared by the requests of this instance.
//!
//! A search reads every matching published idea of the campaign (the list then pages through
//! them in the snapshot's order), so at Grand-Débat size one common word ("logement") matches
//! about 100,000 ideas and costs seconds of database time. Sixty-four visitors searching it at
//! once held every connection of the pool for minutes, and every other page of every space
//! answered 503 (docs/performance.md). So:
//! - **one query per search**: the matching ids are kept [`SEARCH_TTL`] per space, campaign,
//!   snapshot generation (a moderation decision makes a new one) and words, and concurrent
//!   requests for the same search wait for the one query in flight; the matches' places in
//!   the snapshot's orders are worked out by the first page and kept with them
//!   ([`Subset`]), so the next pages cost their 20 ideas;
//! - **a few searches at a time**: at most [`SEARCHES_AT_ONCE`] search queries run at once on
//!   this instance, the others wait [`SEARCH_WAIT`] for their turn, then get 503 with
//!   Retry-After, and the pool stays free for the other pages.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use uuid::Uuid;

use super::queries::matching_ideas;
use super::snapshot::Subset;
use crate::campaigns::queries::CampaignDetail;
use crate::tenancy::{Tenant, TenantDb};

/// How long a search's results are reused. A new idea shows in the results after it.
pub const SEARCH_TTL: Duration = Duration::from_secs(30);
/// Search queries running at once, per instance.
pub const SEARCHES_AT_ONCE: usize = 4;
/// How long a search waits for its turn before the request gets 503.
pub const SEARCH_WAIT: Duration = Duration::from_secs(5);
/// Memory for kept results (16 bytes an id, and 12 for its places in the orders).
const CAPACITY_BYTES: u64 = 64 * 1024 * 1024;

/// What a search's results depend on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SearchKey {
    tenant: Uuid,
    campaign: Uuid,
    generation: u64,
    words: String,
}

/// The shared search results of this instance.
#[derive(Clone)]
pub struct SearchResults {
    kept: moka::future::Cache<SearchKey, Arc<Subset>>,
    turns: Arc<Semaphore>,
}

impl Default for SearchResults {
    fn default() -> Self {
        SearchResults {
            kept: moka::future::Cache::builder()
                .max_capacity(CAPACITY_BYTES)
                .weigher(|key: &SearchKey, ids: &Arc<Subset>| {
                    u32::try_from(ids.weight() + key.words.len()).unwrap_or(u32::MAX)
                })
                .time_to_live(SEARCH_TTL)
                .build(),
            turns: Arc::new(Semaphore::new(SEARCHES_AT_ONCE)),
        }
    }
}

impl SearchResults {
    /// The ids of the campaign's published ideas that match `words`, as `tenant` sees them,
    /// for the snapshot of `generation`: kept ones, or one query (waiting for a turn).
    pub async fn matching(
        &self,
        db: &TenantDb,
        tenant: &Tenant,
        campaign: &CampaignDetail,
        generation: u64,
        words: &str,
    ) -> Result<Arc<Subset>, sqlx::Error> {
        let key = SearchKey {
            tenant: tenant.id,
            campaign: campaign.summary.id,
            generation,
            words: words.to_owned(),
        };
        crate::caching::get_or_load(&self.kept, "idea_searches", &key, || async {
            // Waiting too long for a turn is an overload: 503 with Retry-After, like a pool
            // that has no connection to give.
            let _turn = tokio::time::timeout(SEARCH_WAIT, self.turns.acquire())
                .await
                .map_err(|_| sqlx::Error::PoolTimedOut)?
                .map_err(|_| sqlx::Error::PoolClosed)?;
            let mut tx = db.begin(tenant).await?;
            let ids = matching_ideas(&mut tx, campaign, words).await?;
            tx.commit().await?;
            Ok(Arc::new(Subset::new(ids)))
        })
        .await
    }

    /// Search queries running now (for tests).
    pub fn running(&self) -> usize {
        SEARCHES_AT_ONCE - self.turns.available_permits()
    }
}
