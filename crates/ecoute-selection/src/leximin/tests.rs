//! Unit tests of LEXIMIN: probabilities, quotas, the fallback to column generation.

use super::*;
use crate::{Bounds, testing};

#[test]
fn probabilities_add_up_to_the_seats() {
    let instance = testing::small();
    let fair = leximin(&instance, &LeximinOptions::default()).unwrap();
    assert!(fair.complete);
    let total: f64 = fair.probabilities.iter().sum();
    assert!((total - 10.0).abs() < 1e-6, "{total}");
    let weights: f64 = fair.weights.iter().sum();
    assert!((weights - 1.0).abs() < 1e-9);
    for panel in &fair.panels {
        assert!(fair.types.composition_ok(&instance, panel));
    }
}

#[test]
fn without_quotas_everyone_gets_seats_over_pool() {
    let mut instance = testing::small();
    instance.quotas = vec![vec![Bounds::free(10); 2], vec![Bounds::free(10); 3]];
    let fair = leximin(&instance, &LeximinOptions::default()).unwrap();
    for p in &fair.probabilities {
        assert!((p - 10.0 / 60.0).abs() < 1e-5, "{p}");
    }
}

#[test]
fn leximin_matches_the_hand_computed_optimum() {
    // 15 single parents must fill at least 3 of 10 seats, so each has probability at
    // least 3/15; the other 45 share at most 7 seats, so at best 7/45 each, which the age
    // quotas (2 to 4 per bracket) allow on average. LEXIMIN reaches exactly that.
    let instance = testing::small();
    let fair = leximin(&instance, &LeximinOptions::default()).unwrap();
    for (i, profile) in instance.profiles.iter().enumerate() {
        let expected = if profile[0] == 1 { 3.0 / 15.0 } else { 7.0 / 45.0 };
        assert!(
            (fair.probabilities[i] - expected).abs() < 1e-6,
            "{i}: {}",
            fair.probabilities[i]
        );
    }
}

#[test]
fn leximin_is_at_least_as_fair_as_any_portfolio_it_started_from() {
    for seed in 0..4 {
        let instance = testing::random(seed, 300, 12, 4);
        let fair = leximin(&instance, &LeximinOptions::default()).unwrap();
        let min = fair.probabilities.iter().cloned().fold(1.0, f64::min);
        assert!(min > 0.0, "seed {seed}: someone can never be selected");
        assert!(min <= 12.0 / 300.0 + 1e-9);
        let total: f64 = fair.probabilities.iter().sum();
        assert!((total - 12.0).abs() < 1e-5, "seed {seed}: {total}");
    }
}
