//! How many themes: the operator's number, or one chosen from the data by stability.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::cluster::{ClusterParams, spherical_kmeans};
use super::engine::Params;
use super::lsa::Dense;
use super::quality::nmi;

/// How many themes to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ThemeCount {
    /// Chosen from the data (see [`choose_theme_count`]).
    Auto,
    Fixed(usize),
}

impl std::str::FromStr for ThemeCount {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(ThemeCount::Auto);
        }
        match s.parse::<usize>() {
            Ok(n) if (1..=MAX_THEMES).contains(&n) => Ok(ThemeCount::Fixed(n)),
            _ => Err(format!("themes: `auto` or a number from 1 to {MAX_THEMES}")),
        }
    }
}

/// More themes than this is no longer a summary.
pub const MAX_THEMES: usize = 100;

/// How the number of themes was chosen.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeChoice {
    pub chosen: usize,
    pub automatic: bool,
    /// For an automatic choice: each number tried and its stability (0 to 1).
    pub tried: Vec<(usize, f64)>,
    /// For an automatic choice: how many contributions were grouped to compare the numbers.
    pub sample: usize,
    /// For an automatic choice: the stability of the number chosen (0 to 1).
    pub stability: f64,
    /// The choice in French words, for the command-line tools (applications word it from the
    /// fields above, in their reader's language).
    pub explanation: String,
}

impl ThemeChoice {
    /// `k` themes, as the operator asked.
    pub(crate) fn fixed(k: usize) -> Self {
        ThemeChoice {
            chosen: k,
            automatic: false,
            tried: Vec::new(),
            sample: 0,
            stability: 0.0,
            explanation: format!("{k} thèmes, nombre fixé par l'opérateur."),
        }
    }
}

pub(crate) fn cluster_params(k: usize, params: &Params) -> ClusterParams {
    ClusterParams {
        k,
        max_iterations: 40,
        restarts: 3,
        max_share: params.max_theme_share,
        seed: params.seed,
    }
}

/// Rows used to compare numbers of themes.
const CHOICE_SAMPLE: usize = 6_000;

/// Chooses the number of themes by **stability**: for each candidate number, themes are computed
/// twice on a sample, from two different random starts, and the two results are compared
/// (normalised mutual information: 1 when they are the same grouping, 0 when unrelated). A
/// number that matches real groupings in the texts gives the same themes both times; a number
/// that cuts across them gives different cuts each time. The most stable number wins; between
/// numbers within 0.02 of it, the smaller one, which is easier to read.
///
/// Candidates are 2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 20, 25 and 30, up to √(n/2) for n
/// contributions (a classic ceiling), and from 4 on when at least 8 are allowed: two or three
/// themes are always stable and rarely say much.
pub fn choose_theme_count(coords: &Dense, with_content: usize, params: &Params) -> ThemeChoice {
    let most = ((with_content as f64 / 2.0).sqrt().floor() as usize).clamp(2, 30);
    let least = if most >= 8 { 4 } else { 2 };
    let candidates: Vec<usize> = [2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 20, 25, 30]
        .into_iter()
        .filter(|&k| (least..=most).contains(&k))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed ^ 0x5eed);
    let rows: Vec<usize> = (0..coords.rows())
        .filter(|&i| coords.row(i).iter().any(|&v| v != 0.0))
        .collect();
    let sample: Vec<usize> = if rows.len() <= CHOICE_SAMPLE {
        rows
    } else {
        let mut rows = rows;
        rows.partial_shuffle(&mut rng, CHOICE_SAMPLE).0.to_vec()
    };
    let mut sub = Dense::zeros(sample.len(), coords.dim);
    for (i, &r) in sample.iter().enumerate() {
        sub.row_mut(i).copy_from_slice(coords.row(r));
    }
    let tried: Vec<(usize, f64)> = candidates
        .iter()
        .map(|&k| {
            let mut cp = cluster_params(k, params);
            cp.restarts = 1;
            let first = spherical_kmeans(&sub, &cp);
            cp.seed = cp.seed.wrapping_add(7919);
            let second = spherical_kmeans(&sub, &cp);
            (k, nmi(&first.assignment, &second.assignment))
        })
        .collect();
    let best = tried.iter().map(|t| t.1).fold(f64::NEG_INFINITY, f64::max);
    let (chosen, stability) = tried
        .iter()
        .copied()
        .find(|t| t.1 >= best - 0.02)
        .unwrap_or((candidates.first().copied().unwrap_or(2), 0.0));
    ThemeChoice {
        chosen,
        automatic: true,
        sample: sub.rows(),
        stability,
        explanation: format!(
            "{chosen} thèmes, choisis automatiquement : on a regroupé deux fois {} contributions, \
             à partir de deux points de départ différents, en {} à {} thèmes ; c'est avec {chosen} \
             thèmes que les deux regroupements se ressemblent le plus (stabilité {:.2} sur 1). \
             Un nombre qui suit de vrais ensembles dans les textes donne les mêmes thèmes à chaque fois.",
            sub.rows(),
            candidates.first().copied().unwrap_or(2),
            candidates.last().copied().unwrap_or(2),
            stability,
        ),
        tried,
    }
}
