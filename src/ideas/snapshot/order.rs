//! The orders' arithmetic: selection of a random page, and the pseudo-random
//! permutation that gives a compact snapshot's random order a page at a time.

use std::hash::{DefaultHasher, Hash, Hasher};

/// The entries ranked `start..start + size` by key, in order, without sorting everything.
pub(super) fn page_of_smallest(keyed: &mut [(u64, u32)], start: usize, size: usize) -> Vec<u32> {
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
pub(super) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A seeded pseudo-random permutation of `0..n`, evaluated one element at a time: a balanced
/// four-round Feistel network on the smallest even number of bits that holds `n` (so at most
/// 4n values), walked until it lands below `n` (cycle walking; fewer than 4 steps on average).
/// Ranking every idea by a seeded key costs a pass over all of them (tens of milliseconds at
/// 2,000,000, and a 32 MB buffer) for each page; this costs a few nanoseconds per idea shown.
///
/// Walking keeps the permutation stable as `n` grows: adding `n` changes the image of one
/// element only (the one whose walk went through `n`), until `n` passes a power of 4 (a new
/// network, a new order).
pub(super) struct Shuffle {
    n: u64,
    half: u32,
    mask: u64,
    keys: [u64; 4],
}

impl Shuffle {
    pub(super) fn new(n: u64, seed: u64) -> Self {
        let mut bits = 2;
        while bits < 64 && (1u64 << bits) < n {
            bits += 2;
        }
        let half = bits / 2;
        Shuffle {
            n,
            half,
            mask: (1u64 << half) - 1,
            keys: [1u64, 2, 3, 4].map(|round| mix(seed ^ round.wrapping_mul(0x9e37_79b9_7f4a_7c15))),
        }
    }

    fn once(&self, x: u64) -> u64 {
        let (mut left, mut right) = (x >> self.half, x & self.mask);
        for key in self.keys {
            let next = left ^ (mix(right ^ key) & self.mask);
            left = right;
            right = next;
        }
        (left << self.half) | right
    }

    /// The image of `rank` (below `n`), below `n`.
    pub(super) fn at(&self, rank: u64) -> u64 {
        let mut x = self.once(rank);
        while x >= self.n {
            x = self.once(x);
        }
        x
    }
}
