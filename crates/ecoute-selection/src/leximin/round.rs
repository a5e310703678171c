//! One round of column generation (the slow, exact path of [`super`]): the dual LP of a LEXIMIN
//! level, and the panels the oracle adds until no panel improves it.

use super::*;

/// One LEXIMIN level: the largest minimum probability over the unfixed types, given the fixed
/// ones, and the optimal dual weights. Adds the panels it needs to `panels`.
pub(super) fn max_min_round(
    instance: &Instance,
    types: &Types,
    sizes: &[f64],
    fixed: &[Option<f64>],
    panels: &mut Vec<Vec<u32>>,
    deadline: Instant,
) -> Result<Option<(f64, Vec<f64>)>, SelectionError> {
    let n_types = types.len();
    let mut known: HashSet<Vec<u32>> = panels.iter().cloned().collect();
    let mut problem = Problem::new(OptimizationDirection::Minimize);
    let y: Vec<Variable> = (0..n_types)
        .map(|t| {
            // Objective ŷ − Σ_fixed floor·y; a little below the floor keeps the primal feasible
            // despite rounding.
            let coeff = fixed[t].map_or(0.0, |f| -(f - EPS).max(0.0));
            problem.add_var(coeff, (0.0, f64::INFINITY))
        })
        .collect();
    let y_hat = problem.add_var(1.0, (f64::NEG_INFINITY, f64::INFINITY));
    problem.add_constraint(
        (0..n_types).filter(|&t| fixed[t].is_none()).map(|t| (y[t], 1.0)),
        ComparisonOp::Eq,
        1.0,
    );
    for panel in panels.iter() {
        problem.add_constraint(panel_row(panel, sizes, &y, y_hat), ComparisonOp::Le, 0.0);
    }
    let solve_error = |e: microlp::Error| SelectionError::Solver(e.to_string());
    // Each solve, and each re-solve after a panel joins, stops at the time left now (a dual
    // with thousands of panel rows can take minutes); an unfinished one ends the round.
    problem.set_time_limit(deadline.saturating_duration_since(Instant::now()));
    let outcome = problem.solve().map_err(solve_error)?;
    if !outcome.is_optimal() {
        return Ok(None);
    }
    let Ok(mut solution) = outcome.into_solution() else {
        return Ok(None);
    };
    loop {
        if Instant::now() > deadline {
            return Ok(None);
        }
        let weights: Vec<f64> = y.iter().map(|&v| solution.var_value(v).max(0.0)).collect();
        let per_seat: Vec<f64> = (0..n_types).map(|t| weights[t] / sizes[t]).collect();
        let value_of = |p: &[u32]| -> f64 { (0..n_types).map(|t| per_seat[t] * f64::from(p[t])).sum() };
        let bound = solution.var_value(y_hat) + EPS;
        // Fast: local search from the heaviest panels we have, several new panels per round;
        // the exact oracle only when local search finds nothing, to prove the optimum.
        let mut order: Vec<usize> = (0..panels.len()).collect();
        order.sort_by(|&a, &b| value_of(&panels[b]).total_cmp(&value_of(&panels[a])));
        let mut batch = Vec::new();
        for &k in order.iter().take(BATCH) {
            let improved = oracle::improve_panel(instance, types, &per_seat, &panels[k]);
            if value_of(&improved) > bound && known.insert(improved.clone()) {
                batch.push(improved);
            }
        }
        if batch.is_empty() {
            let exact = oracle::best_panel(instance, types, &per_seat)?
                .ok_or_else(|| SelectionError::Solver("no panel although the quotas are feasible".into()))?;
            if value_of(&exact) > bound && known.insert(exact.clone()) {
                batch.push(exact);
            }
        }
        if batch.is_empty() {
            let fixed_part: f64 = (0..n_types)
                .filter_map(|t| fixed[t].map(|f| (f - EPS).max(0.0) * weights[t]))
                .sum();
            let level = solution.var_value(y_hat) - fixed_part;
            return Ok(Some((level.clamp(0.0, 1.0), weights)));
        }
        for panel in batch {
            let row = panel_row(&panel, sizes, &y, y_hat);
            panels.push(panel);
            let outcome = solution
                .add_constraint(row, ComparisonOp::Le, 0.0)
                .map_err(solve_error)?;
            if !outcome.is_optimal() {
                return Ok(None);
            }
            let Ok(next) = outcome.into_solution() else {
                return Ok(None);
            };
            solution = next;
        }
    }
}

/// Panels looked for per round of local search.
const BATCH: usize = 8;

/// `Σ_t members[t]/size[t] · y[t] − ŷ`, the dual constraint of one panel.
fn panel_row(panel: &[u32], sizes: &[f64], y: &[Variable], y_hat: Variable) -> Vec<(Variable, f64)> {
    let mut row: Vec<(Variable, f64)> = panel
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .map(|(t, &n)| (y[t], f64::from(n) / sizes[t]))
        .collect();
    row.push((y_hat, -1.0));
    row
}
