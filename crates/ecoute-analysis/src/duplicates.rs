//! Near-duplicates: contributions that say the same thing in (nearly) the same words.
//!
//! - Each contribution becomes the set of its *shingles*: runs of three consecutive words,
//!   folded (case, accents and punctuation do not count). Two contributions are near-duplicates
//!   when their sets overlap by at least `threshold` (Jaccard: shared shingles over all shingles).
//! - Comparing every pair would take hours on 100,000 texts; MinHash signatures (64 hashes) and
//!   locality-sensitive hashing (16 bands of 4) put likely pairs in the same bucket, and only
//!   those are compared, exactly.
//! - Contributions shorter than `min_words` words are left out: "non", "je ne sais pas" are
//!   the same everywhere but are not ideas to merge.
//! - Pairs join into groups (a duplicate of a duplicate is in the same group).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rustc_hash::{FxBuildHasher, FxHasher};

use super::parallel::{par_fill, par_ranges};
use super::text::{BREAK, fold};
use super::vectors::Corpus;

const HASHES: usize = 64;
const BANDS: usize = 16;
const ROWS: usize = HASHES / BANDS;
/// In a crowded bucket, each member is compared with this many neighbours only.
const BUCKET_WINDOW: usize = 8;

/// Settings of duplicate detection.
#[derive(Debug, Clone)]
pub struct DuplicateParams {
    /// Minimum Jaccard overlap of shingles.
    pub threshold: f64,
    /// Contributions with fewer words are left out.
    pub min_words: usize,
    pub seed: u64,
}

impl Default for DuplicateParams {
    fn default() -> Self {
        DuplicateParams {
            threshold: 0.8,
            min_words: 5,
            seed: 11,
        }
    }
}

struct UnionFind(Vec<u32>);

impl UnionFind {
    fn find(&mut self, x: u32) -> u32 {
        let mut root = x;
        while self.0[root as usize] != root {
            root = self.0[root as usize];
        }
        let mut x = x;
        while self.0[x as usize] != root {
            let next = self.0[x as usize];
            self.0[x as usize] = root;
            x = next;
        }
        root
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb) as usize] = ra.min(rb);
        }
    }
}

/// The hash of each word of the lexicon, folded; `None` for elided words (`l'`, `d'`), which
/// are left out: people who type `l air` for `l'air` lose the `l`.
fn word_hashes(corpus: &Corpus) -> Vec<Option<u64>> {
    let build = FxBuildHasher;
    corpus
        .lexicon
        .words
        .iter()
        .map(|w| {
            (!w.ends_with('\'')).then(|| {
                let mut h = build.build_hasher();
                h.write(fold(w).as_bytes());
                h.finish()
            })
        })
        .collect()
}

/// Fills `set` with the sorted, distinct shingle hashes of contribution `doc` (empty when it
/// has fewer than `min_words` words). `words` is scratch.
fn shingle_set(
    corpus: &Corpus,
    word_hash: &[Option<u64>],
    doc: usize,
    min_words: usize,
    words: &mut Vec<u64>,
    set: &mut Vec<u64>,
) {
    words.clear();
    set.clear();
    words.extend(
        corpus
            .doc(doc)
            .iter()
            .filter(|&&w| w != BREAK)
            .filter_map(|&w| word_hash[w as usize]),
    );
    if words.len() < min_words {
        return;
    }
    set.extend(words.windows(3).map(|w| {
        let mut h = FxHasher::default();
        h.write_u64(w[0]);
        h.write_u64(w[1]);
        h.write_u64(w[2]);
        h.finish()
    }));
    set.sort_unstable();
    set.dedup();
}

/// The band keys of a shingle set's MinHash signature.
fn band_keys(set: &[u64], salts: &[(u64, u64)]) -> [u64; BANDS] {
    let mut signature = [u64::MAX; HASHES];
    for &s in set {
        for (slot, &(a, b)) in signature.iter_mut().zip(salts) {
            *slot = (*slot).min(s.wrapping_mul(a).wrapping_add(b));
        }
    }
    let mut keys = [0u64; BANDS];
    for (band, key) in keys.iter_mut().enumerate() {
        let mut h = FxHasher::default();
        h.write_usize(band);
        for &v in &signature[band * ROWS..(band + 1) * ROWS] {
            h.write_u64(v);
        }
        *key = h.finish();
    }
    keys
}

/// Jaccard overlap of two sorted sets.
fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - shared;
    if union == 0 { 0.0 } else { shared as f64 / union as f64 }
}

/// Groups of near-duplicate contributions (indices, each group sorted, groups by first index).
///
/// Memory stays small whatever the size: each contribution keeps only its band keys (128
/// bytes), the buckets are sorted one band at a time, and the shingle sets of a likely pair
/// are made again when it is compared, in parallel. Keeping every set took 1.3 GB at 2,000,000 texts.
pub fn near_duplicates(corpus: &Corpus, params: &DuplicateParams) -> Vec<Vec<usize>> {
    let word_hash = word_hashes(corpus);
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    // Hash i of a shingle is `a_i · s + b_i` (a_i odd): one multiply-add per hash, and the
    // shingle hashes `s` are already well mixed.
    let salts: Vec<(u64, u64)> = (0..HASHES).map(|_| (rng.next_u64() | 1, rng.next_u64())).collect();
    let n = corpus.len();
    // Band keys of each contribution's signature; `None` when it has no shingle.
    let mut keys: Vec<Option<[u64; BANDS]>> = vec![None; n];
    par_fill(&mut keys, |range, out| {
        let (mut words, mut set) = (Vec::new(), Vec::new());
        for (doc, slot) in range.zip(out) {
            shingle_set(corpus, &word_hash, doc, params.min_words, &mut words, &mut set);
            if !set.is_empty() {
                *slot = Some(band_keys(&set, &salts));
            }
        }
    });
    let mut groups = UnionFind((0..n as u32).collect());
    let mut bucket_keys: Vec<(u64, u32)> = Vec::new();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for band in 0..BANDS {
        bucket_keys.clear();
        bucket_keys.extend(
            keys.iter()
                .enumerate()
                .filter_map(|(doc, k)| k.map(|k| (k[band], doc as u32))),
        );
        bucket_keys.sort_unstable();
        // Likely pairs not yet in one group, then compared in parallel: a pair already joined
        // through others needs no comparison, and the groups come out the same.
        pairs.clear();
        let mut start = 0;
        while start < bucket_keys.len() {
            let mut end = start;
            while end < bucket_keys.len() && bucket_keys[end].0 == bucket_keys[start].0 {
                end += 1;
            }
            let bucket = &bucket_keys[start..end];
            for (i, &(_, a)) in bucket.iter().enumerate() {
                for &(_, b) in bucket.iter().skip(i + 1).take(BUCKET_WINDOW) {
                    if groups.find(a) != groups.find(b) {
                        pairs.push((a, b));
                    }
                }
            }
            start = end;
        }
        let similar = par_ranges(pairs.len(), |range| {
            let (mut words, mut set_a, mut set_b) = (Vec::new(), Vec::new(), Vec::new());
            let mut made_a = None;
            let mut similar = Vec::new();
            for &(a, b) in &pairs[range] {
                if made_a != Some(a) {
                    shingle_set(corpus, &word_hash, a as usize, params.min_words, &mut words, &mut set_a);
                    made_a = Some(a);
                }
                shingle_set(corpus, &word_hash, b as usize, params.min_words, &mut words, &mut set_b);
                if jaccard(&set_a, &set_b) >= params.threshold {
                    similar.push((a, b));
                }
            }
            similar
        });
        for (a, b) in similar.into_iter().flatten() {
            groups.union(a, b);
        }
    }
    let mut by_root: HashMap<u32, Vec<usize>, FxBuildHasher> = HashMap::default();
    for doc in 0..n as u32 {
        if keys[doc as usize].is_some() {
            let root = groups.find(doc);
            by_root.entry(root).or_default().push(doc as usize);
        }
    }
    let mut out: Vec<Vec<usize>> = by_root.into_values().filter(|g| g.len() > 1).collect();
    out.sort_by_key(|g| g[0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_near_identical_texts_and_nothing_else() {
        let texts = [
            "Il faut développer les transports en commun dans les campagnes",
            "il faut developper les transports en commun dans les campagnes !",
            "Il faut DÉVELOPPER les transports en commun, dans les campagnes.",
            "La pollution de l air, de l eau et de la terre",
            "la pollution de l'air, de l’eau et de la terre",
            "Baisser la TVA sur les produits de première nécessité",
            "Il faut développer le vélo dans les villes et les campagnes",
            "non",
            "non",
        ];
        let corpus = Corpus::read(&texts, &mut |_| {});
        let groups = near_duplicates(&corpus, &DuplicateParams::default());
        assert_eq!(groups, vec![vec![0, 1, 2], vec![3, 4]]);
    }
}
