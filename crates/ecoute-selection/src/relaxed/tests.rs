//! Unit tests of LEXIMIN on the quota polytope and of its decomposition into panels.

use super::*;
use crate::{Method, Options, leximin, testing};

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

#[test]
fn the_decomposition_realises_the_relaxed_point_with_quota_respecting_panels() {
    for seed in 0..6 {
        let instance = testing::random(seed, 400, 16, 5);
        let types = Types::group(&instance);
        let deadline = Instant::now() + std::time::Duration::from_secs(60);
        let polytope = Polytope::new(&instance, &types);
        let (point, levels) = leximin_point(&instance, &polytope, usize::MAX, deadline)
            .unwrap()
            .unwrap();
        assert!(levels >= 1);
        assert!((point.iter().sum::<f64>() - 16.0).abs() < 1e-6, "seed {seed}");
        let Decomposition::Complete { panels, weights } =
            decompose(&instance, &types, &polytope, &point, deadline).unwrap()
        else {
            continue;
        };
        assert!((weights.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        for panel in &panels {
            assert!(types.composition_ok(&instance, panel), "seed {seed}");
        }
        for t in 0..types.len() {
            let expected: f64 = panels.iter().zip(&weights).map(|(p, w)| w * f64::from(p[t])).sum();
            assert!(
                (expected - point[t]).abs() < 1e-5,
                "seed {seed}, type {t}: {expected} vs {}",
                point[t]
            );
        }
    }
}

#[test]
fn the_polytope_gives_the_same_leximin_as_column_generation() {
    // LEXIMIN probabilities are unique: two exact methods must agree, sorted, up to their
    // LPs' tolerances (column generation leaves a type 1e-5 above its level here and there).
    let mut through_polytope = 0;
    for seed in 0..3 {
        let instance = testing::random(seed, 400, 16, 4);
        let budget = std::time::Duration::from_secs(120);
        let fast = leximin(
            &instance,
            &Options {
                time_budget: budget,
                method: Method::Polytope,
                ..Options::default()
            },
        )
        .unwrap();
        let slow = leximin(
            &instance,
            &Options {
                time_budget: budget,
                method: Method::ColumnGeneration,
                ..Options::default()
            },
        )
        .unwrap();
        assert!(fast.complete && slow.complete, "seed {seed}");
        through_polytope += usize::from(fast.via == Method::Polytope);
        for (a, b) in sorted(fast.type_probabilities)
            .iter()
            .zip(&sorted(slow.type_probabilities))
        {
            assert!((a - b).abs() < 2e-5 + 1e-4 * a.max(*b), "seed {seed}: {a} vs {b}");
        }
    }
    assert!(through_polytope >= 1, "the fast path never decomposed");
}

#[test]
fn a_corner_no_panel_reaches_falls_back_to_column_generation() {
    // The polytope holds x = ½ of each of A, B, C and D, but the only panel is C + E
    // ([`testing::corner`]): LEXIMIN gives C and E every draw and the others none, which only
    // column generation finds.
    let instance = testing::corner();
    let fair = leximin(&instance, &Options::default()).unwrap();
    assert_eq!(fair.via, Method::ColumnGeneration);
    assert!(fair.complete);
    let rounded: Vec<f64> = fair.probabilities.iter().map(|p| (p * 1e6).round() / 1e6).collect();
    assert_eq!(rounded, vec![0.0, 0.0, 1.0, 0.0, 1.0]);
}
