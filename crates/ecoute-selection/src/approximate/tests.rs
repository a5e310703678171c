//! Unit tests of the approximate path: chosen above [`Options::exact_types`], everyone who can
//! sit gets a chance, the bound holds, and every panel and draw meets the quotas.

use crate::{Algorithm, Method, Options, draw, leximin, maximin, select, testing};

fn small_budget(exact_types: usize) -> Options {
    Options {
        time_budget: std::time::Duration::from_secs(20),
        exact_types,
        ..Options::default()
    }
}

fn min(p: &[f64]) -> f64 {
    p.iter().cloned().fold(1.0, f64::min)
}

#[test]
fn a_pool_with_more_profiles_than_the_knob_allows_takes_the_approximate_path() {
    for seed in 0..3 {
        let instance = testing::random(seed, 300, 12, 4);
        let exact = leximin(&instance, &small_budget(usize::MAX)).unwrap();
        assert_ne!(
            exact.via,
            Method::Approximate,
            "seed {seed}: the exact path is the default"
        );
        let fair = leximin(&instance, &small_budget(10)).unwrap();
        assert_eq!(fair.via, Method::Approximate, "seed {seed}");
        assert_eq!(fair.levels, 0, "no LEXIMIN level is proven");
        // Everyone who can sit (the exact LEXIMIN gives them a chance) gets one.
        for (i, (&p, &q)) in fair.probabilities.iter().zip(&exact.probabilities).enumerate() {
            assert!(q <= 0.0 || p > 0.0, "seed {seed}: volunteer {i} has no chance");
        }
        // The bound is the polytope's first level: above the minimum, and the exact optimum.
        let bound = fair.bound.expect("the first level's LP finished");
        assert!(min(&fair.probabilities) <= bound + 1e-9, "seed {seed}");
        assert!((bound - exact.bound.unwrap()).abs() < 1e-9);
        assert!(
            min(&fair.probabilities) >= 0.5 * bound,
            "seed {seed}: {} against {bound}",
            min(&fair.probabilities)
        );
        assert!(
            (fair.probabilities.iter().sum::<f64>() - 12.0).abs() < 1e-6,
            "seed {seed}"
        );
        assert!((fair.weights.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        for panel in &fair.panels {
            assert!(fair.types.composition_ok(&instance, panel), "seed {seed}");
        }
        for draw_seed in 0..200 {
            assert!(
                instance.satisfied_by(&draw(&fair, draw_seed).panel),
                "seed {seed}, draw {draw_seed}"
            );
        }
    }
}

#[test]
fn maximin_and_households_take_it_too() {
    let mut instance = testing::random(4, 300, 15, 4);
    instance.households = (0..60).map(|h| vec![5 * h, 5 * h + 1, 5 * h + 2]).collect();
    let fair = maximin(&instance, &small_budget(10)).unwrap();
    assert_eq!((fair.via, fair.algorithm), (Method::Approximate, Algorithm::Maximin));
    assert!(min(&fair.probabilities) > 0.0);
    assert!(min(&fair.probabilities) <= fair.bound.unwrap() + 1e-9);
    for draw_seed in 0..200 {
        assert!(instance.satisfied_by(&draw(&fair, draw_seed).panel), "draw {draw_seed}");
    }
    for household in &instance.households {
        let together: f64 = household.iter().map(|&i| fair.probabilities[i]).sum();
        assert!(together <= 1.0 + 1e-9, "{together}");
    }
}

#[test]
fn who_no_panel_holds_gets_nothing_and_the_others_their_chance() {
    // The only panel is C + E (the corner of the quota polytope no panel reaches).
    let instance = testing::corner();
    let fair = select(&instance, Algorithm::Leximin, &small_budget(0)).unwrap();
    assert_eq!(fair.via, Method::Approximate);
    let rounded: Vec<f64> = fair.probabilities.iter().map(|p| (p * 1e6).round() / 1e6).collect();
    assert_eq!(rounded, vec![0.0, 0.0, 1.0, 0.0, 1.0]);
    assert!(min(&fair.probabilities) <= fair.bound.unwrap() + 1e-9);
}

#[test]
fn the_covering_panels_give_a_chance_to_whom_the_steps_left_out() {
    // A target that gives the first profile nothing and the others more than the seats: the
    // others are always behind, the steps never seat it, the covering panels do, with a small
    // share.
    let instance = testing::small();
    let types = crate::Types::group(&instance);
    let mut target: Vec<f64> = (0..types.len()).map(|t| types.size(t) as f64 * 0.5).collect();
    target[0] = 0.0;
    let later = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let found = super::approximate(&instance, &types, &target, None, later, later).unwrap();
    let chance: f64 = found
        .panels
        .iter()
        .zip(&found.weights)
        .map(|(p, w)| w * f64::from(p[0]))
        .sum();
    assert!(chance > 0.0, "the first profile has no chance");
    // Expected members: at most the covering share times the seats.
    assert!(chance <= super::COVER_SHARE * 10.0, "{chance}");
    for panel in &found.panels {
        assert!(types.composition_ok(&instance, panel));
    }
}
