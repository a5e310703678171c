//! [`IdeaSnapshots`]: this instance's snapshots, by campaign; which size each one takes, and
//! how it is loaded, reloaded, counted in and forgotten.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use moka::future::Cache;
use uuid::Uuid;

use super::IdeaSnapshot;
use crate::caching::Apart;
use crate::campaigns::queries::CampaignDetail;
use crate::ideas::queries::{count_published_upto, published_counters, published_ideas};
use crate::tenancy::{Tenant, TenantDb};

/// How long a request waits for a campaign's first load before it is answered 503.
pub const FIRST_LOAD_WAIT: Duration = Duration::from_secs(20);
/// How stale another instance's likes and ideas may look in a full snapshot.
pub const FULL_TTL: Duration = Duration::from_secs(5);
/// How long the last full snapshot of a campaign may stand in while PostgreSQL cannot be
/// reached; also how long a compact snapshot nobody asks for is kept.
pub const STALE_FOR: Duration = Duration::from_secs(600);
/// Bytes of full snapshots (about 200,000 ideas), and as much for their stand-ins.
const FULL_CAPACITY: u64 = 256 * 1024 * 1024;
/// Bytes of compact snapshots (about 12,000,000 ideas).
const COMPACT_CAPACITY: u64 = 512 * 1024 * 1024;

/// Which campaigns get a compact snapshot, and how often it is reloaded.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Above this many published ideas, a campaign's snapshot is compact.
    pub large_from: i64,
    /// A compact snapshot is reloaded in the background once this old...
    pub large_ttl: Duration,
    /// ...or once this old after a moderation decision or a campaign change.
    pub large_changed_after: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            large_from: 20_000,
            large_ttl: Duration::from_secs(30),
            large_changed_after: Duration::from_secs(5),
        }
    }
}

/// Snapshots by campaign id.
type Snapshots = Cache<Uuid, Arc<IdeaSnapshot>>;

/// The snapshots of this instance, by campaign id.
#[derive(Clone)]
pub struct IdeaSnapshots {
    limits: Limits,
    /// Full snapshots, [`FULL_TTL`] at most.
    cache: Snapshots,
    /// First loads under way, one per campaign, whatever size their count picks.
    loading: Apart<Uuid, Arc<IdeaSnapshot>>,
    /// The last full snapshot loaded for each campaign, kept after `cache` drops it (a new idea,
    /// the TTL), to answer with while the database is unreachable (stale-if-error): during an
    /// outage the list shows as it was a moment ago instead of an error. Mostly the same `Arc`s
    /// as `cache`, so it costs memory only for snapshots that have been replaced.
    last: Snapshots,
    /// Compact snapshots, each replaced by its background reload, and dropped [`STALE_FOR`]
    /// after its last use.
    compact: Snapshots,
    /// Counts of the changes told, per campaign: a load that began before one comes out marked
    /// as changed itself (a full one is then not kept).
    changes: Arc<Changes>,
}

/// Change counts: one for notifications that name no campaign, one per campaign, so that a
/// moderation decision in one campaign leaves the loads of the others alone.
#[derive(Default)]
struct Changes {
    all: AtomicU64,
    by_campaign: std::sync::Mutex<std::collections::HashMap<Uuid, u64>>,
}

impl Changes {
    fn of(&self, campaign: Uuid) -> (u64, u64) {
        let by_campaign = self.by_campaign.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        (
            self.all.load(Ordering::Acquire),
            by_campaign.get(&campaign).copied().unwrap_or(0),
        )
    }

    fn told(&self, campaign: Uuid) {
        let mut by_campaign = self.by_campaign.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *by_campaign.entry(campaign).or_default() += 1;
    }
}

impl Default for IdeaSnapshots {
    fn default() -> Self {
        Self::with_limits(Limits::default())
    }
}

impl IdeaSnapshots {
    pub fn with_limits(limits: Limits) -> Self {
        let weigh = |_: &Uuid, s: &Arc<IdeaSnapshot>| s.weight();
        let full = |ttl| {
            Cache::builder()
                .max_capacity(FULL_CAPACITY)
                .weigher(weigh)
                .time_to_live(ttl)
                .build()
        };
        IdeaSnapshots {
            limits,
            cache: full(FULL_TTL),
            loading: Apart::default(),
            last: full(STALE_FOR),
            compact: Cache::builder()
                .max_capacity(COMPACT_CAPACITY)
                .weigher(weigh)
                .time_to_idle(STALE_FOR)
                .build(),
            changes: Arc::new(Changes::default()),
        }
    }

    /// The snapshot of `campaign`, loaded in `tenant`'s context on a miss (every space that can
    /// see a campaign sees the same published ideas). Call it before opening the request's own
    /// transaction (see [`crate::campaigns::cache::CampaignCache::find`]). A compact snapshot
    /// due for its reload is returned as it is, the reload running in the background.
    pub async fn get(
        &self,
        db: &TenantDb,
        tenant: &Tenant,
        campaign: &CampaignDetail,
    ) -> Result<Arc<IdeaSnapshot>, sqlx::Error> {
        let id = campaign.summary.id;
        if let Some(found) = self.compact.get(&id).await {
            crate::telemetry::metrics::cache_lookup("ideas", true);
            if found.is_due(&self.limits) && found.claim_reload() {
                self.reload_in_background(db, tenant, campaign, found.clone());
            }
            return Ok(found);
        }
        let loaded = self.first_load(db, tenant, campaign).await;
        match loaded {
            Err(error) if crate::error::is_unavailable(&error) => match self.last.get(&id).await {
                Some(stale) => {
                    tracing::warn!(%error, campaign = %id, "database unavailable: serving the last idea list");
                    Ok(stale)
                }
                None => Err(error),
            },
            other => other,
        }
    }

    /// A full snapshot from the cache, or the campaign's first load: in a task of its own,
    /// shared by every request of the campaign ([`crate::caching::Apart`]). It goes on when the
    /// request that started it goes away, is not held to one request's statement limit, and is
    /// not started again by the next request (a compact snapshot of 2,000,000 ideas took 26 to
    /// 37 s to read, longer than a request may wait).
    async fn first_load(
        &self,
        db: &TenantDb,
        tenant: &Tenant,
        campaign: &CampaignDetail,
    ) -> Result<Arc<IdeaSnapshot>, sqlx::Error> {
        let id = campaign.summary.id;
        if let Some(found) = self.cache.get(&id).await {
            crate::telemetry::metrics::cache_lookup("ideas", true);
            return Ok(found);
        }
        crate::telemetry::metrics::cache_lookup("ideas", false);
        let (this, db, tenant, campaign) = (self.clone(), db.clone(), tenant.clone(), campaign.clone());
        let load = async move {
            let snapshot = this.load(&db, &tenant, &campaign).await?;
            // A full list read before a moderation decision that came during its load may
            // hold an idea hidden since: it serves the requests that waited for it, no more.
            if !snapshot.is_compact() && !snapshot.is_changed() {
                this.cache.insert(id, snapshot.clone()).await;
            }
            Ok(snapshot)
        };
        let filed = || self.cache.contains_key(&id) || self.compact.contains_key(&id);
        match self.loading.join(&id, filed, load) {
            // Past the wait, an overload (503 with Retry-After, or the last list): the load
            // goes on for the next request.
            Some(running) => match tokio::time::timeout(FIRST_LOAD_WAIT, running).await {
                Ok(loaded) => loaded.map_err(|shared| crate::caching::waiter_error(&shared)),
                Err(_) => Err(sqlx::Error::PoolTimedOut),
            },
            // Filed just now, by a load that ended (and gone again already: an overload too).
            None => match self.cache.get(&id).await {
                Some(found) => Ok(found),
                None => self.compact.get(&id).await.ok_or(sqlx::Error::PoolTimedOut),
            },
        }
    }

    /// Loads the snapshot of `campaign`, full or compact as a bounded count of its published
    /// ideas says, and files it where it belongs.
    async fn load(
        &self,
        db: &TenantDb,
        tenant: &Tenant,
        campaign: &CampaignDetail,
    ) -> Result<Arc<IdeaSnapshot>, sqlx::Error> {
        let (id, started) = (campaign.summary.id, Instant::now());
        let changes = self.changes.of(id);
        let mut tx = db.begin(tenant).await?;
        let published = count_published_upto(&mut tx, campaign, self.limits.large_from.saturating_add(1)).await?;
        let large = published > self.limits.large_from;
        let ideas = if large {
            published_counters(&mut tx, campaign).await?
        } else {
            published_ideas(&mut tx, campaign).await?
        };
        tx.commit().await?;
        let mut snapshot = IdeaSnapshot::new(ideas);
        snapshot.load_time = started.elapsed();
        let snapshot = Arc::new(snapshot);
        if self.changes.of(id) != changes {
            snapshot.mark_changed();
        }
        if large {
            tracing::info!(
                campaign = %id,
                ideas = snapshot.len(),
                bytes = snapshot.weight,
                ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                "compact ideas snapshot loaded"
            );
            self.compact.insert(id, snapshot.clone()).await;
        } else {
            self.compact.invalidate(&id).await;
            if !snapshot.is_changed() {
                self.last.insert(id, snapshot.clone()).await;
            }
        }
        Ok(snapshot)
    }

    /// Loads `current`'s successor in a task of its own; until it is filed, requests keep
    /// `current`, which also stays when the load fails.
    fn reload_in_background(
        &self,
        db: &TenantDb,
        tenant: &Tenant,
        campaign: &CampaignDetail,
        current: Arc<IdeaSnapshot>,
    ) {
        let (this, db, tenant, campaign) = (self.clone(), db.clone(), tenant.clone(), campaign.clone());
        tokio::spawn(async move {
            let id = campaign.summary.id;
            match this.load(&db, &tenant, &campaign).await {
                // Fewer ideas than the threshold now: a full snapshot again, as on a first load.
                Ok(fresh) if !fresh.is_compact() && !fresh.is_changed() => this.cache.insert(id, fresh).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, campaign = %id, "ideas snapshot reload failed: the current one stays");
                    current.release_reload();
                }
            }
        });
    }

    /// A moderation decision or a change to the campaign: the next request loads a full list
    /// again, and the last one may not stand in during an outage (it could show a hidden
    /// idea). A compact list stays (its pages read their ideas by id, published ones only),
    /// with a new generation, and is reloaded soon.
    pub async fn forget(&self, campaign: Uuid) {
        self.changes.told(campaign);
        self.cache.invalidate(&campaign).await;
        self.last.invalidate(&campaign).await;
        if let Some(compact) = self.compact.get(&campaign).await {
            compact.mark_changed();
        }
    }

    /// A new idea: the next request loads a full list again. Until then, during an outage, the
    /// last list stands in (without the new idea, which its author sees on its own page). A
    /// compact list waits for its next reload.
    pub async fn forget_for_new_idea(&self, campaign: Uuid) {
        self.cache.invalidate(&campaign).await;
    }

    /// Every snapshot, the stale ones too (a change notification that names no campaign); the
    /// compact ones as [`Self::forget`] does.
    pub fn forget_all(&self) {
        self.changes.all.fetch_add(1, Ordering::AcqRel);
        self.cache.invalidate_all();
        self.last.invalidate_all();
        for (_, compact) in self.compact.iter() {
            compact.mark_changed();
        }
    }

    /// The snapshot that counts `campaign`'s likes and comments now, if loaded.
    async fn current(&self, campaign: Uuid) -> Option<Arc<IdeaSnapshot>> {
        match self.compact.get(&campaign).await {
            Some(compact) => Some(compact),
            None => self.cache.get(&campaign).await,
        }
    }

    /// A like (+1) or its withdrawal (-1) through this instance.
    pub async fn count_like(&self, campaign: Uuid, idea: Uuid, delta: i32) {
        if let Some(found) = self.current(campaign).await
            && let Some(idea) = found.find(idea)
        {
            idea.likes.fetch_add(delta, Ordering::Relaxed);
        }
    }

    /// A published comment through this instance.
    pub async fn count_comment(&self, campaign: Uuid, idea: Uuid) {
        if let Some(found) = self.current(campaign).await
            && let Some(idea) = found.find(idea)
        {
            idea.comments.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
impl IdeaSnapshots {
    /// The full snapshots and their stand-ins, for the unit tests.
    pub(super) fn caches(&self) -> (&Snapshots, &Cache<Uuid, Arc<IdeaSnapshot>>) {
        (&self.cache, &self.last)
    }
}
