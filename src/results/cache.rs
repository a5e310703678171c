//! Published results by (campaign, viewing space, language), cached per instance.
//!
//! A results page aggregates every contribution of the campaign and reads the latest analysis:
//! far too much work to redo on each view of a page that changes a few times in its life.
//! Entries are dropped when anything they show changes, on every instance: the campaign row
//! (publication, synthesis) notifies `ecoute_campaign_changed`, and decisions, analysis runs and
//! edits, and moderation notify `ecoute_results_changed` (migration 0023, see
//! [`crate::db::changes`]). [`TTL`] is a safety net behind the notifications.
//!
//! Forgetting bumps a generation that is part of every key, instead of clearing entries: a
//! page computed from data read before the change is stored under the old generation, so it
//! can never be served after the change, however the two race.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::future::Cache;
use uuid::Uuid;

use super::pages::Published;

const TTL: Duration = Duration::from_secs(600);
/// Entries are a few kilobytes (figures, SVG charts, themes).
const CAPACITY: u64 = 2_000;

/// (generation, campaign, viewing space, language).
type Key = (u64, Uuid, Uuid, &'static str);

#[derive(Clone)]
pub struct ResultsCache {
    cache: Cache<Key, Arc<Published>>,
    generation: Arc<AtomicU64>,
}

impl Default for ResultsCache {
    fn default() -> Self {
        ResultsCache {
            cache: Cache::builder().max_capacity(CAPACITY).time_to_live(TTL).build(),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl ResultsCache {
    /// The cached results, or those `load` computes (once, however many requests wait for them).
    /// `None` from `load` (results not published) is not cached.
    pub async fn get_or_load<F>(
        &self,
        campaign: Uuid,
        viewer: Uuid,
        lang: &'static str,
        load: F,
    ) -> Result<Option<Arc<Published>>, sqlx::Error>
    where
        F: Future<Output = Result<Option<Published>, sqlx::Error>>,
    {
        let key = (self.generation.load(Ordering::Acquire), campaign, viewer, lang);
        let loaded = self
            .cache
            .entry(key)
            .or_try_insert_with(async {
                match load.await {
                    Ok(Some(published)) => Ok(Arc::new(published)),
                    Ok(None) => Err(None),
                    Err(error) => Err(Some(error)),
                }
            })
            .await;
        match loaded {
            Ok(entry) => {
                crate::telemetry::metrics::cache_lookup("results", !entry.is_fresh());
                Ok(Some(entry.into_value()))
            }
            Err(error) => match Arc::into_inner(error).flatten() {
                None => Ok(None),
                Some(error) => Err(error),
            },
        }
    }

    /// Something shown on results pages changed: every entry goes.
    pub fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.cache.invalidate_all();
    }
}
