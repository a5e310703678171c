//! Unit tests of LEXIMIN: probabilities, quotas, the fallback to column generation.

use super::*;
use crate::{Bounds, testing};

#[test]
fn probabilities_add_up_to_the_seats() {
    let instance = testing::small();
    let fair = leximin(&instance, &Options::default()).unwrap();
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
    let fair = leximin(&instance, &Options::default()).unwrap();
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
    let fair = leximin(&instance, &Options::default()).unwrap();
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
        let fair = leximin(&instance, &Options::default()).unwrap();
        let min = fair.probabilities.iter().cloned().fold(1.0, f64::min);
        assert!(min > 0.0, "seed {seed}: someone can never be selected");
        assert!(min <= 12.0 / 300.0 + 1e-9);
        let total: f64 = fair.probabilities.iter().sum();
        assert!((total - 12.0).abs() < 1e-5, "seed {seed}: {total}");
    }
}

#[test]
fn every_method_keeps_households_inside_the_optimisation() {
    // 60 households of three among 300 volunteers, 15 seats: at most one of each may sit, in
    // every panel of every portfolio and so in every draw.
    let mut instance = testing::random(4, 300, 15, 4);
    instance.households = (0..60).map(|h| vec![5 * h, 5 * h + 1, 5 * h + 2]).collect();
    let options = Options {
        legacy_runs: 300,
        time_budget: std::time::Duration::from_secs(20),
        ..Options::default()
    };
    for algorithm in crate::Algorithm::ALL {
        let fair = crate::select(&instance, algorithm, &options).unwrap();
        assert_eq!(fair.algorithm, algorithm);
        for panel in &fair.panels {
            assert!(fair.types.composition_ok(&instance, panel), "{algorithm:?}");
        }
        for seed in 0..300 {
            assert!(
                instance.satisfied_by(&crate::draw(&fair, seed).panel),
                "{algorithm:?}, seed {seed}"
            );
        }
        for household in &instance.households {
            let together: f64 = household.iter().map(|&i| fair.probabilities[i]).sum();
            assert!(together <= 1.0 + 1e-9, "{algorithm:?}: {together}");
        }
        assert!(
            (fair.probabilities.iter().sum::<f64>() - 15.0).abs() < 1e-6,
            "{algorithm:?}"
        );
    }
}

#[test]
fn more_seats_than_households_is_explained() {
    let mut instance = testing::small();
    // 60 volunteers in 8 households (and none alone): 8 places for 10 seats.
    instance.households = (0..8).map(|h| (0..60).filter(|i| i % 8 == h).collect()).collect();
    let found = crate::check(&instance).unwrap();
    assert_eq!(
        found,
        vec![crate::Infeasibility::SeatsExceedHouseholds {
            seats: 10,
            households: 8
        }]
    );
    assert_eq!(found[0].shortfall(), 2);
}

#[test]
fn maximin_reaches_the_bound_and_leximin_too() {
    let instance = testing::random(2, 300, 12, 4);
    let lex = leximin(&instance, &Options::default()).unwrap();
    let max = maximin(&instance, &Options::default()).unwrap();
    let min = |p: &[f64]| p.iter().cloned().fold(1.0, f64::min);
    let bound = lex.bound.expect("the polytope's first level");
    assert!(
        (min(&lex.probabilities) - bound).abs() < 1e-6,
        "{} vs {bound}",
        min(&lex.probabilities)
    );
    assert!((min(&max.probabilities) - bound).abs() < 1e-6);
    assert_eq!(max.levels, 1);
}

#[test]
fn a_stuck_decomposition_keeps_the_approximate_path_when_column_generation_has_no_level() {
    // 12 criteria, 2,000 volunteers in 1,794 profiles: the polytope's path gives up, and in
    // 8 s column generation cannot even find panels holding every profile (its covering panels
    // come from the integer program), so it leaves people at 0 and proves no level. The
    // approximate path, run in the time kept for it, gives everyone a chance.
    let instance = testing::random(0, 2_000, 40, 12);
    let options = Options {
        time_budget: Duration::from_secs(8),
        ..Options::default()
    };
    let fair = leximin(&instance, &options).unwrap();
    assert_eq!(fair.via, Method::Approximate, "not the approximate path's portfolio");
    let min = fair.probabilities.iter().cloned().fold(1.0, f64::min);
    let bound = fair.bound.expect("the polytope's first level");
    assert!(min > 0.0, "someone has no chance");
    assert!(min >= 0.5 * bound && min <= bound + 1e-9, "{min} against {bound}");
    assert!((fair.probabilities.iter().sum::<f64>() - 40.0).abs() < 1e-6);
    for panel in &fair.panels {
        assert!(fair.types.composition_ok(&instance, panel));
    }
}

#[test]
fn after_a_stuck_decomposition_a_finished_level_wins_and_else_the_larger_minimum() {
    // The small pool's LEXIMIN portfolio and one of its panels alone (someone at 0), each
    // labelled as either method's.
    let instance = testing::small();
    let good = leximin(&instance, &Options::default()).unwrap();
    let (panels, weights) = (good.panels[..1].to_vec(), vec![1.0]);
    let poor = Fair::from_panels(good.types.clone(), panels, weights, 0, false, Method::Approximate);
    let as_columns = |fair: &Fair, complete: bool| Fair {
        via: Method::ColumnGeneration,
        complete,
        levels: usize::from(complete),
        ..fair.clone()
    };
    let herded = Fair {
        via: Method::Approximate,
        ..good.clone()
    };
    let kept = |columns: Fair, approximate: Fair| fallback::better(columns, approximate).via;
    assert_eq!(kept(as_columns(&good, true), poor.clone()), Method::ColumnGeneration);
    assert_eq!(kept(as_columns(&good, false), poor), Method::ColumnGeneration);
    assert_eq!(
        kept(as_columns(&good, false), herded.clone()),
        Method::ColumnGeneration,
        "a tie"
    );
    let poor_columns = as_columns(
        &Fair::from_panels(
            good.types.clone(),
            good.panels[..1].to_vec(),
            vec![1.0],
            0,
            false,
            Method::ColumnGeneration,
        ),
        false,
    );
    assert_eq!(kept(poor_columns, herded), Method::Approximate);
}
