//! A campaign's published ideas, held in memory per instance, so that listing them (the
//! campaign page, the API) costs no query whatever their number.
//!
//! A snapshot is loaded in one query and kept [`TTL`] at most; a new idea or a moderation
//! decision through this instance drops it at once. The last one loaded stands in while the
//! database cannot be reached ([`STALE_FOR`] at most). Likes and comments through this instance
//! bump its counters in place (atomics), so a person sees their own like counted on the page
//! they are sent back to; the orders by likes and comments are those of the last load.
//! Ordering happens here, in Rust: random (seeded per visitor, stable across pages), most
//! liked, newest, most commented. Per-viewer facts (own likes, own pending ideas) and full-text
//! search stay in PostgreSQL, as small queries beside the snapshot.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use moka::future::Cache;
use uuid::Uuid;

use super::queries::published_ideas;
use super::{IdeaOrder, IdeaView, PAGE_SIZE};
use crate::campaigns::queries::CampaignDetail;
use crate::tenancy::{Tenant, TenantDb};

/// How stale another instance's likes and ideas may look here.
const TTL: Duration = Duration::from_secs(5);
/// Ideas held across all snapshots (roughly 1 kB each).
const CAPACITY_IDEAS: u64 = 200_000;

/// One published idea of a snapshot.
pub struct SnapshotIdea {
    pub view: IdeaView,
    pub author: Option<Uuid>,
    likes: AtomicI32,
    comments: AtomicI32,
    /// Mixed with the visitor's seed for the random order.
    key: u64,
}

impl SnapshotIdea {
    pub fn new(view: IdeaView, author: Option<Uuid>) -> Self {
        let (hi, lo) = view.id.as_u64_pair();
        SnapshotIdea {
            likes: AtomicI32::new(view.like_count),
            comments: AtomicI32::new(view.comment_count),
            key: hi ^ lo.rotate_left(17),
            view,
            author,
        }
    }

    /// The idea as `viewer` sees it: current counters, `is_mine`; `liked_by_me` is the caller's.
    pub fn view_for(&self, viewer: Option<Uuid>) -> IdeaView {
        let mut view = self.view.clone();
        view.like_count = self.likes.load(Ordering::Relaxed);
        view.comment_count = self.comments.load(Ordering::Relaxed);
        view.is_mine = viewer.is_some() && viewer == self.author;
        view
    }
}

pub struct IdeaSnapshot {
    /// Unique to this load: what is derived from a snapshot (rendered pages) is keyed by it.
    pub generation: u64,
    /// Newest first.
    ideas: Vec<SnapshotIdea>,
    by_likes: Vec<u32>,
    by_comments: Vec<u32>,
    /// Position of each idea in `ideas`: an idea's page looks its counters up by id.
    index: HashMap<Uuid, u32>,
}

impl IdeaSnapshot {
    /// `ideas` must be newest first.
    pub fn new(ideas: Vec<SnapshotIdea>) -> Self {
        let mut by_likes: Vec<u32> = (0..ideas.len() as u32).collect();
        // Stable sorts: ties keep the newest-first order.
        by_likes.sort_by_key(|&i| std::cmp::Reverse(ideas[i as usize].view.like_count));
        let mut by_comments: Vec<u32> = (0..ideas.len() as u32).collect();
        by_comments.sort_by_key(|&i| std::cmp::Reverse(ideas[i as usize].view.comment_count));
        static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let index = ideas
            .iter()
            .enumerate()
            .map(|(i, idea)| (idea.view.id, i as u32))
            .collect();
        IdeaSnapshot {
            generation: GENERATIONS.fetch_add(1, Ordering::Relaxed),
            index,
            ideas,
            by_likes,
            by_comments,
        }
    }

    pub fn len(&self) -> usize {
        self.ideas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ideas.is_empty()
    }

    /// One page in `order` (`seed` for the random one), among the ideas in `only` if given,
    /// and how many ideas there are in all.
    pub fn page(
        &self,
        order: IdeaOrder,
        seed: &str,
        page: i64,
        only: Option<&HashSet<Uuid>>,
    ) -> (Vec<&SnapshotIdea>, usize) {
        let keep = |i: &u32| only.is_none_or(|set| set.contains(&self.ideas[*i as usize].view.id));
        let size = PAGE_SIZE as usize;
        let start = (page.max(1) as usize - 1).saturating_mul(size);
        let picked: (Vec<u32>, usize) = match order {
            IdeaOrder::Random => {
                let mut hasher = DefaultHasher::new();
                seed.hash(&mut hasher);
                let seed = hasher.finish();
                let mut keyed: Vec<(u64, u32)> = (0..self.ideas.len() as u32)
                    .filter(keep)
                    .map(|i| (mix(self.ideas[i as usize].key ^ seed), i))
                    .collect();
                let total = keyed.len();
                (page_of_smallest(&mut keyed, start, size), total)
            }
            IdeaOrder::Newest => slice_page((0..self.ideas.len() as u32).filter(keep), start, size),
            IdeaOrder::MostLiked => slice_page(self.by_likes.iter().copied().filter(keep), start, size),
            IdeaOrder::MostCommented => slice_page(self.by_comments.iter().copied().filter(keep), start, size),
        };
        (
            picked.0.into_iter().map(|i| &self.ideas[i as usize]).collect(),
            picked.1,
        )
    }

    fn find(&self, id: Uuid) -> Option<&SnapshotIdea> {
        self.index.get(&id).map(|&i| &self.ideas[i as usize])
    }

    /// The current like and comment counts of a published idea of this snapshot (`None`: not
    /// published, or newer than the snapshot): with [`Self::generation`], what an anonymous idea
    /// page depends on besides the space and the campaign.
    pub fn counters(&self, id: Uuid) -> Option<(i32, i32)> {
        self.find(id).map(|idea| {
            (
                idea.likes.load(Ordering::Relaxed),
                idea.comments.load(Ordering::Relaxed),
            )
        })
    }
}

/// Indices `start..start + size` of an already ordered sequence, and its length.
fn slice_page(ordered: impl Iterator<Item = u32>, start: usize, size: usize) -> (Vec<u32>, usize) {
    let mut total = 0;
    let mut page = Vec::with_capacity(size);
    for i in ordered {
        if total >= start && total < start + size {
            page.push(i);
        }
        total += 1;
    }
    (page, total)
}

/// The entries ranked `start..start + size` by key, in order, without sorting everything.
fn page_of_smallest(keyed: &mut [(u64, u32)], start: usize, size: usize) -> Vec<u32> {
    if start >= keyed.len() {
        return Vec::new();
    }
    let end = (start + size).min(keyed.len());
    if end < keyed.len() {
        keyed.select_nth_unstable(end);
    }
    let head = &mut keyed[..end];
    if start > 0 {
        head.select_nth_unstable(start);
    }
    let page = &mut head[start..];
    page.sort_unstable();
    page.iter().map(|&(_, i)| i).collect()
}

/// The random order's seed for a visitor: one of [`SEED_BUCKETS`] orders, chosen by the visitor
/// cookie. Each visitor keeps one order across pages and visits, early posts still do not win
/// by age, and pages rendered for one visitor can be served to the others of the same bucket.
pub fn visitor_seed(visitor: &str) -> String {
    let mut hasher = DefaultHasher::new();
    visitor.hash(&mut hasher);
    (hasher.finish() % SEED_BUCKETS).to_string()
}

pub const SEED_BUCKETS: u64 = 64;

/// splitmix64's finaliser: a cheap, well-spread permutation of u64.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The snapshots of this instance, by campaign id.
/// How long the last snapshot of a campaign may stand in while PostgreSQL cannot be reached.
const STALE_FOR: Duration = Duration::from_secs(600);

#[derive(Clone)]
pub struct IdeaSnapshots {
    cache: Cache<Uuid, Arc<IdeaSnapshot>>,
    /// The last snapshot loaded for each campaign, kept after `cache` drops it (a new idea, the
    /// TTL), to answer with while the database is unreachable (stale-if-error): during an
    /// outage the list shows as it was a moment ago instead of an error. Mostly the same `Arc`s
    /// as `cache`, so it costs memory only for snapshots that have been replaced.
    last: Cache<Uuid, Arc<IdeaSnapshot>>,
}

impl Default for IdeaSnapshots {
    fn default() -> Self {
        let weigh = |_: &Uuid, s: &Arc<IdeaSnapshot>| u32::try_from(s.len() + 1).unwrap_or(u32::MAX);
        IdeaSnapshots {
            cache: Cache::builder()
                .max_capacity(CAPACITY_IDEAS)
                .weigher(weigh)
                .time_to_live(TTL)
                .build(),
            last: Cache::builder()
                .max_capacity(CAPACITY_IDEAS)
                .weigher(weigh)
                .time_to_live(STALE_FOR)
                .build(),
        }
    }
}

impl IdeaSnapshots {
    /// The snapshot of `campaign`, loaded in `tenant`'s context on a miss (every space that can
    /// see a campaign sees the same published ideas). Call it before opening the request's own
    /// transaction (see [`crate::campaigns::cache::CampaignCache::find`]).
    pub async fn get(
        &self,
        db: &TenantDb,
        tenant: &Tenant,
        campaign: &CampaignDetail,
    ) -> Result<Arc<IdeaSnapshot>, sqlx::Error> {
        let id = campaign.summary.id;
        let loaded = crate::caching::get_or_load(&self.cache, "ideas", &id, || async {
            let mut tx = db.begin(tenant).await?;
            let ideas = published_ideas(&mut tx, campaign).await?;
            tx.commit().await?;
            let snapshot = Arc::new(IdeaSnapshot::new(ideas));
            self.last.insert(id, snapshot.clone()).await;
            Ok::<_, sqlx::Error>(snapshot)
        })
        .await;
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

    /// A moderation decision or a change to the campaign: the next request loads the list
    /// again, and the last one may not stand in during an outage (it could show a hidden idea).
    pub async fn forget(&self, campaign: Uuid) {
        self.cache.invalidate(&campaign).await;
        self.last.invalidate(&campaign).await;
    }

    /// A new idea: the next request loads the list again. Until then, during an outage, the
    /// last list stands in (without the new idea, which its author sees on its own page).
    pub async fn forget_for_new_idea(&self, campaign: Uuid) {
        self.cache.invalidate(&campaign).await;
    }

    /// Every snapshot, the stale ones too (a change notification that names no campaign).
    pub fn forget_all(&self) {
        self.cache.invalidate_all();
        self.last.invalidate_all();
    }

    /// A like (+1) or its withdrawal (-1) through this instance.
    pub async fn count_like(&self, campaign: Uuid, idea: Uuid, delta: i32) {
        if let Some(found) = self.cache.get(&campaign).await
            && let Some(idea) = found.find(idea)
        {
            idea.likes.fetch_add(delta, Ordering::Relaxed);
        }
    }

    /// A published comment through this instance.
    pub async fn count_comment(&self, campaign: Uuid, idea: Uuid) {
        if let Some(found) = self.cache.get(&campaign).await
            && let Some(idea) = found.find(idea)
        {
            idea.comments.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests;
