//! Volunteers grouped into *types*: people with the same profile are interchangeable for every
//! quota, and every fair method gives them the same probability, so the work is done on types.
//!
//! A household of several volunteers (at most one of them may sit) breaks that symmetry: its
//! members get types of their own (one per profile present in the household), and a panel takes
//! at most one member from all the types of a household together.

use std::collections::BTreeMap;

use super::Instance;

/// Volunteers grouped by identical profile (and household, when they share one).
#[derive(Clone, Debug)]
pub struct Types {
    /// The profile of each type.
    pub profiles: Vec<Vec<usize>>,
    /// The volunteers of each type, in increasing index order.
    pub members: Vec<Vec<usize>>,
    /// The type of each volunteer.
    pub of_volunteer: Vec<usize>,
    /// The types of each household of several volunteers: a panel takes at most one member
    /// from all of them together.
    pub households: Vec<Vec<usize>>,
    /// The household of each type, if it belongs to one.
    pub household_of: Vec<Option<usize>>,
}

impl Types {
    pub fn group(instance: &Instance) -> Types {
        let mut household_of_volunteer: Vec<Option<usize>> = vec![None; instance.profiles.len()];
        let mut n_households = 0;
        for group in instance.households.iter().filter(|g| g.len() > 1) {
            for &i in group {
                household_of_volunteer[i] = Some(n_households);
            }
            n_households += 1;
        }
        let mut by_key: BTreeMap<(&[usize], Option<usize>), Vec<usize>> = BTreeMap::new();
        for (i, profile) in instance.profiles.iter().enumerate() {
            by_key
                .entry((profile.as_slice(), household_of_volunteer[i]))
                .or_default()
                .push(i);
        }
        let mut of_volunteer = vec![0; instance.profiles.len()];
        let mut profiles = Vec::with_capacity(by_key.len());
        let mut members = Vec::with_capacity(by_key.len());
        let mut households = vec![Vec::new(); n_households];
        let mut household_of = Vec::with_capacity(by_key.len());
        for (t, ((profile, household), people)) in by_key.into_iter().enumerate() {
            for &i in &people {
                of_volunteer[i] = t;
            }
            if let Some(h) = household {
                households[h].push(t);
            }
            household_of.push(household);
            profiles.push(profile.to_vec());
            members.push(people);
        }
        Types {
            profiles,
            members,
            of_volunteer,
            households,
            household_of,
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

    /// The most members a panel of `seats` can take from type `t`: its size, the seats, and one
    /// for a household's type.
    pub fn cap(&self, t: usize, seats: u32) -> usize {
        let cap = self.size(t).min(seats as usize);
        if self.household_of[t].is_some() {
            cap.min(1)
        } else {
            cap
        }
    }

    /// Whether a composition (members per type) meets the size, every quota and the
    /// households' rule.
    pub fn composition_ok(&self, instance: &Instance, counts: &[u32]) -> bool {
        let total: u32 = counts.iter().sum();
        if total != instance.seats {
            return false;
        }
        if self
            .households
            .iter()
            .any(|h| h.iter().map(|&t| counts[t]).sum::<u32>() > 1)
        {
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
mod tests {
    use super::*;
    use crate::testing;

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
    fn a_household_gets_types_of_its_own_and_one_seat_at_most() {
        let mut instance = testing::small();
        // Volunteers 0 and 6 are single parents aged 0 (the same profile), 1 is another one.
        instance.households = vec![vec![0, 6, 1], vec![2]];
        let types = Types::group(&instance);
        assert_eq!(types.households.len(), 1, "a household of one constrains nothing");
        let household = &types.households[0];
        assert_eq!(types.of_volunteer[0], types.of_volunteer[6]);
        assert!(household.contains(&types.of_volunteer[0]) && household.contains(&types.of_volunteer[1]));
        assert_eq!(types.cap(types.of_volunteer[0], 10), 1);
        assert_eq!(types.household_of[types.of_volunteer[2]], None);
        // Two of the household on one panel breaks the rule, whatever the quotas say.
        let mut counts = vec![0u32; types.len()];
        counts[types.of_volunteer[0]] = 1;
        counts[types.of_volunteer[1]] = 1;
        assert!(
            !types.composition_ok(&instance, &counts),
            "the size is wrong anyway, but so is the household"
        );
    }
}
