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
//!
//! A part is computed once however many requests want it, in a task of its own that files it
//! when it ends: at Grand-Débat size a results page aggregates 2,000,000 contributions, longer
//! than a request may wait or run a statement. A request waits [`WAIT`] for it, then is
//! answered 503 with `Retry-After` while the computation goes on; a later request finds it
//! under way, or done.

use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::future::Cache;
use uuid::Uuid;

use crate::caching::{Apart, waiter_error};

use super::pages::{SharedResults, ViewerResults};

const TTL: Duration = Duration::from_secs(600);
/// How long a request waits for a part being computed before it is answered 503: twice this
/// (a page has two parts) stays under the 30 s request timeout.
pub const WAIT: Duration = Duration::from_secs(12);
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
    /// The computations under way, one per key, each in a task of its own.
    apart: Apart<(u64, K), Option<Arc<V>>>,
    name: &'static str,
}

impl<K, V> Parts<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Weigh + Send + Sync + 'static,
{
    fn new(name: &'static str, capacity: u64) -> Self {
        Parts {
            cache: Cache::builder()
                .max_capacity(capacity)
                .weigher(|_, part: &Arc<V>| u32::try_from(part.weight()).unwrap_or(u32::MAX))
                .time_to_live(TTL)
                .build(),
            apart: Apart::default(),
            name,
        }
    }

    /// The cached part, or what `load` computes (once, however many requests wait for it, in a
    /// task of its own that files it). `None` from `load` (results not published) is not
    /// cached. After `wait`, an unavailable database error while the computation goes on.
    async fn get_or_load<L, F>(&self, key: (u64, K), load: L, wait: Duration) -> Result<Option<Arc<V>>, sqlx::Error>
    where
        L: FnOnce() -> F,
        F: Future<Output = Result<Option<V>, sqlx::Error>> + Send + 'static,
    {
        if let Some(part) = self.cache.get(&key).await {
            crate::telemetry::metrics::cache_lookup(self.name, true);
            return Ok(Some(part));
        }
        crate::telemetry::metrics::cache_lookup(self.name, false);
        let (cache, owned, load) = (self.cache.clone(), key.clone(), load());
        let filing = async move {
            let part = load.await?.map(Arc::new);
            if let Some(part) = &part {
                cache.insert(owned, part.clone()).await;
            }
            Ok(part)
        };
        let Some(running) = self.apart.join(&key, || self.cache.contains_key(&key), filing) else {
            // Filed just now by a computation that ended; gone again already (evicted, or a
            // change): a 503, and the next request computes it.
            return match self.cache.get(&key).await {
                Some(part) => Ok(Some(part)),
                None => Err(sqlx::Error::PoolTimedOut),
            };
        };
        match tokio::time::timeout(wait, running).await {
            Ok(Ok(part)) => Ok(part),
            // Every request that waited on the failed computation gets the same error.
            Ok(Err(shared)) => Err(waiter_error(&shared)),
            // Still computing: 503 with Retry-After; the computation goes on.
            Err(_) => Err(sqlx::Error::PoolTimedOut),
        }
    }
}

#[derive(Clone)]
pub struct ResultsCache {
    shared: Arc<Parts<(Uuid, &'static str), SharedResults>>,
    viewers: Arc<Parts<(Uuid, Uuid, &'static str), ViewerResults>>,
    generation: Arc<AtomicU64>,
    /// How long a request waits for a part being computed ([`WAIT`]).
    wait: Duration,
}

impl Default for ResultsCache {
    fn default() -> Self {
        Self::waiting(WAIT)
    }
}

impl ResultsCache {
    /// A cache whose requests wait `wait` for a part being computed.
    pub fn waiting(wait: Duration) -> Self {
        ResultsCache {
            shared: Arc::new(Parts::new("results", SHARED_CAPACITY)),
            viewers: Arc::new(Parts::new("results_viewer", VIEWER_CAPACITY)),
            generation: Arc::new(AtomicU64::new(0)),
            wait,
        }
    }

    /// The current generation: read once per request, before loading either part, so both
    /// parts of a page belong to the same generation.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Everyone's part; `load` makes its computation, called on a miss only.
    pub async fn shared<L, F>(
        &self,
        generation: u64,
        campaign: Uuid,
        lang: &'static str,
        load: L,
    ) -> Result<Option<Arc<SharedResults>>, sqlx::Error>
    where
        L: FnOnce() -> F,
        F: Future<Output = Result<Option<SharedResults>, sqlx::Error>> + Send + 'static,
    {
        self.shared
            .get_or_load((generation, (campaign, lang)), load, self.wait)
            .await
    }

    /// The viewing space's part; `load` makes its computation, called on a miss only.
    pub async fn viewer<L, F>(
        &self,
        generation: u64,
        campaign: Uuid,
        viewer: Uuid,
        lang: &'static str,
        load: L,
    ) -> Result<Arc<ViewerResults>, sqlx::Error>
    where
        L: FnOnce() -> F,
        F: Future<Output = Result<ViewerResults, sqlx::Error>> + Send + 'static,
    {
        let part = self
            .viewers
            .get_or_load(
                (generation, (campaign, viewer, lang)),
                || {
                    let load = load();
                    async { load.await.map(Some) }
                },
                self.wait,
            )
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
mod tests;
