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

mod decompose;
pub(super) use decompose::{Decomposition, decompose};

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
    /// The first level and a point of the polytope that reaches it, once an LP has found them
    /// (an LP on 20,000 profiles takes seconds).
    first: std::cell::OnceCell<(f64, Vec<f64>)>,
}

impl Polytope {
    pub(super) fn new(instance: &Instance, types: &Types) -> Polytope {
        let sizes: Vec<f64> = (0..types.len()).map(|t| types.size(t) as f64).collect();
        let caps: Vec<f64> = (0..types.len()).map(|t| types.cap(t, instance.seats) as f64).collect();
        let mut rows = quota_rows(instance, types, &caps);
        // At most one member per household, whatever their types.
        rows.extend(types.households.iter().map(|h| Row {
            types: h.clone(),
            bounds: Bounds { min: 0, max: 1 },
        }));
        Polytope {
            sizes,
            caps,
            rows,
            first: std::cell::OnceCell::new(),
        }
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

/// The largest smallest probability of any point of the quota polytope: no portfolio does
/// better. `None` when the LP did not finish by `deadline`.
pub(super) fn first_level(
    instance: &Instance,
    polytope: &Polytope,
    deadline: Instant,
) -> Result<Option<f64>, SelectionError> {
    Ok(first_point(instance, polytope, deadline)?.map(|&(z, _)| z))
}

/// [`first_level`] and a point of the polytope where every type has at least that
/// probability (members per type).
pub(super) fn first_point<'a>(
    instance: &Instance,
    polytope: &'a Polytope,
    deadline: Instant,
) -> Result<Option<&'a (f64, Vec<f64>)>, SelectionError> {
    if let Some(first) = polytope.first.get() {
        return Ok(Some(first));
    }
    let fixed = vec![None; polytope.sizes.len()];
    let Some(first) = solve_level(instance, polytope, &fixed, None, deadline)? else {
        return Ok(None);
    };
    Ok(Some(polytope.first.get_or_init(|| first)))
}

/// The expected number of members taken from each type by the LEXIMIN point of the quota
/// polytope (or by a point that reaches its first `max_levels` levels), and the number of
/// levels; `None` if the deadline passed first.
pub(super) fn leximin_point(
    instance: &Instance,
    polytope: &Polytope,
    max_levels: usize,
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
        let Some((z, x)) = solve_level(instance, polytope, &fixed, None, deadline)? else {
            return Ok(None);
        };
        if levels == 0 {
            let _ = polytope.first.set((z, x.clone()));
        }
        point = x;
        levels += 1;
        if levels == max_levels {
            break;
        }
        // Which unfixed types can rise above z while the others keep z: the rest are fixed.
        let Some((_, raised)) = solve_level(instance, polytope, &fixed, Some(z), deadline)? else {
            return Ok(None);
        };
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
/// only for the types whose solution breaks them, and the LP solved again. `None` when the LP
/// was not solved to optimality by `deadline` (tens of thousands of profiles take seconds).
fn solve_level(
    instance: &Instance,
    polytope: &Polytope,
    fixed: &[Option<f64>],
    raise: Option<f64>,
    deadline: Instant,
) -> Result<Option<(f64, Vec<f64>)>, SelectionError> {
    let Polytope { sizes, caps, rows, .. } = polytope;
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
        problem.set_time_limit(deadline.saturating_duration_since(Instant::now()));
        let outcome = problem
            .solve()
            .map_err(|e| SelectionError::Solver(format!("quota polytope: {e}")))?;
        if !outcome.is_optimal() {
            return Ok(None);
        }
        let solution = outcome
            .into_solution()
            .map_err(|_| SelectionError::Solver("interrupted".into()))?;
        let x: Vec<f64> = (0..n_types)
            .map(|t| constant[t] + terms(t).iter().map(|&(v, c)| c * solution.var_value(v)).sum::<f64>())
            .collect();
        let over: Vec<usize> = (0..n_types).filter(|&t| !capped[t] && x[t] > caps[t] + TOL).collect();
        if over.is_empty() {
            return Ok(Some((solution.var_value(z), x)));
        }
        for t in over {
            capped[t] = true;
        }
    }
}

#[cfg(test)]
mod tests;
