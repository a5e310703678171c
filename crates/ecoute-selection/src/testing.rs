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
        households: Vec::new(),
    }
}

/// A corner of the quota polytope no panel reaches: criteria "a", "b", "c" (yes = 1), exactly
/// one "yes" of each on a panel of 2. The polytope holds ½ of each of A = (1,1,0), B = (1,0,1),
/// C = (0,1,1) and D = (0,0,0), but the only quota-respecting panel is C + E (E = (1,0,0)).
pub fn corner() -> Instance {
    let seats = 2;
    let exactly_one = vec![Bounds::free(seats), Bounds { min: 1, max: 1 }];
    Instance {
        seats,
        values: vec![2, 2, 2],
        profiles: vec![
            vec![1, 1, 0],
            vec![1, 0, 1],
            vec![0, 1, 1],
            vec![0, 0, 0],
            vec![1, 0, 0],
        ],
        quotas: vec![exactly_one.clone(), exactly_one.clone(), exactly_one],
        households: Vec::new(),
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
        households: Vec::new(),
    }
}
