//! When the quota polytope's decomposition gets stuck: column generation, and the approximate
//! path too when column generation cannot prove its first level in time.
//!
//! Column generation is exact when it finishes, and its first level is the best smallest
//! probability of any portfolio: once it has it, nothing does better on that measure. But on a
//! few thousand profiles (5,000 volunteers with 12 criteria: 4,920) the first level needs about
//! one panel per profile, and a loaded machine stops it before (94.6 % of the bound in 104 s),
//! where the approximate path ([`crate::approximate`]) reaches 98.5 % in 15 s. So column
//! generation gets `1 − APPROXIMATE_SHARE` of the time left for its first level; when it has
//! it, it goes on as before. When it has not, it stops there (its portfolio is weighed by its
//! last LP), the approximate path runs in the rest of the time, and the result is the one with
//! the larger smallest probability (column generation on a tie). Its [`Method`] says which.

use super::*;

/// Share of the time left, when the decomposition got stuck, kept for the approximate path
/// should column generation not prove its first level before. On 5,000 × 12 × 100 the
/// approximate path takes 15 s for its 5,000 steps (two-minute limit, load average 4).
const APPROXIMATE_SHARE: f64 = 0.4;

/// Column generation from `panels` for LEXIMIN stopped after `max_levels` levels: its first
/// level while more than `APPROXIMATE_SHARE` of the time left before `end` remains, the others
/// by `deadline`; without its first level, the better of it and the approximate path, by `end`.
pub(super) fn after_stuck(
    instance: &Instance,
    types: &Types,
    polytope: &relaxed::Polytope,
    panels: Vec<Vec<u32>>,
    max_levels: usize,
    deadline: Instant,
    end: Instant,
) -> Result<Fair, SelectionError> {
    let left = end.saturating_duration_since(Instant::now());
    let first_by = Instant::now() + left.mul_f64(1.0 - APPROXIMATE_SHARE);
    let exact = column_generation(instance, types.clone(), panels, max_levels, first_by, deadline);
    if matches!(&exact, Ok(fair) if fair.complete || fair.levels > 0) {
        return exact;
    }
    // No first level: column generation may be far below the bound; herding may do better.
    let now = Instant::now();
    let approximate = crate::approximate::maximin(
        instance,
        types.clone(),
        polytope,
        now,
        end.saturating_duration_since(now),
    );
    tracing::info!(
        seconds = now.elapsed().as_secs_f64(),
        "approximate path after column generation"
    );
    match (exact, approximate) {
        (Ok(exact), Ok(approximate)) => Ok(better(exact, approximate)),
        (Ok(exact), Err(e)) => {
            tracing::warn!(error = %e, "approximate path failed; column generation's portfolio");
            Ok(exact)
        }
        (Err(e), Ok(approximate)) => {
            tracing::warn!(error = %e, "column generation failed; the approximate path's portfolio");
            Ok(approximate)
        }
        (Err(e), Err(_)) => Err(e),
    }
}

/// `exact` (column generation) when it finished or its smallest probability is at least
/// `approximate`'s, else `approximate`. The smallest probabilities are taken over the types
/// either gives a chance: a type no panel can hold has 0 in both and says nothing.
pub(super) fn better(exact: Fair, approximate: Fair) -> Fair {
    let held: Vec<usize> = (0..exact.types.len())
        .filter(|&t| exact.type_probabilities[t] > 1e-12 || approximate.type_probabilities[t] > 1e-12)
        .collect();
    let smallest = |fair: &Fair| {
        held.iter()
            .map(|&t| fair.type_probabilities[t])
            .fold(f64::INFINITY, f64::min)
    };
    let (by_columns, by_herding) = (smallest(&exact), smallest(&approximate));
    tracing::info!(
        column_generation = by_columns,
        complete = exact.complete,
        approximate = by_herding,
        "after a stuck decomposition, the smallest probabilities"
    );
    if exact.complete || by_columns >= by_herding - 1e-9 {
        exact
    } else {
        approximate
    }
}
