//! Some ideas of a snapshot, picked by id (a search's results), and their place in each order,
//! worked out once and kept.
//!
//! At 2,000,000 ideas a common word matches about 100,000. Finding each match's place in the
//! snapshot, then filtering the whole order, cost about 0.2 s of CPU a page (docs/performance.md),
//! so 64 visitors paging one search got 5 pages a second. The places in each order are now
//! worked out by the first page of a search and kept with its results: the next pages cost
//! their 20 ideas.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use super::order::page_of_smallest;
use super::{IdeaOrder, IdeaSnapshot};

/// Ideas picked by id, with their places in a snapshot's orders once asked for.
#[derive(Debug)]
pub struct Subset {
    pub(super) ids: HashSet<Uuid>,
    places: Mutex<Option<Arc<Places>>>,
}

/// Where a subset's ideas stand in one snapshot.
#[derive(Debug)]
struct Places {
    /// The snapshot's `identity`: places are worth nothing in another one.
    snapshot: u64,
    /// Ascending positions: the newest first.
    newest: Vec<u32>,
    by_likes: Vec<u32>,
    by_comments: Vec<u32>,
}

impl Subset {
    pub fn new(ids: HashSet<Uuid>) -> Subset {
        Subset {
            ids,
            places: Mutex::new(None),
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Bytes held once its places are worked out (for the caches' weighers).
    pub fn weight(&self) -> usize {
        self.ids.len() * (16 + 3 * 4)
    }

    /// Positions `start..start + size` of the subset in `order` of `snapshot`, and its size
    /// there.
    pub(super) fn page(
        &self,
        snapshot: &IdeaSnapshot,
        order: IdeaOrder,
        seed: u64,
        start: usize,
        size: usize,
    ) -> (Vec<u32>, usize) {
        let places = self.places(snapshot);
        let slice = |ordered: &[u32]| {
            let range = start.min(ordered.len())..start.saturating_add(size).min(ordered.len());
            (ordered[range].to_vec(), ordered.len())
        };
        match order {
            IdeaOrder::Newest => slice(&places.newest),
            IdeaOrder::MostLiked => slice(&places.by_likes),
            IdeaOrder::MostCommented => slice(&places.by_comments),
            IdeaOrder::Random => {
                let mut keyed: Vec<(u64, u32)> = places.newest.iter().map(|&i| snapshot.keyed(i, seed)).collect();
                (page_of_smallest(&mut keyed, start, size), places.newest.len())
            }
        }
    }

    /// The places in `snapshot`: those kept, or worked out now (once: a concurrent page of the
    /// same search waits for them rather than working them out again).
    fn places(&self, snapshot: &IdeaSnapshot) -> Arc<Places> {
        let mut kept = self.places.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(places) = kept.as_ref().filter(|p| p.snapshot == snapshot.identity) {
            return places.clone();
        }
        let mut picked = vec![0u64; snapshot.ideas.len().div_ceil(64)];
        for id in &self.ids {
            if let Some(i) = snapshot.position(*id) {
                picked[i as usize / 64] |= 1 << (i % 64);
            }
        }
        let keep = |i: &u32| picked[*i as usize / 64] & (1 << (i % 64)) != 0;
        let places = Arc::new(Places {
            snapshot: snapshot.identity,
            newest: (0..snapshot.ideas.len() as u32).filter(keep).collect(),
            by_likes: snapshot.by_likes.iter().copied().filter(keep).collect(),
            by_comments: snapshot.by_comments.iter().copied().filter(keep).collect(),
        });
        *kept = Some(places.clone());
        places
    }
}
