//! The panel oracle: among all quota-respecting panels, one that maximises a weighted sum of
//! its members. An exact integer program over the number of members taken from each type
//! (branch and bound in `microlp`): few constraints (one per criterion value and the size), so
//! the relaxation is nearly integral and the search short.

use microlp::{ComparisonOp, OptimizationDirection, Problem};

use super::{Instance, SelectionError, Types};

/// The composition (members per type) of a quota-respecting panel maximising
/// `Σ weight[t] × members[t]`, or `None` when no panel meets the quotas.
pub(crate) fn best_panel(
    instance: &Instance,
    types: &Types,
    weights: &[f64],
) -> Result<Option<Vec<u32>>, SelectionError> {
    best_panel_within(instance, types, weights, None)
}

/// [`best_panel`] within `limit`: past it, the best panel found so far (quota-respecting, not
/// proven the heaviest), or an error when none was found.
pub(crate) fn best_panel_within(
    instance: &Instance,
    types: &Types,
    weights: &[f64],
    limit: Option<std::time::Duration>,
) -> Result<Option<Vec<u32>>, SelectionError> {
    let mut problem = Problem::new(OptimizationDirection::Maximize);
    let vars: Vec<_> = (0..types.len())
        .map(|t| problem.add_integer_var(weights[t], (0, types.cap(t, instance.seats) as i32)))
        .collect();
    for household in &types.households {
        problem.add_constraint(household.iter().map(|&t| (vars[t], 1.0)), ComparisonOp::Le, 1.0);
    }
    problem.add_constraint(
        vars.iter().map(|&v| (v, 1.0)),
        ComparisonOp::Eq,
        f64::from(instance.seats),
    );
    for (c, bounds) in instance.quotas.iter().enumerate() {
        for (v, b) in bounds.iter().enumerate() {
            let having: Vec<_> = (0..types.len())
                .filter(|&t| types.profiles[t][c] == v)
                .map(|t| (vars[t], 1.0))
                .collect();
            let available: usize = (0..types.len())
                .filter(|&t| types.profiles[t][c] == v)
                .map(|t| types.cap(t, instance.seats))
                .sum();
            if having.is_empty() {
                if b.min > 0 {
                    return Ok(None);
                }
                continue;
            }
            if b.min > 0 {
                problem.add_constraint(having.iter().copied(), ComparisonOp::Ge, f64::from(b.min));
            }
            if (b.max as usize) < available {
                problem.add_constraint(having, ComparisonOp::Le, f64::from(b.max));
            }
        }
    }
    if let Some(limit) = limit {
        problem.set_time_limit(limit);
    }
    let outcome = match problem.solve() {
        Ok(outcome) => outcome,
        Err(microlp::Error::Infeasible) => return Ok(None),
        Err(e) => return Err(SelectionError::Solver(e.to_string())),
    };
    let solution = outcome
        .into_solution()
        .map_err(|_| SelectionError::Solver("interrupted".into()))?;
    let counts: Vec<u32> = vars
        .iter()
        .map(|&v| solution.var_value(v).round().max(0.0) as u32)
        .collect();
    if !types.composition_ok(instance, &counts) {
        return Err(SelectionError::Solver(
            "the panel found breaks a quota (numerical trouble)".into(),
        ));
    }
    Ok(Some(counts))
}

/// Local search from a quota-respecting panel: swap one member for someone of another type
/// while that keeps the quotas and adds weight, best swap first. Much faster than the integer
/// program and usually as good; column generation uses it first and falls back to
/// [`best_panel`] to prove that no better panel exists.
pub(crate) fn improve_panel(instance: &Instance, types: &Types, weights: &[f64], start: &[u32]) -> Vec<u32> {
    let mut panel = start.to_vec();
    let mut counts: Vec<Vec<u32>> = instance.values.iter().map(|&n| vec![0; n]).collect();
    for (t, &n) in panel.iter().enumerate() {
        for (c, &v) in types.profiles[t].iter().enumerate() {
            counts[c][v] += n;
        }
    }
    // Members per household on the panel: `b` may come in only where nobody else of its
    // household sits (or the one leaving is that person).
    let mut seated = vec![0u32; types.households.len()];
    for (t, &n) in panel.iter().enumerate() {
        if let Some(h) = types.household_of[t] {
            seated[h] += n;
        }
    }
    let household_room = |seated: &[u32], a: usize, b: usize| match types.household_of[b] {
        None => true,
        Some(h) => seated[h] == 0 || types.household_of[a] == Some(h),
    };
    for _ in 0..(4 * instance.seats as usize) {
        let mut best: Option<(usize, usize, f64)> = None;
        for a in (0..types.len()).filter(|&a| panel[a] > 0) {
            for b in 0..types.len() {
                let gain = weights[b] - weights[a];
                if gain <= 1e-12
                    || panel[b] as usize >= types.size(b)
                    || best.is_some_and(|(_, _, g)| g >= gain)
                    || !household_room(&seated, a, b)
                {
                    continue;
                }
                let (pa, pb) = (&types.profiles[a], &types.profiles[b]);
                let fits = (0..pa.len()).all(|c| {
                    pa[c] == pb[c]
                        || (counts[c][pa[c]] > instance.quotas[c][pa[c]].min
                            && counts[c][pb[c]] < instance.quotas[c][pb[c]].max)
                });
                if fits {
                    best = Some((a, b, gain));
                }
            }
        }
        let Some((a, b, _)) = best else { break };
        panel[a] -= 1;
        panel[b] += 1;
        for (t, step) in [(a, -1i64), (b, 1)] {
            if let Some(h) = types.household_of[t] {
                seated[h] = (i64::from(seated[h]) + step) as u32;
            }
        }
        for c in 0..instance.values.len() {
            counts[c][types.profiles[a][c]] -= 1;
            counts[c][types.profiles[b][c]] += 1;
        }
    }
    panel
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn best_panel_meets_quotas_and_follows_weights() {
        let instance = testing::small();
        let types = Types::group(&instance);
        // Favour single parents aged 0: they should fill what the quotas allow.
        let weights: Vec<f64> = types
            .profiles
            .iter()
            .map(|p| if p == &vec![1, 0] { 1.0 } else { 0.0 })
            .collect();
        let counts = best_panel(&instance, &types, &weights).unwrap().unwrap();
        assert!(types.composition_ok(&instance, &counts));
        let t = types.profiles.iter().position(|p| p == &vec![1, 0]).unwrap();
        // Age bracket 0 is capped at 40 % of 10 seats, and there are 10 such single parents.
        assert_eq!(counts[t], 4);
    }

    #[test]
    fn local_search_keeps_quotas_and_never_loses_weight() {
        let instance = testing::random(9, 200, 12, 5);
        let types = Types::group(&instance);
        let start = best_panel(&instance, &types, &vec![0.0; types.len()]).unwrap().unwrap();
        let weights: Vec<f64> = (0..types.len()).map(|t| ((t * 37) % 11) as f64).collect();
        let value = |p: &[u32]| p.iter().zip(&weights).map(|(&n, w)| f64::from(n) * w).sum::<f64>();
        let improved = improve_panel(&instance, &types, &weights, &start);
        assert!(types.composition_ok(&instance, &improved));
        assert!(value(&improved) >= value(&start));
        let exact = best_panel(&instance, &types, &weights).unwrap().unwrap();
        assert!(value(&exact) >= value(&improved) - 1e-9);
    }

    #[test]
    fn best_panel_reports_infeasible_quotas() {
        let mut instance = testing::small();
        instance.quotas[0][1].min = 11; // more single parents than seats
        let types = Types::group(&instance);
        let weights = vec![0.0; types.len()];
        assert_eq!(best_panel(&instance, &types, &weights).unwrap(), None);
    }
}
