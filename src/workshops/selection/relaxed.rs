//! LEXIMIN on the quota polytope: the fast path of [`super::leximin`].
//!
//! Column generation over panels needs about one panel per profile before the first LEXIMIN
//! level is proven, and each of them makes the LP bigger: on 5,000 volunteers with six criteria
//! (about a thousand profiles) it does not finish in minutes. This module works the other way
//! round, in two steps that stay small:
//!
//! 1. **LEXIMIN on the relaxation.** A panel is summed up by how many members it takes from
//!    each profile (type); quota-respecting panels are the integer points of the *quota
//!    polytope* `Q = {x : 0 ≤ x_t ≤ min(n_t, k), Σ x_t = k, min ≤ Σ_{t has value v} x_t ≤ max}`,
//!    and the expected composition of any portfolio lies in `Q`. LEXIMIN over `Q` itself is a
//!    sequence of LPs with one variable per type and one row per quota (about 50 rows): each
//!    level maximises the smallest probability `x_t / n_t` of the types not yet fixed, then one
//!    more LP finds which of them cannot go higher (those are fixed at that level). Writing
//!    `x_t = n_t·z + w_t` turns "every unfixed type gets at least `z`" into variable bounds, so
//!    the rows stay the quota rows.
//! 2. **Carathéodory decomposition** of that expected composition into panels: from the
//!    residual `x`, find a quota-respecting panel `p` on the smallest face of `Q` that holds `x`
//!    (same empty and full types, same quotas met exactly), close to `x` (each type rounded up or
//!    down when possible), and move `x` away from `p` as far as `Q` allows:
//!    `x ← (x − α·p)/(1 − α)`. Each step makes one more constraint tight, so there are at most
//!    as many steps as types plus quota rows, and each step is a small integer program.
//!
//! When the decomposition succeeds, the portfolio realises the LEXIMIN point of `Q`; since every
//! portfolio's expected composition lies in `Q`, no portfolio can do better, so this is the exact
//! LEXIMIN and the relaxation is its certificate. With several criteria `Q` can have fractional
//! corners, and the decomposition can reach a face without any quota-respecting panel; it then
//! reports that ([`Decomposition::Stuck`]) and the caller falls back to column generation, which
//! is exact but slow.

use std::time::Instant;

use microlp::{ComparisonOp, OptimizationDirection, Problem, Variable};

use super::{Bounds, Instance, SelectionError, Types};

/// Tolerance on expected member counts (the relaxation's unit).
const TOL: f64 = 1e-7;
/// Mass left undecomposed below which the decomposition stops (see [`decompose`]).
const LAST_MASS: f64 = 1e-6;
/// Time given to one step's integer program.
const STEP_LIMIT: std::time::Duration = std::time::Duration::from_millis(100);
/// Below this mass left, a step that cannot move is put down to rounding noise.
const NOISE_MASS: f64 = 1e-5;
/// How far above its level a type is asked to rise when testing whether it can.
const RAISE: f64 = 1e-4;

/// One quota row: the types that have one value of one criterion, and the bounds on their sum.
struct Row {
    types: Vec<usize>,
    bounds: Bounds,
}

/// The quota polytope of an instance, in the types space; built once, used by both steps.
pub(super) struct Polytope {
    /// Volunteers of each type.
    sizes: Vec<f64>,
    /// The most members a panel can take from each type, `min(n_t, k)`.
    caps: Vec<f64>,
    /// The quota rows that constrain something.
    rows: Vec<Row>,
}

impl Polytope {
    pub(super) fn new(instance: &Instance, types: &Types) -> Polytope {
        let sizes: Vec<f64> = (0..types.len()).map(|t| types.size(t) as f64).collect();
        let caps: Vec<f64> = sizes.iter().map(|&n| n.min(f64::from(instance.seats))).collect();
        let rows = quota_rows(instance, types, &caps);
        Polytope { sizes, caps, rows }
    }
}

/// The quota rows that constrain something (a row whose bounds hold for every composition is
/// left out).
fn quota_rows(instance: &Instance, types: &Types, caps: &[f64]) -> Vec<Row> {
    let mut rows = Vec::new();
    for (c, bounds) in instance.quotas.iter().enumerate() {
        for (v, &b) in bounds.iter().enumerate() {
            let members: Vec<usize> = (0..types.len()).filter(|&t| types.profiles[t][c] == v).collect();
            let available: f64 = members.iter().map(|&t| caps[t]).sum();
            if b.min == 0 && f64::from(b.max) >= available.min(f64::from(instance.seats)) {
                continue;
            }
            rows.push(Row {
                types: members,
                bounds: b,
            });
        }
    }
    rows
}

/// The expected number of members taken from each type by the LEXIMIN point of the quota
/// polytope, and the number of levels; `None` if the deadline passed first.
pub(super) fn leximin_point(
    instance: &Instance,
    polytope: &Polytope,
    deadline: Instant,
) -> Result<Option<(Vec<f64>, usize)>, SelectionError> {
    let Polytope { sizes, .. } = polytope;
    let n_types = sizes.len();
    let mut fixed: Vec<Option<f64>> = vec![None; n_types];
    let mut levels = 0;
    let mut point = Vec::new();
    while fixed.iter().any(Option::is_none) {
        if Instant::now() > deadline {
            return Ok(None);
        }
        // Level: the largest z such that every unfixed type can have z·n_t expected members.
        let (z, x) = solve_level(instance, polytope, &fixed, None)?;
        point = x;
        levels += 1;
        // Which unfixed types can rise above z while the others keep z: the rest are fixed.
        let (_, raised) = solve_level(instance, polytope, &fixed, Some(z))?;
        let mut any = false;
        for t in 0..n_types {
            if fixed[t].is_none() && raised[t] < sizes[t] * (z + RAISE * 1e-3) {
                fixed[t] = Some(z);
                any = true;
            }
        }
        if !any {
            // Cannot happen in exact arithmetic (all could rise, so z was not the maximum):
            // fix the lowest so that every level makes progress.
            let t = (0..n_types)
                .filter(|&t| fixed[t].is_none())
                .min_by(|&a, &b| (raised[a] / sizes[a]).total_cmp(&(raised[b] / sizes[b])))
                .expect("an unfixed type");
            fixed[t] = Some(z);
        }
    }
    Ok(Some((point, levels)))
}

/// One LP on the quota polytope, with `x_t = n_t·floor_t + w_t` for fixed types and
/// `x_t = n_t·z + w_t` for the others. Without `raise`, maximises `z`; with `raise = Some(z)`,
/// keeps `z` there and maximises how many unfixed types rise a little above it
/// (`x_t = n_t·(z + s_t) + w_t`, `0 ≤ s_t ≤ RAISE`). Returns `z` and the point `x`.
///
/// The caps `x_t ≤ min(n_t, k)` almost never bind (probabilities are small), so they are added
/// only for the types whose solution breaks them, and the LP solved again.
fn solve_level(
    instance: &Instance,
    polytope: &Polytope,
    fixed: &[Option<f64>],
    raise: Option<f64>,
) -> Result<(f64, Vec<f64>), SelectionError> {
    let Polytope { sizes, caps, rows } = polytope;
    let n_types = sizes.len();
    let mut capped = vec![false; n_types];
    loop {
        let mut problem = Problem::new(OptimizationDirection::Maximize);
        let z = match raise {
            None => problem.add_var(1.0, (0.0, 1.0)),
            Some(level) => problem.add_var(0.0, ((level - 1e-9).max(0.0), (level - 1e-9).max(0.0))),
        };
        // x_t = constant_t + own_t + z·n_t (unfixed types only): `own` are the variables of
        // this type alone (w_t, and s_t when raising).
        let mut constant = vec![0.0; n_types];
        let mut own: Vec<Vec<(Variable, f64)>> = Vec::with_capacity(n_types);
        for t in 0..n_types {
            let mut expr = vec![(problem.add_var(0.0, (0.0, f64::INFINITY)), 1.0)];
            match fixed[t] {
                Some(level) => constant[t] = sizes[t] * (level - 1e-9).max(0.0),
                None if raise.is_some() => expr.push((problem.add_var(1.0, (0.0, RAISE)), sizes[t])),
                None => {}
            }
            own.push(expr);
        }
        let z_coef = |t: usize| if fixed[t].is_none() { sizes[t] } else { 0.0 };
        let sum_of = |members: &mut dyn Iterator<Item = usize>| -> (Vec<(Variable, f64)>, f64) {
            let mut expr: Vec<(Variable, f64)> = Vec::new();
            let (mut known, mut on_z) = (0.0, 0.0);
            for t in members {
                known += constant[t];
                on_z += z_coef(t);
                expr.extend_from_slice(&own[t]);
            }
            if on_z > 0.0 {
                expr.push((z, on_z));
            }
            (expr, known)
        };
        let terms = |t: usize| -> Vec<(Variable, f64)> {
            let mut expr = own[t].clone();
            if z_coef(t) > 0.0 {
                expr.push((z, z_coef(t)));
            }
            expr
        };
        let (all, known) = sum_of(&mut (0..n_types));
        problem.add_constraint(all, ComparisonOp::Eq, f64::from(instance.seats) - known);
        for row in rows {
            let (expr, known) = sum_of(&mut row.types.iter().copied());
            if row.bounds.min > 0 {
                problem.add_constraint(expr.clone(), ComparisonOp::Ge, f64::from(row.bounds.min) - known);
            }
            problem.add_constraint(expr, ComparisonOp::Le, f64::from(row.bounds.max) - known);
        }
        for t in (0..n_types).filter(|&t| capped[t]) {
            problem.add_constraint(terms(t), ComparisonOp::Le, caps[t] - constant[t]);
        }
        let solution = problem
            .solve()
            .map_err(|e| SelectionError::Solver(format!("quota polytope: {e}")))?
            .into_solution()
            .map_err(|_| SelectionError::Solver("interrupted".into()))?;
        let x: Vec<f64> = (0..n_types)
            .map(|t| constant[t] + terms(t).iter().map(|&(v, c)| c * solution.var_value(v)).sum::<f64>())
            .collect();
        let over: Vec<usize> = (0..n_types).filter(|&t| !capped[t] && x[t] > caps[t] + TOL).collect();
        if over.is_empty() {
            return Ok((solution.var_value(z), x));
        }
        for t in over {
            capped[t] = true;
        }
    }
}

/// How far the decomposition went.
pub(super) enum Decomposition {
    /// Panels (members per type) and their probabilities, whose expected composition is the
    /// target.
    Complete { panels: Vec<Vec<u32>>, weights: Vec<f64> },
    /// It reached a face of the quota polytope that holds no quota-respecting panel (or the
    /// deadline passed): the panels found so far, good starting columns for column generation.
    Stuck { panels: Vec<Vec<u32>> },
}

/// Decomposes `target`, a point of the quota polytope, into quota-respecting panels.
pub(super) fn decompose(
    instance: &Instance,
    types: &Types,
    polytope: &Polytope,
    target: &[f64],
    deadline: Instant,
) -> Result<Decomposition, SelectionError> {
    let Polytope { caps, rows, .. } = polytope;
    let n_types = types.len();
    // Residual composition times the mass not yet given to a panel.
    let mut residual = target.to_vec();
    let mut mass = 1.0;
    let mut panels = Vec::new();
    let mut weights = Vec::new();
    // The residual is divided by the mass left, so rounding errors grow as it shrinks; below
    // this mass the last bit is spread over the panels found (probabilities move by less than
    // a millionth).
    while mass > LAST_MASS {
        if Instant::now() > deadline {
            return Ok(Decomposition::Stuck { panels });
        }
        let x: Vec<f64> = residual.iter().map(|r| (r / mass).max(0.0)).collect();
        let step = if x.iter().all(|v| (v - v.round()).abs() < 1e-6) {
            let panel: Vec<u32> = x.iter().map(|v| v.round() as u32).collect();
            types.composition_ok(instance, &panel).then_some((panel, 1.0))
        } else {
            face_panel(instance, types, rows, caps, &x)?
                .map(|panel| {
                    let alpha = longest_step(rows, caps, &x, &panel).min(1.0);
                    (panel, alpha)
                })
                .filter(|&(_, alpha)| alpha > 1e-12)
        };
        let (panel, alpha) = match step {
            Some(step) => step,
            // Rounding noise: the last millionths are spread over the panels found.
            None if mass <= NOISE_MASS => break,
            // A face of the polytope without a quota-respecting panel.
            None => return Ok(Decomposition::Stuck { panels }),
        };
        let lambda = alpha * mass;
        for t in 0..n_types {
            residual[t] -= lambda * f64::from(panel[t]);
            if residual[t].abs() < 1e-12 {
                residual[t] = 0.0;
            }
        }
        mass -= lambda;
        panels.push(panel);
        weights.push(lambda);
    }
    if mass > 0.0 {
        let given = 1.0 - mass;
        weights.iter_mut().for_each(|w| *w /= given);
    }
    Ok(Decomposition::Complete { panels, weights })
}

/// A quota-respecting panel on the smallest face of the quota polytope holding `x`: types with
/// no expected member stay empty, full types stay full, quotas met exactly by `x` are met
/// exactly. Each type is rounded up or down from `x` when some panel allows it (the fractional
/// parts say which way), else anything within the face.
fn face_panel(
    instance: &Instance,
    types: &Types,
    rows: &[Row],
    caps: &[f64],
    x: &[f64],
) -> Result<Option<Vec<u32>>, SelectionError> {
    for rounded in [true, false] {
        // Each type's range; only the types whose range is not a single value get a variable,
        // the others are constants taken off the rows (most of them, late in the
        // decomposition).
        let ranges: Vec<(f64, f64)> = (0..x.len())
            .map(|t| {
                if x[t] < TOL {
                    (0.0, 0.0)
                } else if x[t] > caps[t] - TOL {
                    (caps[t], caps[t])
                } else if rounded {
                    ((x[t] + TOL).floor(), (x[t] - TOL).ceil())
                } else {
                    (0.0, caps[t])
                }
            })
            .collect();
        // Maximise Σ (x_t − lo_t)·c_t: round up the largest fractional parts. The panel's size
        // is fixed, so subtracting the same amount from every coefficient changes nothing but
        // the start of the dual simplex: with every coefficient negative it starts from the
        // empty panel and adds about `seats` members, instead of starting from everyone and
        // removing a thousand (about 20 times faster here).
        let shift = 1.0 + ranges.iter().zip(x).map(|(&(lo, _), &v)| v - lo).fold(0.0, f64::max);
        let mut problem = Problem::new(OptimizationDirection::Maximize);
        let vars: Vec<Option<Variable>> = ranges
            .iter()
            .enumerate()
            .map(|(t, &(lo, hi))| (hi > lo).then(|| problem.add_integer_var(x[t] - lo - shift, (0, (hi - lo) as i32))))
            .collect();
        let mut add_row = |members: &mut dyn Iterator<Item = usize>, min: f64, max: f64, sum: f64| {
            let mut terms = Vec::new();
            let mut known = 0.0;
            for t in members {
                known += ranges[t].0;
                if let Some(v) = vars[t] {
                    terms.push((v, 1.0));
                }
            }
            if (sum - min).abs() < TOL {
                problem.add_constraint(terms, ComparisonOp::Eq, min - known);
            } else if (sum - max).abs() < TOL {
                problem.add_constraint(terms, ComparisonOp::Eq, max - known);
            } else {
                if min > known {
                    problem.add_constraint(terms.clone(), ComparisonOp::Ge, min - known);
                }
                problem.add_constraint(terms, ComparisonOp::Le, max - known);
            }
        };
        let seats = f64::from(instance.seats);
        add_row(&mut (0..x.len()), seats, seats, seats);
        for row in rows {
            let sum: f64 = row.types.iter().map(|&t| x[t]).sum();
            let (min, max) = (f64::from(row.bounds.min), f64::from(row.bounds.max));
            add_row(&mut row.types.iter().copied(), min, max, sum);
        }
        problem.set_time_limit(STEP_LIMIT);
        let solution = match problem.solve() {
            Ok(outcome) => match outcome.into_solution() {
                Ok(solution) => solution,
                // Out of time without a panel: as if there were none.
                Err(_) => continue,
            },
            Err(microlp::Error::Infeasible) => continue,
            Err(e) => return Err(SelectionError::Solver(format!("face panel: {e}"))),
        };
        let panel: Vec<u32> = (0..x.len())
            .map(|t| {
                let extra = vars[t].map_or(0.0, |v| solution.var_value(v).round().max(0.0));
                (ranges[t].0 + extra) as u32
            })
            .collect();
        if types.composition_ok(instance, &panel) {
            return Ok(Some(panel));
        }
    }
    Ok(None)
}

/// The largest `α` such that `(x − α·p)/(1 − α)` stays in the quota polytope.
fn longest_step(rows: &[Row], caps: &[f64], x: &[f64], panel: &[u32]) -> f64 {
    let mut alpha = f64::INFINITY;
    // `a − α·b ≥ bound·(1 − α)`, i.e. `α·(b − bound) ≤ a − bound`.
    let mut limit = |a: f64, b: f64, bound: f64| {
        if b - bound > 1e-12 {
            alpha = alpha.min(((a - bound) / (b - bound)).max(0.0));
        }
    };
    for t in 0..x.len() {
        let p = f64::from(panel[t]);
        limit(x[t], p, 0.0);
        limit(-x[t], -p, -caps[t]);
    }
    for row in rows {
        let sum: f64 = row.types.iter().map(|&t| x[t]).sum();
        let in_panel: f64 = row.types.iter().map(|&t| f64::from(panel[t])).sum();
        limit(sum, in_panel, f64::from(row.bounds.min));
        limit(-sum, -in_panel, -f64::from(row.bounds.max));
    }
    alpha
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workshops::selection::{LeximinOptions, Method, leximin, testing};

    fn sorted(mut v: Vec<f64>) -> Vec<f64> {
        v.sort_by(f64::total_cmp);
        v
    }

    #[test]
    fn the_decomposition_realises_the_relaxed_point_with_quota_respecting_panels() {
        for seed in 0..6 {
            let instance = testing::random(seed, 400, 16, 5);
            let types = Types::group(&instance);
            let deadline = Instant::now() + std::time::Duration::from_secs(60);
            let polytope = Polytope::new(&instance, &types);
            let (point, levels) = leximin_point(&instance, &polytope, deadline).unwrap().unwrap();
            assert!(levels >= 1);
            assert!((point.iter().sum::<f64>() - 16.0).abs() < 1e-6, "seed {seed}");
            let Decomposition::Complete { panels, weights } =
                decompose(&instance, &types, &polytope, &point, deadline).unwrap()
            else {
                continue;
            };
            assert!((weights.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            for panel in &panels {
                assert!(types.composition_ok(&instance, panel), "seed {seed}");
            }
            for t in 0..types.len() {
                let expected: f64 = panels.iter().zip(&weights).map(|(p, w)| w * f64::from(p[t])).sum();
                assert!(
                    (expected - point[t]).abs() < 1e-5,
                    "seed {seed}, type {t}: {expected} vs {}",
                    point[t]
                );
            }
        }
    }

    #[test]
    fn the_polytope_gives_the_same_leximin_as_column_generation() {
        // LEXIMIN probabilities are unique: two exact methods must agree, sorted, up to their
        // LPs' tolerances (column generation leaves a type 1e-5 above its level here and there).
        let mut through_polytope = 0;
        for seed in 0..3 {
            let instance = testing::random(seed, 400, 16, 4);
            let budget = std::time::Duration::from_secs(120);
            let fast = leximin(
                &instance,
                &LeximinOptions {
                    time_budget: budget,
                    method: Method::Polytope,
                },
            )
            .unwrap();
            let slow = leximin(
                &instance,
                &LeximinOptions {
                    time_budget: budget,
                    method: Method::ColumnGeneration,
                },
            )
            .unwrap();
            assert!(fast.complete && slow.complete, "seed {seed}");
            through_polytope += usize::from(fast.via == Method::Polytope);
            for (a, b) in sorted(fast.type_probabilities)
                .iter()
                .zip(&sorted(slow.type_probabilities))
            {
                assert!((a - b).abs() < 2e-5 + 1e-4 * a.max(*b), "seed {seed}: {a} vs {b}");
            }
        }
        assert!(through_polytope >= 1, "the fast path never decomposed");
    }

    #[test]
    fn a_corner_no_panel_reaches_falls_back_to_column_generation() {
        // Criteria "a", "b", "c" (yes = 1), exactly one "yes" of each on a panel of 2. The
        // polytope holds x = ½ of each of A = (1,1,0), B = (1,0,1), C = (0,1,1), D = (0,0,0),
        // but the only panel is C + E (E = (1,0,0)): LEXIMIN gives C and E every draw and the
        // others none, which only column generation finds.
        let seats = 2;
        let exactly_one = vec![
            crate::workshops::selection::Bounds::free(seats),
            Bounds { min: 1, max: 1 },
        ];
        let instance = Instance {
            seats,
            values: vec![2, 2, 2],
            profiles: vec![
                vec![1, 1, 0],
                vec![1, 0, 1],
                vec![0, 1, 1],
                vec![0, 0, 0],
                vec![1, 0, 0],
            ],
            quotas: vec![exactly_one.clone(), exactly_one.clone(), exactly_one],
        };
        let fair = leximin(&instance, &LeximinOptions::default()).unwrap();
        assert_eq!(fair.via, Method::ColumnGeneration);
        assert!(fair.complete);
        let rounded: Vec<f64> = fair.probabilities.iter().map(|p| (p * 1e6).round() / 1e6).collect();
        assert_eq!(rounded, vec![0.0, 0.0, 1.0, 0.0, 1.0]);
    }
}
