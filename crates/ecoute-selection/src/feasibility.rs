//! Whether any panel meets the quotas, and if not, why: which quota cannot be met and by how
//! much, in terms an operator can act on.
//!
//! Simple contradictions are named directly (a minimum above the volunteers who have the
//! value, minimums adding up to more than the seats, …). When every criterion is fine on its
//! own but the criteria together are not (too few young single parents for two quotas at
//! once), an integer program finds the smallest total change to the quotas that makes a panel
//! possible, and each change it needs is reported.

use microlp::{ComparisonOp, OptimizationDirection, Problem};
use serde::Serialize;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{Instance, SelectionError, Types, legacy, oracle};

/// One reason why no panel meets the quotas.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Infeasibility {
    /// More seats than volunteers.
    SeatsExceedPool { seats: u32, pool: u32 },
    /// More seats than households, when a panel takes at most one person from each.
    SeatsExceedHouseholds { seats: u32, households: u32 },
    /// A value's minimum is above its maximum.
    MinAboveMax {
        criterion: usize,
        value: usize,
        min: u32,
        max: u32,
    },
    /// A value's minimum is above the number of volunteers who have it.
    NotEnoughVolunteers {
        criterion: usize,
        value: usize,
        min: u32,
        available: u32,
    },
    /// The minimums of one criterion add up to more than the seats.
    MinimumsExceedSeats { criterion: usize, total: u32, seats: u32 },
    /// The maximums of one criterion (capped by the volunteers available) add up to fewer
    /// than the seats.
    MaximumsBelowSeats { criterion: usize, total: u32, seats: u32 },
    /// Each criterion alone is fine, not all together: these changes, the smallest in total,
    /// would make a panel possible.
    Combined { relaxations: Vec<Relaxation> },
}

impl Infeasibility {
    /// By how many people the quota misses.
    pub fn shortfall(&self) -> u32 {
        match self {
            Self::SeatsExceedPool { seats, pool } => seats - pool,
            Self::SeatsExceedHouseholds { seats, households } => seats - households,
            Self::MinAboveMax { min, max, .. } => min - max,
            Self::NotEnoughVolunteers { min, available, .. } => min - available,
            Self::MinimumsExceedSeats { total, seats, .. } => total - seats,
            Self::MaximumsBelowSeats { total, seats, .. } => seats - total,
            Self::Combined { relaxations } => relaxations.iter().map(|r| r.by).sum(),
        }
    }
}

/// A change to one quota: lower its minimum, or raise its maximum, by `by` people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Relaxation {
    pub criterion: usize,
    pub value: usize,
    /// `true`: lower the minimum; `false`: raise the maximum.
    pub lower_min: bool,
    pub by: u32,
}

/// Every reason found why no panel meets the quotas; empty when one does.
pub fn check(instance: &Instance) -> Result<Vec<Infeasibility>, SelectionError> {
    instance.validate()?;
    let mut found = Vec::new();
    let pool = instance.profiles.len() as u32;
    let seats = instance.seats;
    let households = instance.household_count() as u32;
    if seats > pool {
        found.push(Infeasibility::SeatsExceedPool { seats, pool });
    } else if seats > households {
        found.push(Infeasibility::SeatsExceedHouseholds { seats, households });
    }
    let counts = instance.pool_counts();
    for (c, bounds) in instance.quotas.iter().enumerate() {
        let mut total_min = 0;
        let mut total_max = 0;
        for (v, b) in bounds.iter().enumerate() {
            let available = counts[c][v];
            if b.min > b.max {
                found.push(Infeasibility::MinAboveMax {
                    criterion: c,
                    value: v,
                    min: b.min,
                    max: b.max,
                });
            } else if b.min > available {
                found.push(Infeasibility::NotEnoughVolunteers {
                    criterion: c,
                    value: v,
                    min: b.min,
                    available,
                });
            }
            total_min += b.min;
            total_max += b.max.min(available);
        }
        if total_min > seats {
            found.push(Infeasibility::MinimumsExceedSeats {
                criterion: c,
                total: total_min,
                seats,
            });
        }
        if total_max < seats && seats <= pool {
            found.push(Infeasibility::MaximumsBelowSeats {
                criterion: c,
                total: total_max,
                seats,
            });
        }
    }
    if !found.is_empty() {
        return Ok(found);
    }
    let types = Types::group(instance);
    // A panel proves the quotas feasible: the greedy usually finds one at once, where the
    // exact integer program can take minutes on tens of thousands of profiles.
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    if legacy::legacy_composition(instance, &types, &mut rng, 20).is_some()
        || oracle::best_panel(instance, &types, &vec![0.0; types.len()])?.is_some()
    {
        return Ok(found);
    }
    found.push(Infeasibility::Combined {
        relaxations: smallest_relaxation(instance, &types)?,
    });
    Ok(found)
}

/// The smallest total change to the quotas (in people) that lets a panel exist.
fn smallest_relaxation(instance: &Instance, types: &Types) -> Result<Vec<Relaxation>, SelectionError> {
    let mut problem = Problem::new(OptimizationDirection::Minimize);
    let vars: Vec<_> = (0..types.len())
        .map(|t| problem.add_integer_var(0.0, (0, types.cap(t, instance.seats) as i32)))
        .collect();
    // Households are a rule, not a quota: never relaxed.
    for household in &types.households {
        problem.add_constraint(household.iter().map(|&t| (vars[t], 1.0)), ComparisonOp::Le, 1.0);
    }
    problem.add_constraint(
        vars.iter().map(|&v| (v, 1.0)),
        ComparisonOp::Eq,
        f64::from(instance.seats),
    );
    let mut slacks = Vec::new();
    for (c, bounds) in instance.quotas.iter().enumerate() {
        for (v, b) in bounds.iter().enumerate() {
            let having: Vec<_> = (0..types.len())
                .filter(|&t| types.profiles[t][c] == v)
                .map(|t| (vars[t], 1.0))
                .collect();
            // count + below ≥ min, count − above ≤ max
            let below = problem.add_integer_var(1.0, (0, b.min as i32));
            let above = problem.add_integer_var(1.0, (0, instance.seats as i32));
            let mut lower = having.clone();
            lower.push((below, 1.0));
            problem.add_constraint(lower, ComparisonOp::Ge, f64::from(b.min));
            let mut upper = having;
            upper.push((above, -1.0));
            problem.add_constraint(upper, ComparisonOp::Le, f64::from(b.max));
            slacks.push((c, v, below, above));
        }
    }
    let solution = problem
        .solve()
        .map_err(|e| SelectionError::Solver(e.to_string()))?
        .into_solution()
        .map_err(|_| SelectionError::Solver("interrupted".into()))?;
    let mut relaxations = Vec::new();
    for (criterion, value, below, above) in slacks {
        for (var, lower_min) in [(below, true), (above, false)] {
            let by = solution.var_value(var).round() as u32;
            if by > 0 {
                relaxations.push(Relaxation {
                    criterion,
                    value,
                    lower_min,
                    by,
                });
            }
        }
    }
    Ok(relaxations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Bounds, testing};

    #[test]
    fn feasible_quotas_have_no_reason() {
        assert_eq!(check(&testing::small()).unwrap(), vec![]);
    }

    #[test]
    fn too_many_seats_is_named() {
        let mut instance = testing::small();
        instance.seats = 61;
        let found = check(&instance).unwrap();
        assert!(found.contains(&Infeasibility::SeatsExceedPool { seats: 61, pool: 60 }));
    }

    #[test]
    fn a_minimum_above_the_pool_says_by_how_much() {
        let mut instance = testing::small();
        instance.seats = 20;
        instance.quotas[0] = vec![Bounds::free(20), Bounds { min: 18, max: 20 }];
        instance.quotas[1] = vec![Bounds::free(20); 3];
        let found = check(&instance).unwrap();
        assert_eq!(
            found,
            vec![Infeasibility::NotEnoughVolunteers {
                criterion: 0,
                value: 1,
                min: 18,
                available: 15
            }]
        );
        assert_eq!(found[0].shortfall(), 3);
    }

    #[test]
    fn contradicting_minimums_and_maximums_are_named() {
        let mut instance = testing::small();
        instance.quotas[1] = vec![
            Bounds { min: 5, max: 6 },
            Bounds { min: 5, max: 6 },
            Bounds { min: 1, max: 4 },
        ];
        let found = check(&instance).unwrap();
        assert!(found.contains(&Infeasibility::MinimumsExceedSeats {
            criterion: 1,
            total: 11,
            seats: 10
        }));
        let mut instance = testing::small();
        instance.quotas[1] = vec![Bounds { min: 0, max: 3 }; 3];
        let found = check(&instance).unwrap();
        assert_eq!(
            found,
            vec![Infeasibility::MaximumsBelowSeats {
                criterion: 1,
                total: 9,
                seats: 10
            }]
        );
        assert_eq!(found[0].shortfall(), 1);
    }

    #[test]
    fn criteria_that_clash_together_get_the_smallest_fix() {
        // Single parents are only in age brackets 0 and 1 (15 of them). Ask for at least 8
        // single parents but at most 2 people in each of brackets 0 and 1: each criterion alone
        // is possible, together at most 4 single parents fit, so 4 are missing.
        let mut instance = testing::small();
        instance.quotas[0] = vec![Bounds::free(10), Bounds { min: 8, max: 10 }];
        instance.quotas[1] = vec![Bounds { min: 0, max: 2 }, Bounds { min: 0, max: 2 }, Bounds::free(10)];
        let found = check(&instance).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        let Infeasibility::Combined { relaxations } = &found[0] else {
            panic!("{found:?}")
        };
        assert_eq!(found[0].shortfall(), 4, "{relaxations:?}");
        // Applying the relaxations makes the quotas feasible.
        for r in relaxations {
            let b = &mut instance.quotas[r.criterion][r.value];
            if r.lower_min { b.min -= r.by } else { b.max += r.by }
        }
        assert_eq!(check(&instance).unwrap(), vec![]);
    }
}
