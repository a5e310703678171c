//! Fair panel selection: who among the volunteers of a recruitment is invited.
//!
//! Pure code, no database and no HTTP: a crate of its own, so editing a page does not rebuild
//! it; the platform reaches it as `ecoute::workshops::selection`. The recruitment pages (and
//! `ecoute panel`, through [`pool`], which reads the field's CSV files) hand it the
//! volunteers' profiles (one value per criterion), the number of seats, the quotas and, when
//! asked, the households, and get back the selection probability of every volunteer and a way
//! to draw a panel from a published seed.
//!
//! The method follows Flanigan, Gölz, Gupta, Hennig & Procaccia, "Fair algorithms for
//! selecting citizens' assemblies" (Nature 596, 2021):
//! - [`feasibility`] says whether any panel meets the quotas and, when none does, which quota
//!   fails and by how much;
//! - [`leximin`] computes a probability distribution over quota-respecting panels (a
//!   *portfolio*) that maximises the smallest selection probability, then the second smallest,
//!   and so on (LEXIMIN); [`maximin`] stops after the smallest, [`nash`] maximises the product
//!   of the probabilities instead; [`select`] runs the one an [`Algorithm`] names;
//! - [`draw`] picks one panel of the portfolio with a ChaCha RNG seeded by the published seed,
//!   and keeps the others on a waitlist whose promotions keep the quotas;
//! - [`legacy`] is the greedy that sortition organisations used before (the paper's LEGACY),
//!   kept to measure how much fairer LEXIMIN is ([`stats`]).
//!
//! Volunteers with the same profile are interchangeable for every quota, and these methods
//! give them the same probability, so the work is done on *types* (distinct profiles) rather
//! than on people: 5,000 volunteers with 6 criteria make a few hundred types ([`Types`]).

mod approximate;
pub mod draw;
mod fair;
pub mod feasibility;
pub mod legacy;
pub mod leximin;
mod nash;
mod oracle;
pub mod pool;
mod relaxed;
pub mod stats;
mod types;

#[cfg(test)]
pub(crate) mod testing;

use serde::{Deserialize, Serialize};

pub use draw::{Draw, draw, replacement};
pub use fair::Fair;
pub use feasibility::{Infeasibility, Relaxation, check};
pub use leximin::{Method, Options, leximin, maximin};
pub use nash::nash;
pub use types::Types;

/// What the probabilities should look like: the fairness goal of the selection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// The smallest probability as large as possible, then the next smallest, and so on.
    #[default]
    Leximin,
    /// The smallest probability as large as possible; the others as they come.
    Maximin,
    /// The product of the probabilities (their geometric mean) as large as possible.
    Nash,
    /// The greedy draw sortition organisations used before; probabilities are frequencies
    /// over many runs ([`legacy`]).
    Legacy,
}

impl Algorithm {
    pub const ALL: [Algorithm; 4] = [
        Algorithm::Leximin,
        Algorithm::Maximin,
        Algorithm::Nash,
        Algorithm::Legacy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Leximin => "leximin",
            Algorithm::Maximin => "maximin",
            Algorithm::Nash => "nash",
            Algorithm::Legacy => "legacy",
        }
    }
}

impl std::str::FromStr for Algorithm {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| format!("unknown method {name:?}: leximin, maximin, nash or legacy"))
    }
}

/// The portfolio `algorithm` asks for, or why the quotas cannot be met.
pub fn select(instance: &Instance, algorithm: Algorithm, options: &Options) -> Result<Fair, SelectionError> {
    match algorithm {
        Algorithm::Leximin => leximin(instance, options),
        Algorithm::Maximin => maximin(instance, options),
        Algorithm::Nash => nash(instance, options),
        Algorithm::Legacy => legacy::legacy(instance, options),
    }
}

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
    /// Groups of volunteers of whom at most one may sit (people at one address); a volunteer
    /// is in one group at most, and groups of one change nothing.
    pub households: Vec<Vec<usize>>,
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
        let mut in_household = vec![false; self.profiles.len()];
        for &i in self.households.iter().flatten() {
            match in_household.get_mut(i) {
                None => return Err(SelectionError::Invalid(format!("household member {i} is no volunteer"))),
                Some(true) => return Err(SelectionError::Invalid(format!("volunteer {i} is in two households"))),
                Some(seen) => *seen = true,
            }
        }
        Ok(())
    }

    /// How many households there are: the groups, and everyone in none (a panel takes at most
    /// one person from each).
    pub fn household_count(&self) -> usize {
        let grouped: usize = self.households.iter().map(Vec::len).sum();
        self.profiles.len() - grouped + self.households.iter().filter(|h| !h.is_empty()).count()
    }

    /// Whether a panel (volunteer indices) has the right size, meets every quota and takes at
    /// most one person per household.
    pub fn satisfied_by(&self, panel: &[usize]) -> bool {
        if panel.len() != self.seats as usize {
            return false;
        }
        if self
            .households
            .iter()
            .any(|h| h.iter().filter(|i| panel.contains(i)).count() > 1)
        {
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
    fn validate_rejects_out_of_range_values() {
        let mut instance = testing::small();
        instance.profiles[3][1] = 7;
        assert!(matches!(instance.validate(), Err(SelectionError::Invalid(_))));
    }
}
