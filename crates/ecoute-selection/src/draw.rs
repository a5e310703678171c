//! The draw: one panel from the LEXIMIN portfolio, reproducible from a published seed, and the
//! waitlist that replaces people who decline without breaking the quotas.
//!
//! From the seed, a ChaCha20 generator (`rand_chacha`, `seed_from_u64`) first picks a panel of
//! the portfolio with its probability, then, for each type in increasing order, shuffles the
//! type's volunteers (by their index in the instance, which the caller sorts by a stable key)
//! and takes as many as the panel has from that type. Everyone else goes to the waitlist, in an
//! order drawn from the same generator. Anyone who knows the seed, the volunteers in order and
//! the portfolio can redo the draw.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

use super::{Fair, Instance};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Draw {
    /// The seed it was drawn from.
    pub seed: u64,
    /// Which panel of the portfolio.
    pub panel_index: usize,
    /// Volunteers selected, in increasing index order.
    pub panel: Vec<usize>,
    /// Everyone else, in the order they are offered a seat that frees up.
    pub waitlist: Vec<usize>,
}

/// Draws a panel from the portfolio with the generator seeded by `seed`.
pub fn draw(fair: &Fair, seed: u64) -> Draw {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let u: f64 = rng.random();
    let mut panel_index = fair.weights.len() - 1;
    let mut cumulative = 0.0;
    for (k, w) in fair.weights.iter().enumerate() {
        cumulative += w;
        if u < cumulative {
            panel_index = k;
            break;
        }
    }
    let composition = &fair.panels[panel_index];
    let mut panel = Vec::new();
    let mut waitlist = Vec::new();
    for (t, members) in fair.types.members.iter().enumerate() {
        let mut shuffled = members.clone();
        shuffled.shuffle(&mut rng);
        let n = composition[t] as usize;
        panel.extend_from_slice(&shuffled[..n]);
        waitlist.extend_from_slice(&shuffled[n..]);
    }
    panel.sort_unstable();
    waitlist.sort_unstable();
    waitlist.shuffle(&mut rng);
    Draw {
        seed,
        panel_index,
        panel,
        waitlist,
    }
}

/// The first person of the waitlist who can take `leaving`'s seat with every quota still met
/// (and nobody else of their household on the panel), if any. `panel` is the panel before
/// `leaving` goes; people in `waitlist` who are already on the panel are skipped.
pub fn replacement(instance: &Instance, panel: &[usize], leaving: usize, waitlist: &[usize]) -> Option<usize> {
    let staying: Vec<usize> = panel.iter().copied().filter(|&i| i != leaving).collect();
    let housemate_seated = |candidate: usize| {
        instance
            .households
            .iter()
            .find(|h| h.contains(&candidate))
            .is_some_and(|h| h.iter().any(|i| staying.contains(i)))
    };
    let mut counts: Vec<Vec<u32>> = instance.values.iter().map(|&n| vec![0; n]).collect();
    for &i in panel.iter().filter(|&&i| i != leaving) {
        for (c, &v) in instance.profiles[i].iter().enumerate() {
            counts[c][v] += 1;
        }
    }
    waitlist.iter().copied().find(|candidate| {
        !panel.contains(candidate)
            && !housemate_seated(*candidate)
            && instance.profiles[*candidate].iter().enumerate().all(|(c, &v)| {
                counts[c].iter().enumerate().all(|(w, &n)| {
                    let n = if w == v { n + 1 } else { n };
                    instance.quotas[c][w].contains(n)
                })
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, leximin, testing};

    #[test]
    fn the_same_seed_gives_the_same_panel() {
        let instance = testing::random(3, 200, 12, 4);
        let fair = leximin(&instance, &Options::default()).unwrap();
        assert_eq!(draw(&fair, 42), draw(&fair, 42));
        let panels: std::collections::HashSet<_> = (0..20).map(|s| draw(&fair, s).panel).collect();
        assert!(panels.len() > 15, "seeds should give different panels");
    }

    #[test]
    fn quotas_hold_over_many_draws() {
        for instance_seed in 0..3 {
            let instance = testing::random(instance_seed, 250, 15, 5);
            let fair = leximin(&instance, &Options::default()).unwrap();
            for seed in 0..2_000 {
                let d = draw(&fair, seed);
                assert!(instance.satisfied_by(&d.panel), "instance {instance_seed}, seed {seed}");
                assert_eq!(d.panel.len() + d.waitlist.len(), instance.profiles.len());
            }
        }
    }

    #[test]
    fn frequencies_over_many_draws_match_the_probabilities() {
        let instance = testing::random(11, 120, 10, 4);
        let fair = leximin(&instance, &Options::default()).unwrap();
        let runs = 40_000;
        let mut selected = vec![0u32; instance.profiles.len()];
        for seed in 0..runs {
            for i in draw(&fair, seed).panel {
                selected[i] += 1;
            }
        }
        for (i, &p) in fair.probabilities.iter().enumerate() {
            let freq = f64::from(selected[i]) / runs as f64;
            // Five standard deviations of a binomial frequency: fails by chance about once in
            // two million people.
            let sd = (p * (1.0 - p) / runs as f64).sqrt();
            assert!(
                (freq - p).abs() <= 5.0 * sd + 1e-9,
                "volunteer {i}: frequency {freq}, probability {p}"
            );
        }
    }

    #[test]
    fn promotions_from_the_waitlist_keep_the_quotas() {
        let instance = testing::random(5, 300, 16, 5);
        let fair = leximin(&instance, &Options::default()).unwrap();
        let mut promoted = 0;
        for seed in 0..50 {
            let d = draw(&fair, seed);
            let mut panel = d.panel.clone();
            let mut waitlist = d.waitlist.clone();
            // Half the panel declines, one after the other.
            for k in 0..8 {
                let leaving = panel[k * 2 % panel.len()];
                if let Some(next) = replacement(&instance, &panel, leaving, &waitlist) {
                    panel.retain(|&i| i != leaving);
                    panel.push(next);
                    waitlist.retain(|&i| i != next);
                    promoted += 1;
                    assert!(instance.satisfied_by(&panel), "seed {seed}, step {k}");
                }
            }
        }
        assert!(promoted > 300, "most declines should find a replacement: {promoted}");
    }
}
