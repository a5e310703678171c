//! LEXIMIN selection probabilities.
//!
//! [`leximin`] first tries the quota polytope ([`super::relaxed`]): LEXIMIN on the relaxation,
//! then a decomposition into panels, exact when it succeeds and about a second for 5,000
//! volunteers. When the decomposition gets stuck (small pools with narrow quotas can give the
//! polytope corners no panel reaches, and so can 12-criteria pools), it falls back to column
//! generation over panels (Flanigan et al. 2021, Methods), below, with the panels found so far
//! as a start, and to the approximate path too, keeping whichever gives the larger smallest
//! probability in the time ([`fallback`]). Pools of
//! more than [`Options::exact_types`] distinct profiles (8,000 by default) skip both: their LPs
//! do not finish in minutes, and [`super::approximate`] herds panels towards the polytope's
//! first level instead, approximate but within a known distance of the best (the bound).
//!
//! A *portfolio* is a set of quota-respecting panels with a probability each; a volunteer's
//! selection probability is the total probability of the panels that contain them. LEXIMIN
//! picks the portfolio that makes the smallest probability as large as possible, then the
//! second smallest, and so on.
//!
//! Column generation: each round solves the dual of "maximise the minimum probability of the
//! volunteers not yet fixed": weights `y` on the types, summing to 1 over the unfixed ones, and
//! `ŷ` at least the weight of every panel in the portfolio. The oracle then looks for a panel
//! heavier than `ŷ` among *all* quota-respecting panels; if it finds one, that panel joins the portfolio and the
//! dual is solved again (warm, one more constraint), else the dual is optimal for every panel
//! and its value is the best minimum. The types with positive weight cannot do better than
//! that value in any optimal portfolio (complementary slackness): they are fixed at it, and the
//! next round maximises the minimum over the others. A last LP finds the panel probabilities
//! that give every type at least its fixed value.
//!
//! Probabilities are per type (volunteers with the same profile are interchangeable), which
//! keeps the LPs small. When the time budget runs out before every type is fixed, the types
//! left get at least the last level reached, which is a lower bound the report states
//! (`complete: false`).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use microlp::{ComparisonOp, OptimizationDirection, Problem, Variable};
use serde::Serialize;

use super::relaxed::{self, Decomposition};
use super::{Algorithm, Fair, Instance, SelectionError, Types, feasibility, oracle};

/// Numerical tolerance of the LPs.
const EPS: f64 = 1e-7;
/// The default [`Options::exact_types`], from `ecoute-panel-bench`'s 12-feature pools with a
/// two-minute budget: at 4,920 types column generation reaches the bound and the approximate
/// path 98.5 % of it; at 9,663 column generation stops at 94 % and the approximate path reaches
/// 96 % in 40 s; at 18,797 the exact LPs leave people at 0 (docs/workshops.md).
pub const EXACT_TYPES: usize = 8_000;
/// Share of the budget column generation leaves for its last LP.
const RESERVE: f64 = 0.15;

/// How long to work, and how (the LEXIMIN path; LEGACY's runs).
#[derive(Clone, Debug)]
pub struct Options {
    /// Stop fixing new levels (NASH: improving) after this long; the result is still a valid
    /// portfolio, with `complete: false`.
    pub time_budget: Duration,
    /// How to compute LEXIMIN and MAXIMIN.
    pub method: Method,
    /// LEGACY: how many greedy panels its probabilities are counted over.
    pub legacy_runs: usize,
    /// LEGACY: the seed of those runs.
    pub legacy_seed: u64,
    /// LEXIMIN and MAXIMIN with [`Method::Polytope`]: above this many types (distinct
    /// profiles) the exact methods are not tried and the approximate one runs at once
    /// ([`super::approximate`]). At 18,797 types their LPs do not finish in two minutes.
    pub exact_types: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            time_budget: Duration::from_secs(4),
            method: Method::Polytope,
            legacy_runs: 10_000,
            legacy_seed: 0,
            exact_types: EXACT_TYPES,
        }
    }
}

/// How a portfolio was (or, for the first two, is to be) computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// LEXIMIN on the quota polytope decomposed into panels ([`super::relaxed`]), and column
    /// generation (or the approximate path, when it does better in the time) when the
    /// decomposition gets stuck. The default.
    Polytope,
    /// Column generation over panels only (the paper's method; kept to compare).
    ColumnGeneration,
    /// NASH: Frank–Wolfe steps over panels from the LEXIMIN portfolio ([`super::nash`]).
    FrankWolfe,
    /// LEGACY: frequencies of the greedy's panels ([`super::legacy`]).
    Greedy,
    /// LEXIMIN and MAXIMIN on pools too large for the exact methods: panels herded towards
    /// the quota polytope's first level ([`super::approximate`]); approximate, its distance
    /// from the best is the smallest probability against the bound.
    Approximate,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Polytope => "quota polytope",
            Method::ColumnGeneration => "column generation",
            Method::FrankWolfe => "Frank-Wolfe",
            Method::Greedy => "greedy runs",
            Method::Approximate => "approximate, herding over panels",
        }
    }
}

/// LEXIMIN probabilities for `instance`, or why its quotas cannot be met.
pub fn leximin(instance: &Instance, options: &Options) -> Result<Fair, SelectionError> {
    solve(instance, options, &[usize::MAX])
}

/// MAXIMIN: the smallest probability as large as possible (LEXIMIN's first level), the others
/// as the first portfolio that reaches it gives them. The polytope's first-level point is a
/// corner that often holds no panel: then the LEXIMIN point (a MAXIMIN optimum too) is
/// decomposed, and column generation stops after one level.
pub fn maximin(instance: &Instance, options: &Options) -> Result<Fair, SelectionError> {
    let mut fair = solve(instance, options, &[1, usize::MAX])?;
    fair.algorithm = Algorithm::Maximin;
    Ok(fair)
}

/// LEXIMIN stopped after `levels[k]` levels: on the quota polytope, each limit in turn until
/// one decomposes; by column generation with the first limit otherwise.
fn solve(instance: &Instance, options: &Options, levels: &[usize]) -> Result<Fair, SelectionError> {
    let reasons = feasibility::check(instance)?;
    if !reasons.is_empty() {
        return Err(SelectionError::Infeasible(reasons));
    }
    let started = Instant::now();
    let deadline = started + options.time_budget;
    let types = Types::group(instance);
    let polytope = relaxed::Polytope::new(instance, &types);
    // No portfolio's smallest probability exceeds the polytope's first level: the bound
    // (found on the way when the polytope path ran).
    let with_bound = |mut fair: Fair| {
        // Past the deadline, a little more time for the bound: without it the result cannot
        // say how far from the best it may be.
        let grace = Instant::now() + (options.time_budget / 4).max(Duration::from_secs(1));
        fair.bound = relaxed::first_level(instance, &polytope, grace).ok().flatten();
        fair
    };

    if options.method == Method::Polytope && types.len() > options.exact_types {
        return super::approximate::maximin(instance, types, &polytope, started, options.time_budget);
    }
    // Fast and exact when it works: LEXIMIN on the quota polytope, decomposed into panels.
    let mut panels = Vec::new();
    for &max_levels in levels.iter().filter(|_| options.method == Method::Polytope) {
        match through_polytope(instance, &types, &polytope, max_levels, deadline) {
            Ok((Decomposition::Complete { panels, weights }, levels)) => {
                let fair = Fair::from_panels(types, panels, weights, levels, true, Method::Polytope);
                return Ok(with_bound(fair));
            }
            Ok((Decomposition::Stuck { panels: found }, _)) => {
                tracing::info!(
                    seconds = started.elapsed().as_secs_f64(),
                    types = types.len(),
                    panels = found.len(),
                    "quota polytope not decomposed"
                );
                for panel in found {
                    if !panels.contains(&panel) {
                        panels.push(panel);
                    }
                }
            }
            // A solver failure on this path is not the end: column generation is still there.
            Err(e) => tracing::warn!(error = %e, "LEXIMIN on the quota polytope failed"),
        }
    }
    // Column generation's last LP and its exact oracle calls have no time limit of their own:
    // a reserve keeps the run within its budget (it ended 10 % past it on 5,000 × 12).
    let reserve = started + options.time_budget.mul_f64(1.0 - RESERVE);
    if options.method == Method::Polytope {
        // Stuck: column generation, or the approximate path where it does better in the time.
        let end = started + options.time_budget;
        return fallback::after_stuck(instance, &types, &polytope, panels, levels[0], reserve, end).map(with_bound);
    }
    column_generation(instance, types, panels, levels[0], reserve, reserve).map(with_bound)
}

/// LEXIMIN (its first `max_levels` levels) on the quota polytope, decomposed into panels, and
/// the number of levels.
fn through_polytope(
    instance: &Instance,
    types: &Types,
    polytope: &relaxed::Polytope,
    max_levels: usize,
    deadline: Instant,
) -> Result<(Decomposition, usize), SelectionError> {
    let Some((point, levels)) = relaxed::leximin_point(instance, polytope, max_levels, deadline)? else {
        return Ok((Decomposition::Stuck { panels: Vec::new() }, 0));
    };
    Ok((relaxed::decompose(instance, types, polytope, &point, deadline)?, levels))
}

/// The paper's column generation, from `panels` (found by the polytope's decomposition, if
/// any) and panels covering every type that some panel can hold; the first level (and the
/// covering panels) by `first_by`, the others by `deadline`.
fn column_generation(
    instance: &Instance,
    types: Types,
    mut panels: Vec<Vec<u32>>,
    max_levels: usize,
    first_by: Instant,
    deadline: Instant,
) -> Result<Fair, SelectionError> {
    let n_types = types.len();
    let sizes: Vec<f64> = (0..n_types).map(|t| types.size(t) as f64).collect();
    let more = initial_portfolio(instance, &types, &panels, first_by.min(deadline))?;
    panels.extend(more);
    let mut fixed: Vec<Option<f64>> = vec![None; n_types];
    // Types no feasible panel contains can only have probability 0.
    for t in 0..n_types {
        if panels.iter().all(|p| p[t] == 0) {
            fixed[t] = Some(0.0);
        }
    }
    let mut levels = 0;
    let mut last_level = 0.0;
    let mut complete = true;
    while levels < max_levels && fixed.iter().any(Option::is_none) {
        let by = if levels == 0 { first_by.min(deadline) } else { deadline };
        let round = max_min_round(instance, &types, &sizes, &fixed, &mut panels, by);
        let Some((level, weights)) = round.unwrap_or_else(|e| {
            // microlp can lose its footing on a dual with thousands of panels ("singular
            // matrix"): keep the panels found and let the last LP weigh them.
            tracing::warn!(error = %e, "column generation stopped");
            None
        }) else {
            complete = false;
            break;
        };
        levels += 1;
        last_level = level;
        let mut any = false;
        for t in 0..n_types {
            if fixed[t].is_none() && weights[t] > 1e-6 {
                fixed[t] = Some(level);
                any = true;
            }
        }
        if !any {
            // Numerically flat weights: fix the heaviest, so that every round makes progress.
            let t = (0..n_types)
                .filter(|&t| fixed[t].is_none())
                .max_by(|&a, &b| weights[a].total_cmp(&weights[b]))
                .expect("an unfixed type");
            fixed[t] = Some(level);
        }
    }
    // Types still unfixed (time budget or level limit reached) are raised together as far as
    // the portfolio allows above the last level.
    let floors: Vec<(f64, bool)> = fixed
        .iter()
        .map(|f| f.map_or((last_level, true), |f| (f, false)))
        .collect();
    let weights = panel_probabilities(&panels, &sizes, &floors)?;
    Ok(Fair::from_panels(
        types,
        panels,
        weights,
        levels,
        complete,
        Method::ColumnGeneration,
    ))
}

/// Panel probabilities giving every type at least its floor, and the types marked `true` a
/// common margin above theirs, as large as the portfolio allows.
fn panel_probabilities(panels: &[Vec<u32>], sizes: &[f64], floors: &[(f64, bool)]) -> Result<Vec<f64>, SelectionError> {
    let mut problem = Problem::new(OptimizationDirection::Maximize);
    let lambda: Vec<Variable> = panels.iter().map(|_| problem.add_var(0.0, (0.0, 1.0))).collect();
    let margin = problem.add_var(1.0, (-1.0, 1.0));
    problem.add_constraint(lambda.iter().map(|&l| (l, 1.0)), ComparisonOp::Eq, 1.0);
    for t in 0..sizes.len() {
        let (floor, raise) = floors[t];
        if floor <= 0.0 && !raise {
            continue;
        }
        let mut row: Vec<(Variable, f64)> = panels
            .iter()
            .zip(&lambda)
            .filter(|(p, _)| p[t] > 0)
            .map(|(p, &l)| (l, f64::from(p[t]) / sizes[t]))
            .collect();
        if raise {
            row.push((margin, -1.0));
        }
        problem.add_constraint(row, ComparisonOp::Ge, (floor - EPS).max(0.0));
    }
    let solution = problem
        .solve()
        .map_err(|e| SelectionError::Solver(e.to_string()))?
        .into_solution()
        .map_err(|_| SelectionError::Solver("interrupted".into()))?;
    Ok(lambda.iter().map(|&l| solution.var_value(l).max(0.0)).collect())
}

mod cover;
mod fallback;
mod round;
pub(crate) use cover::{cover, initial_portfolio};
use round::max_min_round;

#[cfg(test)]
mod tests;
