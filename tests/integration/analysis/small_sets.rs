//! Where clustering starts to mean something: the threshold below which the console offers a
//! plain list instead of themes ([`MIN_THEMED`]), measured on real answers.
//!
//! For each size n, 16 draws of n Grand Débat answers spread evenly over five questions on
//! distinct subjects (disjoint slices of the answers, at least 40 characters each) are analysed
//! as an operator would (automatic number of themes). Each result is scored by how much better
//! than chance its themes recover the questions: NMI(themes, questions) minus the NMI of the same
//! themes shuffled over the answers (at small n, even random groups share some information with
//! the questions). With `ECOUTE_SMALL_SETS_CURVE=1` the test prints the whole curve
//! (`ECOUTE_SMALL_SETS_CURVE=1 cargo test --release --test integration small_sets -- --nocapture`;
//! figures in `docs/analysis.md`); it always holds the threshold to it: at `MIN_THEMED` the median gain reaches
//! [`MEANINGFUL`]; at half of it, it does not, so the threshold is not set needlessly high.

use ecoute::analysis::quality::nmi;
use ecoute::analysis::{MIN_THEMED, Params, analyse};

use super::*;

/// A gain over chance that a reader would notice: themes that follow the subjects at least a
/// little better than groups drawn at random.
const MEANINGFUL: f64 = 0.10;
const QUESTIONS: [&str; 5] = ["ECO_09", "ECO_14", "FIS_02", "FIS_04", "ECO_03"];
const DRAWS: usize = 16;

/// Median gain over chance at `n` contributions.
fn median_gain(all: &[(String, String)], n: usize) -> f64 {
    let per = n / QUESTIONS.len();
    // Disjoint slices: draw d takes answers d·per .. (d+1)·per of each question.
    let pool = sample(all, &QUESTIONS, per * DRAWS, 40);
    let mut gains = Vec::new();
    for d in 0..DRAWS {
        let mut rows: Vec<&(String, String)> = Vec::new();
        for q in QUESTIONS {
            rows.extend(pool.iter().filter(|r| r.0 == q).skip(d * per).take(per));
        }
        let texts: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        let truth: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        let Ok(analysis) = analyse(&texts, &Params::default(), &mut |_, _| {}) else {
            gains.push(0.0);
            continue;
        };
        let found: Vec<i64> = analysis.assignment.iter().map(|a| a.map_or(-1, |t| t as i64)).collect();
        // Chance: the same themes dealt out over the answers by fixed permutations
        // (i ↦ a·i + b mod n, a coprime with n, so that answers of one question scatter), averaged.
        let len = found.len();
        let multipliers: Vec<usize> = (len / 3..len).filter(|&a| gcd(a, len) == 1).take(7).collect();
        let chance = multipliers
            .iter()
            .enumerate()
            .map(|(b, &a)| {
                let dealt: Vec<i64> = (0..len).map(|i| found[(a * i + b) % len]).collect();
                nmi(&dealt, &truth)
            })
            .sum::<f64>()
            / multipliers.len() as f64;
        gains.push(nmi(&found, &truth) - chance);
    }
    gains.sort_by(f64::total_cmp);
    (gains[DRAWS / 2 - 1] + gains[DRAWS / 2]) / 2.0
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[test]
fn the_small_set_threshold_is_where_themes_start_to_mean_something() {
    let all = answers();
    if std::env::var_os("ECOUTE_SMALL_SETS_CURVE").is_some() {
        println!("n\tmedian NMI gain over chance ({DRAWS} draws, 5 questions)");
        for n in [10, 20, 30, 40, 50, 60, 80, 100, 120, 160, 200, 300] {
            println!("{n}\t{:.3}", median_gain(&all, n));
        }
    }
    let at = median_gain(&all, MIN_THEMED);
    let below = median_gain(&all, MIN_THEMED / 2);
    println!("threshold {MIN_THEMED}: {at:.3}; half of it: {below:.3}");
    assert!(
        at >= MEANINGFUL,
        "at {MIN_THEMED} contributions the gain is only {at:.3}"
    );
    assert!(
        below < MEANINGFUL,
        "at {} contributions the gain is already {below:.3}: lower the threshold",
        MIN_THEMED / 2
    );
}
