//! Step 2 of [`super`]: the Carathéodory decomposition of the LEXIMIN point of the quota
//! polytope into quota-respecting panels, each found by a small integer program on the smallest
//! face that holds what is left.

use super::*;

/// How far the decomposition went.
pub(crate) enum Decomposition {
    /// Panels (members per type) and their probabilities, whose expected composition is the
    /// target.
    Complete { panels: Vec<Vec<u32>>, weights: Vec<f64> },
    /// It reached a face of the quota polytope that holds no quota-respecting panel (or the
    /// deadline passed): the panels found so far, good starting columns for column generation.
    Stuck { panels: Vec<Vec<u32>> },
}

/// Decomposes `target`, a point of the quota polytope, into quota-respecting panels.
pub(crate) fn decompose(
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
