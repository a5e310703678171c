//! A campaign's published ideas, held in memory per instance, so that listing them (the
//! campaign page, the API) costs no query, or one small one, whatever their number.
//!
//! Two sizes of snapshot, chosen at each load by a bounded count of the published ideas:
//!
//! - **Full** (up to [`Limits::large_from`] ideas, 20,000 by default): every idea whole (title,
//!   body, author), loaded in one query and kept [`FULL_TTL`] at most; a new idea or a
//!   moderation decision through this instance drops it at once. An anonymous list costs no
//!   query at all.
//! - **Compact** (above): per idea only its id and its like and comment counters, about 44
//!   bytes with the orders (90 MB at 2,000,000 ideas, where the full one would be over 1 GB and
//!   its query many seconds). A list picks its page's ids here and reads those ≤ 20 ideas by id
//!   in one query that keeps only published ones: a hidden idea is never shown, even before
//!   the snapshot is reloaded. The snapshot is reloaded in the background, one load at a time,
//!   once it is older than [`Limits::large_ttl`] (30 s, or ten times its load's duration when
//!   that is longer), or [`Limits::large_changed_after`] (5 s) after a moderation decision or a
//!   campaign change; requests meanwhile keep the one they have. So the total and the orders
//!   may be up to about 30 s (more when loads take over 3 s) plus one load's time behind: a new
//!   idea joins the list at the next reload (its author is sent to its own page meanwhile); a
//!   hidden one leaves the page at once and the total at the next reload. The counters shown
//!   on the list are the database's, read with the page.
//!
//! The last full snapshot stands in while the database cannot be reached ([`STALE_FOR`] at
//! most); a compact one is kept as it is when its reload fails. Likes and comments through this
//! instance bump the counters in place (atomics), so a person sees their own like counted on
//! the page they are sent back to; the orders by likes and comments are those of the last load.
//! Ordering happens here, in Rust: random (seeded per visitor, stable across pages), most
//! liked, newest, most commented. Per-viewer facts (own likes, own pending ideas) and full-text
//! search stay in PostgreSQL, as small queries beside the snapshot.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::{IdeaOrder, IdeaView, PAGE_SIZE};

mod order;
mod store;
mod subset;

pub use order::{SEED_BUCKETS, visitor_seed};
use order::{Shuffle, mix, page_of_smallest};
pub use store::{FULL_TTL, IdeaSnapshots, Limits, STALE_FOR};
pub use subset::Subset;

/// What a full snapshot holds of an idea beyond its counters.
struct Shown {
    view: IdeaView,
    author: Option<Uuid>,
}

/// One published idea of a snapshot.
pub struct SnapshotIdea {
    id: Uuid,
    likes: AtomicI32,
    comments: AtomicI32,
    /// `None` in a compact snapshot.
    shown: Option<Box<Shown>>,
}

impl SnapshotIdea {
    /// An idea of a full snapshot.
    pub fn new(view: IdeaView, author: Option<Uuid>) -> Self {
        SnapshotIdea {
            id: view.id,
            likes: AtomicI32::new(view.like_count),
            comments: AtomicI32::new(view.comment_count),
            shown: Some(Box::new(Shown { view, author })),
        }
    }

    /// An idea of a compact snapshot: its id and counters.
    pub fn compact(id: Uuid, likes: i32, comments: i32) -> Self {
        SnapshotIdea {
            id,
            likes: AtomicI32::new(likes),
            comments: AtomicI32::new(comments),
            shown: None,
        }
    }

    pub fn id(&self) -> Uuid {
        self.id
    }

    /// Mixed with the visitor's seed for the random order.
    fn key(&self) -> u64 {
        let (hi, lo) = self.id.as_u64_pair();
        hi ^ lo.rotate_left(17)
    }

    /// The idea as `viewer` sees it: current counters, `is_mine`; `liked_by_me` is the caller's.
    /// `None` in a compact snapshot (the caller reads the idea by id).
    pub fn view_for(&self, viewer: Option<Uuid>) -> Option<IdeaView> {
        let shown = self.shown.as_deref()?;
        let mut view = shown.view.clone();
        view.like_count = self.likes.load(Ordering::Relaxed);
        view.comment_count = self.comments.load(Ordering::Relaxed);
        view.is_mine = viewer.is_some() && viewer == shown.author;
        Some(view)
    }

    /// What it costs in memory, roughly (for the caches' weights).
    fn weight(&self) -> usize {
        let texts = self.shown.as_deref().map_or(0, |s| {
            let v = &s.view;
            std::mem::size_of::<Shown>()
                + v.title.len()
                + v.body.len()
                + v.excerpt.len()
                + v.author.len()
                + v.kind.len()
                + v.status.len()
                + v.theme.as_ref().map_or(0, String::len)
        });
        std::mem::size_of::<Self>() + texts
    }
}

/// A compact snapshot is reloaded no sooner than this many times its load's duration.
const LOAD_SPACING: u32 = 10;

static GENERATIONS: AtomicU64 = AtomicU64::new(1);

pub struct IdeaSnapshot {
    /// Unique to this load, renewed when a compact snapshot is kept across a change: what is
    /// derived from a snapshot (rendered pages) is keyed by it.
    generation: AtomicU64,
    /// Unique to this load and never renewed: what is worked out from its orders (a search's
    /// places, [`Subset`]) is keyed by it.
    identity: u64,
    loaded_at: Instant,
    /// How long its load took (compact: the next one waits [`LOAD_SPACING`] times as long).
    load_time: Duration,
    /// Newest first.
    ideas: Vec<SnapshotIdea>,
    by_likes: Vec<u32>,
    by_comments: Vec<u32>,
    /// Positions in `ideas`, by id: an idea's page looks its counters up by id.
    by_id: Vec<u32>,
    /// Compact: a moderation decision or a campaign change happened since the load.
    changed: AtomicBool,
    /// Compact: a background reload is under way (one at a time).
    reloading: AtomicBool,
    /// Bytes, roughly.
    weight: usize,
}

impl IdeaSnapshot {
    /// `ideas` must be newest first, all full or all compact.
    pub fn new(ideas: Vec<SnapshotIdea>) -> Self {
        let positions = || (0..ideas.len() as u32).collect::<Vec<u32>>();
        let mut by_likes = positions();
        // Stable sorts: ties keep the newest-first order.
        by_likes.sort_by_key(|&i| std::cmp::Reverse(ideas[i as usize].likes.load(Ordering::Relaxed)));
        let mut by_comments = positions();
        by_comments.sort_by_key(|&i| std::cmp::Reverse(ideas[i as usize].comments.load(Ordering::Relaxed)));
        let mut by_id = positions();
        by_id.sort_unstable_by_key(|&i| ideas[i as usize].id);
        let weight = ideas.iter().map(SnapshotIdea::weight).sum::<usize>() + 12 * ideas.len() + 256;
        let generation = GENERATIONS.fetch_add(1, Ordering::Relaxed);
        IdeaSnapshot {
            generation: AtomicU64::new(generation),
            identity: generation,
            loaded_at: Instant::now(),
            load_time: Duration::ZERO,
            ideas,
            by_likes,
            by_comments,
            by_id,
            changed: AtomicBool::new(false),
            reloading: AtomicBool::new(false),
            weight,
        }
    }

    /// What pages rendered from this snapshot are keyed by.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    pub fn len(&self) -> usize {
        self.ideas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ideas.is_empty()
    }

    /// Ids and counters only: pages read their ideas by id.
    pub fn is_compact(&self) -> bool {
        self.ideas.first().is_some_and(|i| i.shown.is_none())
    }

    /// One page in `order` (`seed` for the random one), among the ideas in `only` if given,
    /// and how many ideas there are in all.
    pub fn page(&self, order: IdeaOrder, seed: &str, page: i64, only: Option<&Subset>) -> (Vec<&SnapshotIdea>, usize) {
        let size = PAGE_SIZE as usize;
        let start = (page.max(1) as usize - 1).saturating_mul(size);
        let seed = seed_of(seed);
        let (picked, total) = match only {
            None => (self.unfiltered(order, seed, start, size), self.ideas.len()),
            Some(only) => only.page(self, order, seed, start, size),
        };
        (picked.into_iter().map(|i| &self.ideas[i as usize]).collect(), total)
    }

    /// Positions `start..start + size` of every idea in `order`: a slice of the order, but for
    /// the random order of a full snapshot (every idea keyed and the page selected, as always).
    fn unfiltered(&self, order: IdeaOrder, seed: u64, start: usize, size: usize) -> Vec<u32> {
        let n = self.ideas.len();
        let range = start.min(n)..(start.saturating_add(size)).min(n);
        match order {
            IdeaOrder::Newest => range.map(|i| i as u32).collect(),
            IdeaOrder::MostLiked => self.by_likes[range].to_vec(),
            IdeaOrder::MostCommented => self.by_comments[range].to_vec(),
            IdeaOrder::Random if self.is_compact() => {
                // Ranks to oldest-first indices: a new idea takes one random rank and moves the
                // idea that held it to the end; the others keep their place across reloads.
                let shuffle = Shuffle::new(n as u64, seed);
                range
                    .map(|rank| (n - 1 - shuffle.at(rank as u64) as usize) as u32)
                    .collect()
            }
            IdeaOrder::Random => {
                let mut keyed: Vec<(u64, u32)> = (0..n as u32).map(|i| self.keyed(i, seed)).collect();
                page_of_smallest(&mut keyed, start, size)
            }
        }
    }

    fn keyed(&self, i: u32, seed: u64) -> (u64, u32) {
        (mix(self.ideas[i as usize].key() ^ seed), i)
    }

    fn position(&self, id: Uuid) -> Option<u32> {
        let at = self
            .by_id
            .binary_search_by(|&i| self.ideas[i as usize].id.cmp(&id))
            .ok()?;
        Some(self.by_id[at])
    }

    fn find(&self, id: Uuid) -> Option<&SnapshotIdea> {
        self.position(id).map(|i| &self.ideas[i as usize])
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

    /// Whether a change came that this snapshot cannot show (see [`Self::mark_changed`]).
    fn is_changed(&self) -> bool {
        self.changed.load(Ordering::Relaxed)
    }

    /// A change the snapshot cannot show until its reload (a moderation decision, a campaign
    /// change): pages rendered from it are not served again, and the reload comes sooner.
    fn mark_changed(&self) {
        self.changed.store(true, Ordering::Relaxed);
        self.generation
            .store(GENERATIONS.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
    }

    /// Whether a compact snapshot is due for its background reload, given `limits`.
    /// Loads taking seconds (a 2,000,000-idea campaign on a busy server) come no more often
    /// than one for [`LOAD_SPACING`] times their duration, so that they keep a PostgreSQL
    /// backend busy a tenth of the time at most.
    fn is_due(&self, limits: &Limits) -> bool {
        let age = self.loaded_at.elapsed();
        let ttl = limits.large_ttl.max(self.load_time * LOAD_SPACING);
        age >= ttl || (self.changed.load(Ordering::Relaxed) && age >= limits.large_changed_after)
    }

    /// Takes the one background reload of this snapshot: `false` when one is under way.
    fn claim_reload(&self) -> bool {
        !self.reloading.swap(true, Ordering::AcqRel)
    }

    /// The reload failed: the next request may try again.
    fn release_reload(&self) {
        self.reloading.store(false, Ordering::Release);
    }

    fn weight(&self) -> u32 {
        u32::try_from(self.weight).unwrap_or(u32::MAX)
    }
}

fn seed_of(seed: &str) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    seed.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests;
