//! Priority of themes: which salient points come first.
//!
//! Five measures, each between 0 and 1:
//! - **volume**: the theme's contributions, over those of the largest theme;
//! - **likes**: the likes its contributions received, over those of the most liked theme;
//! - **comments**: likewise for comments;
//! - **territorial spread**: how evenly its contributions come from the campaign's territories
//!   (normalised entropy: 1 when they come evenly from all of them, 0 when from one only);
//! - **profile spread**: likewise across participant profiles (the contributors' answers to a
//!   survey question the operator chose, else the kinds of contribution; see
//!   `analysis::contributions::read` in the `ecoute` crate).
//!
//! The score is their weighted sum, times 100. A measure the campaign has no data for (no likes
//! yet, a single territory) is left out and its weight shared among the others in proportion,
//! so the score still runs from 0 to 100.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// What is known of a contribution besides its text.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    pub likes: u32,
    pub comments: u32,
    pub territory: Option<String>,
    pub profile: Option<String>,
}

/// Weights of the five measures (they need not add up to one; they are rescaled).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PriorityWeights {
    pub volume: f64,
    pub likes: f64,
    pub comments: f64,
    pub territories: f64,
    pub profiles: f64,
}

impl Default for PriorityWeights {
    fn default() -> Self {
        PriorityWeights {
            volume: 0.40,
            likes: 0.25,
            comments: 0.15,
            territories: 0.10,
            profiles: 0.10,
        }
    }
}

/// A theme's priority and the measures behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Priority {
    pub theme: usize,
    pub score: f64,
    pub volume: f64,
    pub likes: f64,
    pub comments: f64,
    pub territories: f64,
    pub profiles: f64,
    /// Raw figures, for the page.
    pub contributions: usize,
    pub like_count: u64,
    pub comment_count: u64,
    pub territory_count: usize,
    pub profile_count: usize,
}

/// Normalised entropy of counts over `possible` categories.
fn evenness(counts: &HashMap<&str, usize>, possible: usize) -> f64 {
    let total: usize = counts.values().sum();
    if possible <= 1 || total == 0 {
        return 0.0;
    }
    let h: f64 = counts
        .values()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / total as f64;
            -p * p.ln()
        })
        .sum();
    (h / (possible as f64).ln()).clamp(0.0, 1.0)
}

/// Priorities of themes, best first. `assignment[i]` is the theme of contribution `i`, if any.
pub fn prioritize(
    assignment: &[Option<usize>],
    signals: &[Signals],
    themes: usize,
    weights: &PriorityWeights,
) -> Vec<Priority> {
    let mut sizes = vec![0usize; themes];
    let mut likes = vec![0u64; themes];
    let mut comments = vec![0u64; themes];
    let mut territories: Vec<HashMap<&str, usize>> = vec![HashMap::new(); themes];
    let mut profiles: Vec<HashMap<&str, usize>> = vec![HashMap::new(); themes];
    let mut all_territories: HashMap<&str, ()> = HashMap::new();
    let mut all_profiles: HashMap<&str, ()> = HashMap::new();
    for (theme, signal) in assignment.iter().zip(signals) {
        let Some(t) = *theme else { continue };
        sizes[t] += 1;
        likes[t] += signal.likes as u64;
        comments[t] += signal.comments as u64;
        if let Some(place) = signal.territory.as_deref() {
            *territories[t].entry(place).or_default() += 1;
            all_territories.insert(place, ());
        }
        if let Some(profile) = signal.profile.as_deref() {
            *profiles[t].entry(profile).or_default() += 1;
            all_profiles.insert(profile, ());
        }
    }
    let max_size = sizes.iter().copied().max().unwrap_or(0).max(1) as f64;
    let max_likes = likes.iter().copied().max().unwrap_or(0);
    let max_comments = comments.iter().copied().max().unwrap_or(0);
    // Measures with no data are left out of the weighting.
    let used = [
        weights.volume,
        if max_likes > 0 { weights.likes } else { 0.0 },
        if max_comments > 0 { weights.comments } else { 0.0 },
        if all_territories.len() > 1 {
            weights.territories
        } else {
            0.0
        },
        if all_profiles.len() > 1 { weights.profiles } else { 0.0 },
    ];
    let total_weight: f64 = used.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mut out: Vec<Priority> = (0..themes)
        .map(|t| {
            let volume = sizes[t] as f64 / max_size;
            let like_share = if max_likes > 0 {
                likes[t] as f64 / max_likes as f64
            } else {
                0.0
            };
            let comment_share = if max_comments > 0 {
                comments[t] as f64 / max_comments as f64
            } else {
                0.0
            };
            let spread_t = evenness(&territories[t], all_territories.len());
            let spread_p = evenness(&profiles[t], all_profiles.len());
            let measures = [volume, like_share, comment_share, spread_t, spread_p];
            let score = 100.0 * used.iter().zip(measures).map(|(w, m)| w * m).sum::<f64>() / total_weight;
            Priority {
                theme: t,
                score,
                volume,
                likes: like_share,
                comments: comment_share,
                territories: spread_t,
                profiles: spread_p,
                contributions: sizes[t],
                like_count: likes[t],
                comment_count: comments[t],
                territory_count: territories[t].len(),
                profile_count: profiles[t].len(),
            }
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.theme.cmp(&b.theme)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(likes: u32, comments: u32, territory: &str) -> Signals {
        Signals {
            likes,
            comments,
            territory: Some(territory.into()),
            profile: None,
        }
    }

    #[test]
    fn volume_likes_and_spread_raise_a_theme() {
        let assignment = [Some(0), Some(0), Some(0), Some(1), Some(1), Some(2), None];
        let signals = [
            signal(5, 1, "33"),
            signal(0, 0, "31"),
            signal(1, 0, "11"),
            signal(0, 0, "33"),
            signal(0, 0, "33"),
            signal(0, 3, "33"),
            signal(100, 100, "33"),
        ];
        let ranked = prioritize(&assignment, &signals, 3, &PriorityWeights::default());
        assert_eq!(ranked[0].theme, 0);
        assert!((ranked[0].territories - 1.0).abs() < 1e-9);
        assert_eq!(ranked[0].like_count, 6);
        assert!(ranked.iter().all(|p| (0.0..=100.0).contains(&p.score)));
        // Profiles are unknown: their weight went to the other measures, and the best theme
        // is at most 100.
        assert!(ranked[0].score <= 100.0 && ranked[0].score > 50.0);
    }

    #[test]
    fn no_signals_means_volume_only() {
        let assignment = [Some(0), Some(0), Some(1)];
        let ranked = prioritize(
            &assignment,
            &vec![Signals::default(); 3],
            2,
            &PriorityWeights::default(),
        );
        assert!((ranked[0].score - 100.0).abs() < 1e-9);
        assert!((ranked[1].score - 50.0).abs() < 1e-9);
    }

    #[test]
    fn spread_across_profiles_raises_a_theme_of_equal_volume() {
        let with = |profile: &str| Signals {
            profile: Some(profile.into()),
            ..Signals::default()
        };
        // Two themes of two contributions each: the first from two profiles, the second from one.
        let assignment = [Some(0), Some(0), Some(1), Some(1), None];
        let signals = [
            with("allocataire"),
            with("agent de la Caf"),
            with("allocataire"),
            with("allocataire"),
            Signals::default(),
        ];
        let ranked = prioritize(&assignment, &signals, 2, &PriorityWeights::default());
        assert_eq!(ranked[0].theme, 0);
        assert_eq!((ranked[0].profile_count, ranked[1].profile_count), (2, 1));
        assert!((ranked[0].profiles - 1.0).abs() < 1e-9 && ranked[1].profiles.abs() < 1e-9);
        // Volume (0.40) and profiles (0.10) only: 100 and 80.
        assert!((ranked[0].score - 100.0).abs() < 1e-9);
        assert!((ranked[1].score - 80.0).abs() < 1e-9);
    }
}
