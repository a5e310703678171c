//! The approximate path of [`super::leximin`], for pools where the exact one is too slow.
//!
//! On 20,000 volunteers with 12 criteria nearly everyone is a profile of their own: the LPs of
//! the LEXIMIN levels on the quota polytope and the master LPs of column generation have tens
//! of thousands of columns, and the exact panel oracle (an integer program) takes seconds per
//! call. This path needs one LP only, the first level of the quota polytope ([`super::relaxed`]):
//! its value `z` bounds the smallest probability of any portfolio, and its point `τ` (expected
//! members per type, everyone at least `z`) is the target. Then:
//!
//! 1. **Herding** towards `τ` (Frank–Wolfe with steps `1/k`): the `k`-th panel is the heaviest
//!    a fast oracle finds ([`fast`]: milliseconds where the integer program takes seconds) for
//!    the weights `(k·τ_t − c_t)/n_t`, `c_t` the members type `t` had in the `k − 1` panels
//!    before: the people furthest behind their target sit next. Every panel gets probability
//!    `1/k`. Each person's count stays within about a seat of `k·τ_t`, so the smallest
//!    probability approaches `z` as `1/k`; the steps stop at 99.9 % of it, after 5,000 panels,
//!    or at 90 % of the time budget.
//! 2. **Cover.** Anyone some panel can hold and no step seated gets covering panels (the fast
//!    oracle, then the integer program for those it cannot place) with 0.1 % of the
//!    probability: everyone who can sit has a positive chance.
//!
//! The result is not proven optimal: its smallest probability is reported against `z`, which no
//! portfolio can exceed, so the distance from the optimum is known. On the benchmark's
//! 12-feature pools it reaches 92 % of `z` at 20,000 volunteers and 500 seats in a minute, 96 %
//! at 10,000 and 200, 98.5 % at 5,000 and 100 (docs/workshops.md).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::relaxed::{self, Polytope};
use super::{Fair, Instance, Method, SelectionError, Types, leximin};

/// A panel as (type, members) pairs, types in increasing order.
type Sparse = Vec<(u32, u32)>;

/// Smallest probability, relative to the target's, at which the steps stop.
const CLOSE_ENOUGH: f64 = 0.999;
/// Steps at most: each panel is kept, as members per type, until the result is built.
const MAX_STEPS: usize = 5_000;
/// Share of probability given to the covering panels when the steps left someone who can sit
/// with none.
const COVER_SHARE: f64 = 1e-3;

/// The approximate MAXIMIN portfolio, within `budget` from `started`: the quota polytope's
/// first level (the bound and the target) in up to half the budget, herding until 90 % of it,
/// covering panels for anyone left out in the rest.
pub(crate) fn maximin(
    instance: &Instance,
    types: Types,
    polytope: &Polytope,
    started: Instant,
    budget: Duration,
) -> Result<Fair, SelectionError> {
    let first = relaxed::first_point(instance, polytope, started + budget / 2)?;
    // Without the LP's point, everyone is herded towards an equal share of the seats (not a
    // point of the polytope: the steps then approach the nearest they can reach).
    let people = instance.profiles.len() as f64;
    let target = match first {
        Some((_, point)) => point.clone(),
        None => (0..types.len())
            .map(|t| types.size(t) as f64 * f64::from(instance.seats) / people)
            .collect(),
    };
    let found = approximate(
        instance,
        &types,
        &target,
        None,
        started + budget.mul_f64(0.9),
        started + budget,
    )?;
    tracing::info!(steps = found.steps, reached = found.reached, "approximate LEXIMIN");
    let mut fair = Fair::from_panels(
        types,
        found.panels,
        found.weights,
        0,
        found.reached,
        Method::Approximate,
    );
    fair.bound = first.map(|&(z, _)| z);
    Ok(fair)
}

/// What [`approximate`] found.
pub(crate) struct Approximation {
    /// Panels as members per type, and the probability of each.
    pub panels: Vec<Vec<u32>>,
    pub weights: Vec<f64>,
    /// Herding steps taken.
    pub steps: usize,
    /// Whether the smallest probability reached [`CLOSE_ENOUGH`] of the target's before the
    /// deadline.
    pub reached: bool,
}

/// A portfolio approaching `target` (members per type, a point of the quota polytope) by
/// `deadline`, starting from `start` if given; then, by `last`, panels for anyone who can sit
/// and got no chance.
pub(crate) fn approximate(
    instance: &Instance,
    types: &Types,
    target: &[f64],
    start: Option<Vec<u32>>,
    deadline: Instant,
    last: Instant,
) -> Result<Approximation, SelectionError> {
    let sizes: Vec<f64> = (0..types.len()).map(|t| types.size(t) as f64).collect();
    let mut oracle = Greedy::new(instance, types, deadline);
    oracle.last = start;
    let goal = CLOSE_ENOUGH
        * (0..types.len())
            .map(|t| target[t] / sizes[t])
            .fold(f64::INFINITY, f64::min);
    // Herding: the k-th panel goes to the people furthest behind k times their target (the
    // heaviest panel for those weights), and every panel has the same probability. Each
    // person's count stays within about one seat of the target's, so the smallest probability
    // approaches the target's as 1/k.
    let mut counts: Vec<f64> = vec![0.0; types.len()];
    let mut portfolio = Portfolio::default();
    let mut steps = 0;
    let mut reached = false;
    while steps < MAX_STEPS && Instant::now() < deadline {
        let k = (steps + 1) as f64;
        let behind: Vec<f64> = (0..types.len())
            .map(|t| (k * target[t] - counts[t]) / sizes[t])
            .collect();
        let Some(panel) = oracle.panel(&behind)? else { break };
        for (t, &n) in panel.iter().enumerate() {
            counts[t] += f64::from(n);
        }
        portfolio.add(sparse(&panel), 1.0);
        steps += 1;
        if steps % 50 == 0 && (0..types.len()).all(|t| counts[t] >= k * goal * sizes[t]) {
            reached = true;
            break;
        }
    }
    // Everyone some panel can hold keeps a chance, however the steps went.
    let held: Vec<bool> = counts.iter().map(|&c| c > 0.0).collect();
    if held.iter().any(|&h| !h) {
        oracle.deadline = last;
        let more = cover(types, &mut oracle, held, last)?;
        if !more.is_empty() {
            let kept = if steps > 0 { 1.0 - COVER_SHARE } else { 0.0 };
            portfolio
                .weights
                .iter_mut()
                .for_each(|w| *w *= kept / steps.max(1) as f64);
            let share = (1.0 - kept) / more.len() as f64;
            for panel in &more {
                portfolio.add(sparse(panel), share);
            }
        }
    }
    if portfolio.panels.is_empty() {
        return Err(SelectionError::Solver("no panel found before the time limit".into()));
    }
    let (panels, weights) = portfolio.dense(types.len());
    Ok(Approximation {
        panels,
        weights,
        steps,
        reached,
    })
}

/// Panels holding the types not yet `covered` that some panel can hold: the fast oracle
/// rewarding them, then, for those it cannot place, the exact integer program (by
/// `deadline`).
fn cover(
    types: &Types,
    oracle: &mut Greedy,
    mut covered: Vec<bool>,
    deadline: Instant,
) -> Result<Vec<Vec<u32>>, SelectionError> {
    let mut panels = Vec::new();
    let instance = oracle.instance;
    while !covered.iter().all(|&c| c) && Instant::now() < deadline {
        // Reward the types not yet in any panel, the small ones most (one seat is enough).
        let weights: Vec<f64> = (0..types.len())
            .map(|t| if covered[t] { 0.0 } else { 1.0 / types.size(t) as f64 })
            .collect();
        let Some(panel) = oracle
            .panel(&weights)?
            .filter(|p| (0..types.len()).any(|t| !covered[t] && p[t] > 0))
        else {
            break;
        };
        for t in 0..types.len() {
            covered[t] |= panel[t] > 0;
        }
        panels.push(panel);
    }
    if !covered.iter().all(|&c| c) {
        panels.extend(leximin::cover(instance, types, covered, false, deadline)?);
    }
    Ok(panels)
}

fn sparse(panel: &[u32]) -> Sparse {
    panel
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .map(|(t, &n)| (t as u32, n))
        .collect()
}

/// Panels (sparse, no two alike) and their probabilities.
#[derive(Default)]
struct Portfolio {
    panels: Vec<Sparse>,
    weights: Vec<f64>,
    index: HashMap<Sparse, usize>,
}

impl Portfolio {
    fn add(&mut self, panel: Sparse, weight: f64) {
        match self.index.get(&panel) {
            Some(&k) => self.weights[k] += weight,
            None => {
                self.index.insert(panel.clone(), self.panels.len());
                self.panels.push(panel);
                self.weights.push(weight);
            }
        }
    }

    fn active(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.panels.len()).filter(|&k| self.weights[k] > 1e-12)
    }

    fn dense(self, n_types: usize) -> (Vec<Vec<u32>>, Vec<f64>) {
        let active: Vec<usize> = self.active().collect();
        let total: f64 = active.iter().map(|&k| self.weights[k]).sum();
        let mut panels = Vec::with_capacity(active.len());
        let mut weights = Vec::with_capacity(active.len());
        for k in active {
            let mut panel = vec![0; n_types];
            for &(t, n) in &self.panels[k] {
                panel[t as usize] = n;
            }
            panels.push(panel);
            weights.push(self.weights[k] / total);
        }
        (panels, weights)
    }
}

mod fast;
use fast::Greedy;

#[cfg(test)]
mod tests;
