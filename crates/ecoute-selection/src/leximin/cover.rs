//! Covering panels: panels from the exact oracle until every type that some panel can hold is
//! in one, so that everyone who can sit gets a positive probability (column generation starts
//! from them; the approximate path asks for them when its fast oracle left someone out).

use super::*;

/// Panels that, with `existing`, contain every type that any quota-respecting panel can
/// contain; past `deadline`, those found so far (the types left out get nothing, which the
/// bound shows).
pub(crate) fn initial_portfolio(
    instance: &Instance,
    types: &Types,
    existing: &[Vec<u32>],
    deadline: Instant,
) -> Result<Vec<Vec<u32>>, SelectionError> {
    let covered: Vec<bool> = (0..types.len()).map(|t| existing.iter().any(|p| p[t] > 0)).collect();
    cover(instance, types, covered, existing.is_empty(), deadline)
}

/// Panels from the exact oracle containing the types not yet `covered` that a panel can
/// contain, until `deadline` (the first panel, when there is `none_yet`, may take longer:
/// without one there is no portfolio at all).
pub(crate) fn cover(
    instance: &Instance,
    types: &Types,
    mut covered: Vec<bool>,
    none_yet: bool,
    deadline: Instant,
) -> Result<Vec<Vec<u32>>, SelectionError> {
    let mut panels: Vec<Vec<u32>> = Vec::new();
    while !covered.iter().all(|&c| c) {
        let first = none_yet && panels.is_empty();
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() && !first {
            tracing::warn!(
                uncovered = covered.iter().filter(|&&c| !c).count(),
                "time limit: types left uncovered"
            );
            break;
        }
        // Reward the types not yet in any panel, the small ones most (one seat is enough).
        let weights: Vec<f64> = (0..types.len())
            .map(|t| if covered[t] { 0.0 } else { 1.0 / types.size(t) as f64 })
            .collect();
        let limit = (!first).then_some(left);
        let panel = match oracle::best_panel_within(instance, types, &weights, limit) {
            Ok(Some(panel)) => panel,
            Ok(None) => {
                return Err(SelectionError::Solver(
                    "no panel although the quotas are feasible".into(),
                ));
            }
            Err(_) if limit.is_some() => break,
            Err(e) => return Err(e),
        };
        let newly: Vec<usize> = (0..types.len()).filter(|&t| !covered[t] && panel[t] > 0).collect();
        if newly.is_empty() {
            // No panel holds the types left: they can only have probability 0.
            break;
        }
        for t in newly {
            covered[t] = true;
        }
        panels.push(panel);
    }
    Ok(panels)
}
