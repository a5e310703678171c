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
/// Bytes, as estimated by [`weight`]: a national campaign seen from 101 spaces in two languages
/// is about 200 entries of 10 to 60 KB (the charts dominate).
const CAPACITY: u64 = 16 * 1024 * 1024;

/// An entry's approximate size in memory: its charts and texts, plus a flat allowance for the
/// rest.
fn weight(published: &Published) -> u32 {
    let charts: usize = published
        .results
        .questions
        .iter()
        .chain(&published.own_questions)
        .map(|q| q.chart.as_ref().map_or(0, String::len) + q.summary.len() + 64 * q.options.len())
        .sum();
    let texts = published.synthesis_md.len()
        + published.themes.len() * 512
        + published.decisions.len() * 512
        + published.territories.len() * 64;
    u32::try_from(4096 + charts + texts).unwrap_or(u32::MAX)
}

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
            cache: Cache::builder()
                .max_capacity(CAPACITY)
                .weigher(|_, published: &Arc<Published>| weight(published))
                .time_to_live(TTL)
                .build(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Figures, QuestionResult, Results};

    fn published(charts: usize) -> Published {
        let question = QuestionResult {
            id: Uuid::new_v4(),
            label: "Question".into(),
            kind: "single_choice",
            answered: 1,
            options: Vec::new(),
            average: None,
            chart: Some("x".repeat(20_000)),
            summary: String::new(),
        };
        Published {
            results: Results {
                figures: Figures::default(),
                questions: vec![question; charts],
            },
            from_this_space: None,
            own_questions: Vec::new(),
            territories: Vec::new(),
            synthesis_md: String::new(),
            early: false,
            decisions: Vec::new(),
            themes: Vec::new(),
        }
    }

    #[test]
    fn entries_weigh_what_their_charts_weigh() {
        assert_eq!(weight(&published(0)), 4096);
        assert_eq!(weight(&published(3)), 4096 + 60_000);
        // The budget holds a few hundred pages of a large survey, not thousands.
        let pages = CAPACITY / u64::from(weight(&published(3)));
        assert!((200..400).contains(&pages), "{pages}");
    }

    #[tokio::test]
    async fn a_page_computed_before_a_change_is_not_served_after_it() {
        let cache = ResultsCache::default();
        let (campaign, viewer) = (Uuid::new_v4(), Uuid::new_v4());
        let first = cache
            .get_or_load(campaign, viewer, "fr", async { Ok(Some(published(1))) })
            .await
            .unwrap()
            .unwrap();
        // Cached: the loader is not called again.
        let again = cache
            .get_or_load(campaign, viewer, "fr", async { unreachable!("served from the cache") })
            .await
            .unwrap()
            .unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        cache.forget_all();
        let fresh = cache
            .get_or_load(campaign, viewer, "fr", async { Ok(Some(published(2))) })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(fresh.results.questions.len(), 2);
        // Unpublished results are not cached.
        let none = cache
            .get_or_load(Uuid::new_v4(), viewer, "fr", async { Ok(None) })
            .await
            .unwrap();
        assert!(none.is_none());
    }
}
