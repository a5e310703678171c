//! Fair panel selection: who among the volunteers of a recruitment is invited.
//!
//! Pure code, no database and no HTTP: a crate of its own, so editing a page does not rebuild
//! it; the platform reaches it as `ecoute::workshops::selection`. The recruitment pages hand it
//! the volunteers' profiles (one value per criterion), the number of seats and the quotas, and
//! get back the selection probability of every volunteer and a way to draw a panel from a
//! published seed.
//!
//! The method follows Flanigan, Gölz, Gupta, Hennig & Procaccia, "Fair algorithms for
//! selecting citizens' assemblies" (Nature 596, 2021):
//! - [`feasibility`] says whether any panel meets the quotas and, when none does, which quota
//!   fails and by how much;
//! - [`leximin`] computes a probability distribution over quota-respecting panels (a
//!   *portfolio*) that maximises the smallest selection probability, then the second smallest,
//!   and so on (LEXIMIN), by column generation over panels found by an exact integer program;
//! - [`draw`] picks one panel of the portfolio with a ChaCha RNG seeded by the published seed,
//!   and keeps the others on a waitlist whose promotions keep the quotas;
//! - [`legacy`] is the greedy that sortition organisations used before (the paper's LEGACY),
//!   kept to measure how much fairer LEXIMIN is ([`stats`]).
//!
//! Volunteers with the same profile are interchangeable for every quota, and LEXIMIN gives
//! them the same probability, so the work is done on *types* (distinct profiles) rather than
//! on people: 5,000 volunteers with 6 criteria make a few hundred types.

pub mod draw;
pub mod feasibility;
pub mod legacy;
pub mod leximin;
mod oracle;
mod relaxed;
pub mod stats;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use draw::{Draw, draw, replacement};
pub use feasibility::{Infeasibility, Relaxation, check};
pub use leximin::{Fair, LeximinOptions, Method, leximin};

/// How many panel members may have one value of one criterion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounds {
    pub min: u32,
    pub max: u32,
}

impl Bounds {
    /// No constraint beyond the panel's size.
    pub fn free(seats: u32) -> Bounds {
        Bounds { min: 0, max: seats }
    }

    /// Counts from percentages of the seats: the minimum rounds up and the maximum down, so a
    /// panel within the counts is within the percentages (`≥ 30 %` of 40 seats is 12 people,
    /// `≤ 40 %` of 25 seats is 10).
    pub fn from_percent(seats: u32, min_percent: f64, max_percent: f64) -> Bounds {
        let seats_f = f64::from(seats);
        let min = (seats_f * min_percent / 100.0 - 1e-9).ceil().max(0.0);
        let max = (seats_f * max_percent / 100.0 + 1e-9).floor().max(0.0);
        Bounds {
            min: (min as u32).min(seats.saturating_add(1)),
            max: (max as u32).min(seats),
        }
    }

    pub fn contains(&self, count: u32) -> bool {
        self.min <= count && count <= self.max
    }
}

/// One selection problem.
#[derive(Clone, Debug)]
pub struct Instance {
    /// Panel size.
    pub seats: u32,
    /// For each criterion, its number of values.
    pub values: Vec<usize>,
    /// For each volunteer, the index of its value for each criterion (`profiles[i][c]`).
    pub profiles: Vec<Vec<usize>>,
    /// For each criterion and value, the bounds on the panel (`quotas[c][v]`).
    pub quotas: Vec<Vec<Bounds>>,
}

/// Errors other than infeasible quotas.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SelectionError {
    #[error("malformed selection problem: {0}")]
    Invalid(String),
    #[error("the quotas cannot be met")]
    Infeasible(Vec<Infeasibility>),
    #[error("the solver failed: {0}")]
    Solver(String),
}

impl Instance {
    /// Checks the shape: one value per criterion for each volunteer, in range, one bound per
    /// value.
    pub fn validate(&self) -> Result<(), SelectionError> {
        if self.seats == 0 {
            return Err(SelectionError::Invalid("no seat".into()));
        }
        if self.quotas.len() != self.values.len() {
            return Err(SelectionError::Invalid("one quota list per criterion".into()));
        }
        for (c, (bounds, &n)) in self.quotas.iter().zip(&self.values).enumerate() {
            if bounds.len() != n {
                return Err(SelectionError::Invalid(format!(
                    "criterion {c}: {n} values but {} bounds",
                    bounds.len()
                )));
            }
        }
        for (i, profile) in self.profiles.iter().enumerate() {
            if profile.len() != self.values.len() {
                return Err(SelectionError::Invalid(format!(
                    "volunteer {i}: {} answers for {} criteria",
                    profile.len(),
                    self.values.len()
                )));
            }
            if let Some(c) = (0..profile.len()).find(|&c| profile[c] >= self.values[c]) {
                return Err(SelectionError::Invalid(format!(
                    "volunteer {i}: value out of range for criterion {c}"
                )));
            }
        }
        Ok(())
    }

    /// Whether a panel (volunteer indices) has the right size and meets every quota.
    pub fn satisfied_by(&self, panel: &[usize]) -> bool {
        if panel.len() != self.seats as usize {
            return false;
        }
        let mut counts: Vec<Vec<u32>> = self.values.iter().map(|&n| vec![0; n]).collect();
        for &i in panel {
            for (c, &v) in self.profiles[i].iter().enumerate() {
                counts[c][v] += 1;
            }
        }
        counts
            .iter()
            .zip(&self.quotas)
            .all(|(row, bounds)| row.iter().zip(bounds).all(|(&n, b)| b.contains(n)))
    }

    /// How many volunteers have each value (`[c][v]`).
    pub fn pool_counts(&self) -> Vec<Vec<u32>> {
        let mut counts: Vec<Vec<u32>> = self.values.iter().map(|&n| vec![0; n]).collect();
        for profile in &self.profiles {
            for (c, &v) in profile.iter().enumerate() {
                counts[c][v] += 1;
            }
        }
        counts
    }
}

/// Volunteers grouped by identical profile.
#[derive(Clone, Debug)]
pub struct Types {
    /// The profile of each type.
    pub profiles: Vec<Vec<usize>>,
    /// The volunteers of each type, in increasing index order.
    pub members: Vec<Vec<usize>>,
    /// The type of each volunteer.
    pub of_volunteer: Vec<usize>,
}

impl Types {
    pub fn group(instance: &Instance) -> Types {
        let mut by_profile: BTreeMap<&[usize], Vec<usize>> = BTreeMap::new();
        for (i, profile) in instance.profiles.iter().enumerate() {
            by_profile.entry(profile.as_slice()).or_default().push(i);
        }
        let mut of_volunteer = vec![0; instance.profiles.len()];
        let mut profiles = Vec::with_capacity(by_profile.len());
        let mut members = Vec::with_capacity(by_profile.len());
        for (t, (profile, people)) in by_profile.into_iter().enumerate() {
            for &i in &people {
                of_volunteer[i] = t;
            }
            profiles.push(profile.to_vec());
            members.push(people);
        }
        Types {
            profiles,
            members,
            of_volunteer,
        }
    }

    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    pub fn size(&self, t: usize) -> usize {
        self.members[t].len()
    }

    /// Whether a composition (members per type) meets the size and every quota.
    pub fn composition_ok(&self, instance: &Instance, counts: &[u32]) -> bool {
        let total: u32 = counts.iter().sum();
        if total != instance.seats {
            return false;
        }
        let mut per_value: Vec<Vec<u32>> = instance.values.iter().map(|&n| vec![0; n]).collect();
        for (t, &n) in counts.iter().enumerate() {
            if n as usize > self.size(t) {
                return false;
            }
            for (c, &v) in self.profiles[t].iter().enumerate() {
                per_value[c][v] += n;
            }
        }
        per_value
            .iter()
            .zip(&instance.quotas)
            .all(|(row, bounds)| row.iter().zip(bounds).all(|(&n, b)| b.contains(n)))
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Small instances shared by the unit tests.
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A pool where one group is scarce and must be over-represented: 2 criteria.
    pub fn small() -> Instance {
        // criterion 0: single parent (1) or not (0); criterion 1: age bracket 0..3.
        let mut profiles = Vec::new();
        for i in 0..60 {
            // 15 single parents out of 60: ten in age bracket 0, five in bracket 1.
            let single = usize::from(i % 6 == 0 || i % 12 == 1);
            profiles.push(vec![single, i % 3]);
        }
        let seats = 10;
        Instance {
            seats,
            values: vec![2, 3],
            profiles,
            quotas: vec![
                vec![Bounds::free(seats), Bounds::from_percent(seats, 30.0, 100.0)],
                vec![Bounds::from_percent(seats, 20.0, 40.0); 3],
            ],
        }
    }

    /// A random pool with `criteria` criteria of 2 to 4 values, skewed, and loose quotas.
    pub fn random(seed: u64, people: usize, seats: u32, criteria: usize) -> Instance {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let values: Vec<usize> = (0..criteria).map(|_| rng.random_range(2..=4)).collect();
        let profiles: Vec<Vec<usize>> = (0..people)
            .map(|_| {
                values
                    .iter()
                    .map(|&n| {
                        // Skewed: value 0 about half the time.
                        if rng.random_bool(0.5) {
                            0
                        } else {
                            rng.random_range(0..n)
                        }
                    })
                    .collect()
            })
            .collect();
        let quotas = values
            .iter()
            .map(|&n| {
                let share = 100.0 / n as f64;
                (0..n)
                    .map(|_| Bounds::from_percent(seats, share * 0.6, share * 1.6))
                    .collect()
            })
            .collect();
        Instance {
            seats,
            values,
            profiles,
            quotas,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_inwards() {
        assert_eq!(Bounds::from_percent(40, 30.0, 100.0), Bounds { min: 12, max: 40 });
        assert_eq!(Bounds::from_percent(25, 10.0, 40.0), Bounds { min: 3, max: 10 });
        assert_eq!(Bounds::from_percent(40, 12.5, 12.5), Bounds { min: 5, max: 5 });
    }

    #[test]
    fn types_group_identical_profiles() {
        let instance = testing::small();
        let types = Types::group(&instance);
        assert_eq!(types.len(), 5, "single parents are only in brackets 0 and 1");
        assert_eq!(types.members.iter().map(Vec::len).sum::<usize>(), 60);
        for (i, &t) in types.of_volunteer.iter().enumerate() {
            assert_eq!(types.profiles[t], instance.profiles[i]);
        }
    }

    #[test]
    fn validate_rejects_out_of_range_values() {
        let mut instance = testing::small();
        instance.profiles[3][1] = 7;
        assert!(matches!(instance.validate(), Err(SelectionError::Invalid(_))));
    }
}
