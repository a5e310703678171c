//! Typos: a rare word one edit away from a much more frequent one counts as that word.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

/// A term used by at most this many contributions may be a typo…
const TYPO_MAX_DF: u32 = 3;
/// …of a term at least this many times more frequent…
const TYPO_RATIO: u32 = 20;
/// …when both have at least this many letters.
const TYPO_MIN_CHARS: usize = 5;

/// For each term, the term it stands for: itself, or, for a rare term that is one edit (a
/// letter left out, added, changed, or two swapped) away from a single much more frequent
/// term, that term (`polution` → `pollution`). Found with the deletions of each word
/// (symmetric delete), without comparing every pair.
pub fn typo_aliases(terms: &[Box<str>], df: &[u32]) -> Vec<u32> {
    let mut alias: Vec<u32> = (0..terms.len() as u32).collect();
    let deletions = |term: &str| -> Vec<String> {
        let chars: Vec<char> = term.chars().collect();
        (0..chars.len())
            .map(|i| chars[..i].iter().chain(&chars[i + 1..]).collect())
            .collect()
    };
    // Frequent terms by themselves and by each of their deletions.
    let mut index: HashMap<String, Vec<u32>, FxBuildHasher> = HashMap::default();
    for (t, term) in terms.iter().enumerate() {
        if df[t] > TYPO_MAX_DF * TYPO_RATIO / 2 && term.chars().count() >= TYPO_MIN_CHARS {
            index.entry(term.to_string()).or_default().push(t as u32);
            for d in deletions(term) {
                index.entry(d).or_default().push(t as u32);
            }
        }
    }
    for (t, term) in terms.iter().enumerate() {
        if df[t] == 0 || df[t] > TYPO_MAX_DF || term.chars().count() < TYPO_MIN_CHARS {
            continue;
        }
        let mut candidates: Vec<u32> = std::iter::once(term.to_string())
            .chain(deletions(term))
            .filter_map(|key| index.get(&key))
            .flatten()
            .copied()
            .filter(|&c| c as usize != t && df[c as usize] >= df[t] * TYPO_RATIO)
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        if let [only] = candidates[..] {
            alias[t] = only;
        }
    }
    alias
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_typos_count_as_the_frequent_word() {
        let terms: Vec<Box<str>> = [
            "pollut",
            "polut",
            "pollutx",
            "polluer",
            "transport",
            "trasnport",
            "velo",
        ]
        .iter()
        .map(|&t| t.into())
        .collect();
        let df = [200, 2, 1, 150, 300, 1, 2];
        let alias = typo_aliases(&terms, &df);
        assert_eq!(alias[1], 0, "a letter left out");
        assert_eq!(alias[2], 0, "a letter added");
        assert_eq!(alias[3], 3, "frequent terms stay themselves");
        assert_eq!(alias[5], 4, "two letters swapped");
        assert_eq!(alias[6], 6, "short words are left alone");
    }
}
