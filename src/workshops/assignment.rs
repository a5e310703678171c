//! Automatic session assignment: the drawn people go to sessions they said they could attend,
//! no session over its capacity, as many people placed as possible.
//!
//! This is a maximum bipartite matching with capacities (a max flow from people to sessions):
//! augmenting paths, people and sessions visited in a fixed order, so the same input always
//! gives the same assignment. Assignments already made (by hand, or by an earlier run) are
//! kept and take their seats first; only people without a session are placed, and an
//! augmenting path may move another *automatically placed* person of this run to a different
//! session they can attend, never someone placed before. People who cannot be placed are
//! returned so the console can name them.

use uuid::Uuid;

use super::applications::Session;
use super::queries::{SelectionRow, Volunteer};

/// Why a drawn person has no session after an automatic assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unplaced {
    /// They named no session of this recruitment they could attend.
    NoAvailability,
    /// Every session they can attend is full.
    SessionsFull,
}

/// The assignment of a draw's panel (people invited or confirmed): the new places, and those
/// who cannot be placed with why.
#[derive(Debug, Default)]
pub struct Plan {
    /// (application, session) for people without a session until now.
    pub new: Vec<(Uuid, Uuid)>,
    pub unplaced: Vec<(Uuid, Unplaced)>,
}

/// Plans the assignment of the panel of a draw: keeps every session already set, places the
/// others by [`assign`], in seat order.
pub fn plan(sessions: &[Session], pool: &[Volunteer], selections: &[SelectionRow]) -> Plan {
    let mut panel: Vec<&SelectionRow> = selections
        .iter()
        .filter(|s| s.status == "invited" || s.status == "confirmed")
        .collect();
    panel.sort_by_key(|s| (s.seat.unwrap_or(i32::MAX), s.application_id));
    let index = |id: Uuid| sessions.iter().position(|x| x.id == id);
    let people: Vec<Person> = panel
        .iter()
        .map(|s| Person {
            available: pool
                .iter()
                .find(|v| v.application_id == s.application_id)
                .map(|v| v.sessions.iter().filter_map(|&id| index(id)).collect())
                .unwrap_or_default(),
            fixed: s.session_id.and_then(index),
        })
        .collect();
    let capacities: Vec<u32> = sessions.iter().map(|s| s.capacity.max(0) as u32).collect();
    let outcome = assign(&people, &capacities);
    let mut plan = Plan::default();
    for (i, s) in panel.iter().enumerate() {
        match (people[i].fixed, outcome.sessions[i]) {
            (Some(_), _) => {}
            (None, Some(k)) => plan.new.push((s.application_id, sessions[k].id)),
            (None, None) if people[i].available.is_empty() => {
                plan.unplaced.push((s.application_id, Unplaced::NoAvailability))
            }
            (None, None) => plan.unplaced.push((s.application_id, Unplaced::SessionsFull)),
        }
    }
    plan
}

/// One person to place: the sessions (indices) they can attend, in order of preference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub available: Vec<usize>,
    /// Already in this session (kept as it is).
    pub fixed: Option<usize>,
}

/// The outcome: each person's session (`None`: could not be placed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub sessions: Vec<Option<usize>>,
    /// People without a session, in input order.
    pub unplaced: Vec<usize>,
}

/// Places the people without a session into sessions of `capacities` (seats per session).
pub fn assign(people: &[Person], capacities: &[u32]) -> Assignment {
    let mut left: Vec<i64> = capacities.iter().map(|&c| i64::from(c)).collect();
    let mut sessions: Vec<Option<usize>> = vec![None; people.len()];
    for (i, p) in people.iter().enumerate() {
        if let Some(s) = p.fixed.filter(|&s| s < capacities.len()) {
            sessions[i] = Some(s);
            left[s] -= 1;
        }
    }
    // Occupants placed by this run, per session: the only ones an augmenting path may move.
    let mut movable: Vec<Vec<usize>> = vec![Vec::new(); capacities.len()];
    for i in 0..people.len() {
        if sessions[i].is_none() {
            // A failed search changes nothing: the person stays unplaced.
            let mut seen = vec![false; capacities.len()];
            augment(i, people, &mut left, &mut movable, &mut sessions, &mut seen);
        }
    }
    let unplaced = (0..people.len()).filter(|&i| sessions[i].is_none()).collect();
    Assignment { sessions, unplaced }
}

/// Depth-first search for an augmenting path from `person`: a session with a free seat, or a
/// full one whose occupant (placed by this run) can move on along another path.
fn augment(
    person: usize,
    people: &[Person],
    left: &mut [i64],
    movable: &mut [Vec<usize>],
    sessions: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    for &s in &people[person].available {
        if s >= left.len() || seen[s] {
            continue;
        }
        seen[s] = true;
        if left[s] > 0 {
            left[s] -= 1;
            movable[s].push(person);
            sessions[person] = Some(s);
            return true;
        }
        for k in 0..movable[s].len() {
            let occupant = movable[s][k];
            if augment(occupant, people, left, movable, sessions, seen) {
                // The occupant moved elsewhere (and holds a seat there): take their seat here.
                movable[s][k] = person;
                sessions[person] = Some(s);
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(available: &[usize]) -> Person {
        Person {
            available: available.to_vec(),
            fixed: None,
        }
    }

    fn check(people: &[Person], capacities: &[u32], a: &Assignment) {
        let mut used = vec![0u32; capacities.len()];
        for (i, s) in a.sessions.iter().enumerate() {
            if let Some(s) = *s {
                used[s] += 1;
                assert!(
                    people[i].fixed == Some(s) || people[i].available.contains(&s),
                    "person {i} placed where they cannot go"
                );
            }
        }
        for (s, &u) in used.iter().enumerate() {
            assert!(u <= capacities[s], "session {s} over capacity");
        }
    }

    #[test]
    fn a_greedy_choice_is_undone_to_place_everyone() {
        // Greedy in order would put 0 in session 0 and leave 1 (who can only go to 0) out.
        let people = [person(&[0, 1]), person(&[0])];
        let a = assign(&people, &[1, 1]);
        assert_eq!(a.sessions, vec![Some(1), Some(0)]);
        assert!(a.unplaced.is_empty());
        check(&people, &[1, 1], &a);
    }

    #[test]
    fn capacities_hold_and_the_unplaceable_are_named() {
        let people = [person(&[0]), person(&[0]), person(&[0]), person(&[]), person(&[1])];
        let a = assign(&people, &[2, 1]);
        check(&people, &[2, 1], &a);
        assert_eq!(a.sessions.iter().filter(|s| **s == Some(0)).count(), 2);
        assert_eq!(
            a.unplaced,
            vec![2, 3],
            "one too many for session 0, one with no availability"
        );
    }

    #[test]
    fn hand_assignments_are_kept_and_use_their_seats() {
        let people = [
            Person {
                available: vec![0, 1],
                fixed: Some(1),
            },
            person(&[1]),
            person(&[0, 1]),
        ];
        let a = assign(&people, &[1, 1]);
        assert_eq!(a.sessions, vec![Some(1), None, Some(0)]);
        assert_eq!(a.unplaced, vec![1], "the hand-placed person is not moved to make room");
    }

    #[test]
    fn the_matching_is_maximum_and_deterministic_on_a_larger_pool() {
        // 60 people, 4 sessions of 12: person i can attend sessions (i mod 4) and (i*7 mod 4).
        let people: Vec<Person> = (0..60)
            .map(|i| person(&[(i % 4) as usize, ((i * 7 + 1) % 4) as usize]))
            .collect();
        let capacities = [12, 12, 12, 12];
        let a = assign(&people, &capacities);
        check(&people, &capacities, &a);
        assert_eq!(a.sessions.iter().flatten().count(), 48, "every seat filled");
        assert_eq!(a, assign(&people, &capacities), "same input, same assignment");
    }
}
