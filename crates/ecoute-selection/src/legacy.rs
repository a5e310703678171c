//! The greedy that sortition organisations used before LEXIMIN (the paper's LEGACY), kept as
//! the baseline that LEXIMIN is measured against.
//!
//! Seat by seat: among the values whose minimum is not met yet, take the one that needs the
//! most people relative to who is left; pick a volunteer with that value uniformly at random
//! (anyone left once every minimum is met); then set aside everyone whose value has reached
//! its maximum (and the other members of the household of whoever was picked). A dead end
//! restarts the draw. It always meets the quotas, but people whose values are common get much
//! smaller chances than needed.
//!
//! As a method of its own ([`legacy`]), its probabilities are the frequencies over many runs
//! and its portfolio is those runs' panels, each as often as it came: drawing from it is
//! running the greedy again (among the panels it gave).

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Algorithm, Fair, Instance, Method, Options, SelectionError, Types, feasibility};

/// The greedy's portfolio: `options.legacy_runs` runs seeded by `options.legacy_seed`.
pub fn legacy(instance: &Instance, options: &Options) -> Result<Fair, SelectionError> {
    let reasons = feasibility::check(instance)?;
    if !reasons.is_empty() {
        return Err(SelectionError::Infeasible(reasons));
    }
    let types = Types::group(instance);
    let mut rng = ChaCha8Rng::seed_from_u64(options.legacy_seed);
    let mut counts: HashMap<Vec<u32>, u32> = HashMap::new();
    for _ in 0..options.legacy_runs.max(1) {
        if let Some(panel) = legacy_composition(instance, &types, &mut rng, 100) {
            *counts.entry(panel).or_default() += 1;
        }
    }
    if counts.is_empty() {
        return Err(SelectionError::Solver(
            "the greedy found no panel (100 attempts a run)".into(),
        ));
    }
    // A fixed order (the map's is random), so that a seed always draws the same panel.
    let mut counted: Vec<(Vec<u32>, u32)> = counts.into_iter().collect();
    counted.sort_unstable();
    let runs: u32 = counted.iter().map(|(_, n)| n).sum();
    let (panels, weights): (Vec<_>, Vec<_>) = counted
        .into_iter()
        .map(|(p, n)| (p, f64::from(n) / f64::from(runs)))
        .unzip();
    let mut fair = Fair::from_panels(types, panels, weights, 0, true, Method::Greedy);
    fair.algorithm = Algorithm::Legacy;
    Ok(fair)
}

/// Members per type of one greedy panel, or `None` after `attempts` dead ends.
pub fn legacy_composition(instance: &Instance, types: &Types, rng: &mut impl Rng, attempts: usize) -> Option<Vec<u32>> {
    'attempt: for _ in 0..attempts {
        let mut left: Vec<u32> = (0..types.len()).map(|t| types.size(t) as u32).collect();
        let mut open = vec![true; types.len()];
        let mut taken = vec![0u32; types.len()];
        let mut counts: Vec<Vec<u32>> = instance.values.iter().map(|&n| vec![0; n]).collect();
        for _ in 0..instance.seats {
            let mut available: Vec<Vec<u32>> = instance.values.iter().map(|&n| vec![0; n]).collect();
            for t in (0..types.len()).filter(|&t| open[t]) {
                for (c, &v) in types.profiles[t].iter().enumerate() {
                    available[c][v] += left[t];
                }
            }
            // The most urgent unmet minimum.
            let mut urgent: Option<(usize, usize, f64)> = None;
            for (c, bounds) in instance.quotas.iter().enumerate() {
                for (v, b) in bounds.iter().enumerate() {
                    if counts[c][v] < b.min {
                        if available[c][v] == 0 {
                            continue 'attempt;
                        }
                        let ratio = f64::from(b.min - counts[c][v]) / f64::from(available[c][v]);
                        if urgent.is_none_or(|(_, _, r)| ratio > r) {
                            urgent = Some((c, v, ratio));
                        }
                    }
                }
            }
            let eligible =
                |t: usize| open[t] && left[t] > 0 && urgent.is_none_or(|(c, v, _)| types.profiles[t][c] == v);
            let total: u32 = (0..types.len()).filter(|&t| eligible(t)).map(|t| left[t]).sum();
            if total == 0 {
                continue 'attempt;
            }
            let mut pick = rng.random_range(0..total);
            let t = (0..types.len())
                .filter(|&t| eligible(t))
                .find(|&t| {
                    if pick < left[t] {
                        true
                    } else {
                        pick -= left[t];
                        false
                    }
                })
                .expect("pick below total");
            left[t] -= 1;
            taken[t] += 1;
            if let Some(h) = types.household_of[t] {
                for &other in &types.households[h] {
                    left[other] = 0;
                }
            }
            for (c, &v) in types.profiles[t].iter().enumerate() {
                counts[c][v] += 1;
            }
            for (is_open, profile) in open.iter_mut().zip(&types.profiles) {
                if *is_open
                    && profile
                        .iter()
                        .enumerate()
                        .any(|(c, &v)| counts[c][v] >= instance.quotas[c][v].max)
                {
                    *is_open = false;
                }
            }
        }
        if types.composition_ok(instance, &taken) {
            return Some(taken);
        }
    }
    None
}

/// Each type's selection frequency over `runs` greedy draws (failed draws are not counted).
pub fn legacy_type_frequencies(instance: &Instance, types: &Types, runs: usize, rng: &mut impl Rng) -> Vec<f64> {
    let mut selected = vec![0u64; types.len()];
    let mut done = 0u64;
    for _ in 0..runs {
        if let Some(panel) = legacy_composition(instance, types, rng, 100) {
            done += 1;
            for (s, n) in selected.iter_mut().zip(panel) {
                *s += u64::from(n);
            }
        }
    }
    (0..types.len())
        .map(|t| selected[t] as f64 / (done.max(1) as f64 * types.size(t) as f64))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn greedy_panels_meet_the_quotas() {
        let instance = testing::random(7, 400, 20, 5);
        let types = Types::group(&instance);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let panel = legacy_composition(&instance, &types, &mut rng, 100).expect("a panel");
            assert!(types.composition_ok(&instance, &panel));
        }
    }

    #[test]
    fn the_greedy_takes_one_person_per_household_and_its_portfolio_is_its_runs() {
        let mut instance = testing::random(7, 400, 20, 5);
        instance.households = (0..100).map(|h| vec![4 * h, 4 * h + 1, 4 * h + 2]).collect();
        let types = Types::group(&instance);
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for _ in 0..100 {
            let panel = legacy_composition(&instance, &types, &mut rng, 100).expect("a panel");
            assert!(types.composition_ok(&instance, &panel));
        }
        let options = Options {
            legacy_runs: 500,
            ..Options::default()
        };
        let fair = legacy(&instance, &options).unwrap();
        assert_eq!(fair.algorithm, Algorithm::Legacy);
        assert!((fair.probabilities.iter().sum::<f64>() - 20.0).abs() < 1e-9);
        for seed in 0..50 {
            assert!(instance.satisfied_by(&crate::draw(&fair, seed).panel));
        }
    }
}
