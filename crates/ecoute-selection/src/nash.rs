//! NASH: the portfolio that maximises the product of the selection probabilities (their
//! geometric mean), the other fairness goal of Flanigan et al. (2021).
//!
//! The objective is concave in the expected composition `x` (members per type):
//! `f(x) = Σ_t n_t·log(x_t / n_t)`, the sum of the logs of everyone's probability. It is
//! maximised over the portfolios by *pairwise Frank–Wolfe* steps over panels:
//! - the gradient `n_t / x_t` prices the types; the best panel at those prices (the exact
//!   integer program: local search finds better panels sooner but far from the best, and
//!   took ten times as many steps) is the "toward" panel `s`, the portfolio's worst panel at
//!   those prices is the "away" panel `v`;
//! - probability moves from `v` to `s`, as much as the exact line search on `f` says;
//! - the *duality gap* `Σ_t (n_t/x_t)·s_t − Σ_t n_t`, with `s` from the exact oracle, bounds
//!   how far `f` is from its maximum (concavity), so the geometric mean is within
//!   `exp(gap/N)` of the best: that is the bound reported.
//!
//! It starts from the LEXIMIN portfolio (which is close, and gives everyone who can sit a
//! positive probability) with half the time budget; people no panel can hold keep 0 and are
//! left out of `f`.

use std::time::Instant;

use super::{Algorithm, Fair, Instance, Method, Options, SelectionError, leximin, oracle};

/// Relative duality gap (per person, in log units) below which NASH stops: the geometric
/// mean is then within a factor 1.0001 of the best.
const GAP: f64 = 1e-4;
/// A panel's share below which it leaves the portfolio.
const DROP: f64 = 1e-12;

/// NASH probabilities for `instance`, or why its quotas cannot be met.
pub fn nash(instance: &Instance, options: &Options) -> Result<Fair, SelectionError> {
    let started = Instant::now();
    let start = leximin(
        instance,
        &Options {
            time_budget: options.time_budget / 2,
            ..options.clone()
        },
    )?;
    let deadline = started + options.time_budget;
    let types = start.types;
    let sizes: Vec<f64> = (0..types.len()).map(|t| types.size(t) as f64).collect();
    // Types that get nothing in LEXIMIN's portfolio are in no panel at all (LEXIMIN would
    // otherwise give them something): they stay out of the objective.
    let alive: Vec<bool> = start.type_probabilities.iter().map(|&p| p > 1e-12).collect();
    let people: f64 = (0..types.len()).filter(|&t| alive[t]).map(|t| sizes[t]).sum();
    let mut panels = start.panels;
    let mut weights = start.weights;
    let mut certified = None;
    let mut complete = false;
    while Instant::now() < deadline {
        let x = composition(&panels, &weights, types.len());
        let prices: Vec<f64> = (0..types.len())
            .map(|t| if alive[t] { sizes[t] / x[t] } else { 0.0 })
            .collect();
        let value = |p: &[u32]| -> f64 { p.iter().zip(&prices).map(|(&n, c)| f64::from(n) * c).sum() };
        // The portfolio's value at these prices is `people`; a panel worth more improves it.
        let toward = exact_best(instance, &types, &prices)?;
        let gap = (value(&toward) - people).max(0.0);
        certified = Some((objective(&x, &sizes, &alive), gap));
        if gap <= people * GAP {
            complete = true;
            break;
        }
        let away = (0..panels.len())
            .filter(|&j| weights[j] > DROP)
            .min_by(|&a, &b| value(&panels[a]).total_cmp(&value(&panels[b])))
            .expect("a portfolio has panels");
        let direction: Vec<f64> = (0..types.len())
            .map(|t| f64::from(toward[t]) - f64::from(panels[away][t]))
            .collect();
        let step = line_search(&x, &direction, &sizes, &alive, weights[away]);
        if step <= 0.0 {
            break;
        }
        let k = match panels.iter().position(|p| *p == toward) {
            Some(k) => k,
            None => {
                panels.push(toward);
                weights.push(0.0);
                panels.len() - 1
            }
        };
        weights[k] += step;
        weights[away] -= step;
        if weights[away] <= DROP {
            panels.swap_remove(away);
            weights.swap_remove(away);
        }
    }
    let x = composition(&panels, &weights, types.len());
    // The bound needs the exact oracle at the final prices, unless the loop just proved it.
    let (f, gap) = match certified {
        Some(c) if complete => c,
        _ => {
            let prices: Vec<f64> = (0..types.len())
                .map(|t| if alive[t] { sizes[t] / x[t] } else { 0.0 })
                .collect();
            let best = exact_best(instance, &types, &prices)?;
            let worth: f64 = best.iter().zip(&prices).map(|(&n, c)| f64::from(n) * c).sum();
            (objective(&x, &sizes, &alive), (worth - people).max(0.0))
        }
    };
    let total_people = sizes.iter().sum::<f64>();
    let mut fair = Fair::from_panels(types, panels, weights, 0, complete, Method::FrankWolfe);
    fair.algorithm = Algorithm::Nash;
    // Anyone who can never sit makes every portfolio's geometric mean 0.
    fair.bound = Some(if people < total_people {
        0.0
    } else {
        ((f + gap) / total_people).exp()
    });
    Ok(fair)
}

/// The expected members per type of a portfolio.
fn composition(panels: &[Vec<u32>], weights: &[f64], n_types: usize) -> Vec<f64> {
    let mut x = vec![0.0; n_types];
    for (panel, &w) in panels.iter().zip(weights) {
        for (t, &n) in panel.iter().enumerate() {
            x[t] += w * f64::from(n);
        }
    }
    x
}

/// `Σ_t n_t·log(x_t/n_t)` over the types that can sit.
fn objective(x: &[f64], sizes: &[f64], alive: &[bool]) -> f64 {
    (0..x.len())
        .filter(|&t| alive[t])
        .map(|t| sizes[t] * (x[t] / sizes[t]).ln())
        .sum()
}

/// The best panel at `prices`, by the exact integer program.
fn exact_best(instance: &Instance, types: &super::Types, prices: &[f64]) -> Result<Vec<u32>, SelectionError> {
    oracle::best_panel(instance, types, prices)?
        .ok_or_else(|| SelectionError::Solver("no panel although the quotas are feasible".into()))
}

/// The step `γ ∈ [0, max]` that maximises `f(x + γ·d)` (concave: bisection on the derivative).
fn line_search(x: &[f64], d: &[f64], sizes: &[f64], alive: &[bool], max: f64) -> f64 {
    let slope = |gamma: f64| -> f64 {
        let mut s = 0.0;
        for t in (0..x.len()).filter(|&t| alive[t] && d[t] != 0.0) {
            let at = x[t] + gamma * d[t];
            if at <= 0.0 {
                return f64::NEG_INFINITY;
            }
            s += sizes[t] * d[t] / at;
        }
        s
    };
    if slope(0.0) <= 0.0 {
        return 0.0;
    }
    if slope(max) >= 0.0 {
        return max;
    }
    let (mut lo, mut hi) = (0.0, max);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if slope(mid) > 0.0 { lo = mid } else { hi = mid }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{stats, testing};
    use std::time::Duration;

    fn geometric_mean(p: &[f64]) -> f64 {
        (p.iter().map(|p| p.ln()).sum::<f64>() / p.len() as f64).exp()
    }

    #[test]
    fn nash_is_certified_and_beats_leximin_on_the_product() {
        for seed in 0..3 {
            let instance = testing::random(seed, 300, 12, 4);
            let options = Options {
                time_budget: Duration::from_secs(30),
                ..Options::default()
            };
            let lex = leximin(&instance, &options).unwrap();
            let fair = nash(&instance, &options).unwrap();
            assert!(fair.complete, "seed {seed}: no certificate in 30 s");
            let (g_nash, g_lex) = (geometric_mean(&fair.probabilities), geometric_mean(&lex.probabilities));
            assert!(g_nash >= g_lex - 1e-9, "seed {seed}: {g_nash} < {g_lex}");
            let bound = fair.bound.unwrap();
            assert!(
                g_nash <= bound + 1e-12 && bound <= g_nash * (1.0 + 2.0 * GAP),
                "{g_nash} {bound}"
            );
            assert!((fair.probabilities.iter().sum::<f64>() - 12.0).abs() < 1e-6);
            for panel in &fair.panels {
                assert!(fair.types.composition_ok(&instance, panel));
            }
            // Still fair at the bottom: NASH trades a little of the minimum for the product.
            assert!(stats::spread(&fair.probabilities).min > 0.0);
        }
    }
}
