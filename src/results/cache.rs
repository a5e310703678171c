//! Published results, cached per instance, in two parts:
//!
//! - what every space sees of a campaign ([`SharedResults`]: figures, charts, synthesis,
//!   decisions, themes), once per (campaign, language), computed in the owner's context;
//! - what only the viewing space sees ([`ViewerResults`]: its own share and answers, or for the
//!   national space the table per territory), per (campaign, viewing space, language).
//!
//! So a national campaign seen from the 101 spaces holds its charts once, and a miss in one
//! space recomputes that space's share only. A results page aggregates every contribution of
//! the campaign and reads the latest analysis: far too much to redo on each view of a page that
//! changes a few times in its life.
//!
//! Entries are dropped when anything they show changes, on every instance: the campaign row
//! (publication, synthesis, dates) notifies `ecoute_campaign_changed`; survey questions,
//! decisions, analysis runs and edits, moderation and deletions notify `ecoute_results_changed`
//! (migrations 0023 and 0025, see [`crate::db::changes`]). [`TTL`] is a safety net behind the
//! notifications.
//!
//! Forgetting bumps a generation that is part of every key, instead of clearing entries: a part
//! computed from data read before the change is stored under the old generation, so it can never
//! be served after the change, however the two race.

use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::future::Cache;
use uuid::Uuid;

use super::pages::{SharedResults, ViewerResults};

const TTL: Duration = Duration::from_secs(600);
/// Bytes, as estimated by [`Weigh`]. Shared parts carry the charts (10 to 300 KB per campaign);
/// viewer parts are tables of numbers (a few KB each, 202 per national campaign).
const SHARED_CAPACITY: u64 = 16 * 1024 * 1024;
const VIEWER_CAPACITY: u64 = 8 * 1024 * 1024;

/// An entry's approximate size in memory.
pub trait Weigh {
    fn weight(&self) -> usize;
}

fn questions_weight(questions: &[super::QuestionResult]) -> usize {
    questions
        .iter()
        .map(|q| {
            q.chart.as_ref().map_or(0, String::len)
                + q.label.len()
                + q.summary.len()
                + q.options.iter().map(|o| o.label.len() + 32).sum::<usize>()
        })
        .sum()
}

impl Weigh for SharedResults {
    fn weight(&self) -> usize {
        let decisions: usize = self
            .decisions
            .iter()
            .map(|d| {
                d.title.len() + d.explanation.len() + d.ideas.iter().map(|i| i.title.len() + 48).sum::<usize>() + 128
            })
            .sum();
        let themes: usize = self
            .themes
            .iter()
            .map(|t| {
                t.name.len()
                    + t.key_phrases.iter().map(String::len).sum::<usize>()
                    + t.samples.iter().map(|s| s.1.len() + 48).sum::<usize>()
                    + 128
            })
            .sum();
        1024 + questions_weight(&self.results.questions) + self.synthesis_md.len() + decisions + themes
    }
}

impl Weigh for ViewerResults {
    fn weight(&self) -> usize {
        512 + questions_weight(&self.own_questions) + self.territories.iter().map(|t| t.name.len() + 64).sum::<usize>()
    }
}

/// One kind of part, keyed by `K` within a generation.
struct Parts<K, V> {
    cache: Cache<(u64, K), Arc<V>>,
    name: &'static str,
}

impl<K, V> Parts<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Weigh + Send + Sync + 'static,
{
    fn new(name: &'static str, capacity: u64) -> Self {
        Parts {
            cache: Cache::builder()
                .max_capacity(capacity)
                .weigher(|_, part: &Arc<V>| u32::try_from(part.weight()).unwrap_or(u32::MAX))
                .time_to_live(TTL)
                .build(),
            name,
        }
    }

    /// The cached part, or what `load` computes (once, however many requests wait for it).
    /// `None` from `load` (results not published) is not cached.
    async fn get_or_load<F>(&self, key: (u64, K), load: F) -> Result<Option<Arc<V>>, sqlx::Error>
    where
        F: Future<Output = Result<Option<V>, sqlx::Error>>,
    {
        let loaded = self
            .cache
            .entry(key)
            .or_try_insert_with(async {
                match load.await {
                    Ok(Some(part)) => Ok(Arc::new(part)),
                    Ok(None) => Err(None),
                    Err(error) => Err(Some(error)),
                }
            })
            .await;
        match loaded {
            Ok(entry) => {
                crate::telemetry::metrics::cache_lookup(self.name, !entry.is_fresh());
                Ok(Some(entry.into_value()))
            }
            // Every request that waited on the failed load gets the same shared error.
            Err(shared) => match shared.as_ref() {
                None => Ok(None),
                Some(error) => Err(sqlx::Error::Protocol(format!("results could not be computed: {error}"))),
            },
        }
    }
}

#[derive(Clone)]
pub struct ResultsCache {
    shared: Arc<Parts<(Uuid, &'static str), SharedResults>>,
    viewers: Arc<Parts<(Uuid, Uuid, &'static str), ViewerResults>>,
    generation: Arc<AtomicU64>,
}

impl Default for ResultsCache {
    fn default() -> Self {
        ResultsCache {
            shared: Arc::new(Parts::new("results", SHARED_CAPACITY)),
            viewers: Arc::new(Parts::new("results_viewer", VIEWER_CAPACITY)),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl ResultsCache {
    /// The current generation: read once per request, before loading either part, so both
    /// parts of a page belong to the same generation.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub async fn shared<F>(
        &self,
        generation: u64,
        campaign: Uuid,
        lang: &'static str,
        load: F,
    ) -> Result<Option<Arc<SharedResults>>, sqlx::Error>
    where
        F: Future<Output = Result<Option<SharedResults>, sqlx::Error>>,
    {
        self.shared.get_or_load((generation, (campaign, lang)), load).await
    }

    pub async fn viewer<F>(
        &self,
        generation: u64,
        campaign: Uuid,
        viewer: Uuid,
        lang: &'static str,
        load: F,
    ) -> Result<Arc<ViewerResults>, sqlx::Error>
    where
        F: Future<Output = Result<ViewerResults, sqlx::Error>>,
    {
        let part = self
            .viewers
            .get_or_load((generation, (campaign, viewer, lang)), async { load.await.map(Some) })
            .await?;
        Ok(part.expect("a viewer part is always computed"))
    }

    /// Something shown on results pages changed: every entry goes.
    pub fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.shared.cache.invalidate_all();
        self.viewers.cache.invalidate_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Figures, QuestionResult, Results};

    fn shared(charts: usize) -> SharedResults {
        let question = QuestionResult {
            id: Uuid::new_v4(),
            label: String::new(),
            kind: "single_choice",
            answered: 1,
            options: Vec::new(),
            average: None,
            chart: Some("x".repeat(20_000)),
            summary: String::new(),
        };
        SharedResults {
            results: Results {
                figures: Figures::default(),
                questions: vec![question; charts],
            },
            synthesis_md: String::new(),
            early: false,
            decisions: Vec::new(),
            themes: Vec::new(),
        }
    }

    #[test]
    fn entries_weigh_what_their_charts_weigh() {
        assert_eq!(shared(0).weight(), 1024);
        assert_eq!(shared(3).weight(), 1024 + 60_000);
        let viewer = ViewerResults {
            from_this_space: Some(Figures::default()),
            own_questions: Vec::new(),
            territories: Vec::new(),
        };
        assert_eq!(viewer.weight(), 512);
    }

    #[tokio::test]
    async fn a_part_computed_before_a_change_is_not_served_after_it() {
        let cache = ResultsCache::default();
        let campaign = Uuid::new_v4();
        let generation = cache.generation();
        let first = cache
            .shared(generation, campaign, "fr", async { Ok(Some(shared(1))) })
            .await
            .unwrap()
            .unwrap();
        // Cached: the loader is not called again.
        let again = cache
            .shared(generation, campaign, "fr", async {
                unreachable!("served from the cache")
            })
            .await
            .unwrap()
            .unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        // A load that started before a change stores under the old generation: after the
        // change, the next request computes afresh.
        cache.forget_all();
        let stale = cache
            .shared(generation, campaign, "fr", async { Ok(Some(shared(1))) })
            .await
            .unwrap()
            .unwrap();
        let fresh = cache
            .shared(cache.generation(), campaign, "fr", async { Ok(Some(shared(2))) })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stale.results.questions.len(), 1);
        assert_eq!(fresh.results.questions.len(), 2);
        // Unpublished results are not cached.
        let none = cache
            .shared(cache.generation(), Uuid::new_v4(), "fr", async { Ok(None) })
            .await
            .unwrap();
        assert!(none.is_none());
    }

    #[tokio::test]
    async fn a_failed_load_is_an_error_for_every_waiting_request() {
        let cache = ResultsCache::default();
        let campaign = Uuid::new_v4();
        let generation = cache.generation();
        let (gate, opened) = tokio::sync::oneshot::channel::<()>();
        let slow = cache.shared(generation, campaign, "fr", async move {
            let _ = opened.await;
            Err(sqlx::Error::PoolTimedOut)
        });
        let waiting = cache.shared(generation, campaign, "fr", async { Ok(Some(shared(1))) });
        let open = async {
            tokio::task::yield_now().await;
            let _ = gate.send(());
        };
        let (first, second, ()) = tokio::join!(slow, waiting, open);
        assert!(first.is_err(), "the loader's own request fails");
        assert!(second.is_err(), "and so does the one waiting on it, never a 404");
    }
}
