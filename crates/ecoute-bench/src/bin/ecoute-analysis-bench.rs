//! Quality and speed of the analysis engine on the Grand Débat answers.
//!
//! ```sh
//! cargo run --release --bin ecoute-analysis-bench -- [--themes 20|auto] [--data PATH]
//!     [--duplicates-sample N] [--baseline]
//! ```
//!
//! Prints the time and peak memory of the analysis of all answers, the NMI between themes and
//! the question each answer belongs to, the largest theme's share, the labels, and the
//! near-duplicate groups. `--duplicates-sample N` prints N random pairs for a hand check;
//! `--baseline` then runs `scripts/analysis_baseline.py` (scikit-learn) with the Python of
//! `~/.cache/ecoute/venv` (or `ECOUTE_BASELINE_PYTHON`), so both are measured side by side.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

use ecoute::analysis::cli::read_csv;
use ecoute::analysis::quality::nmi;
use ecoute::analysis::{Analysis, Params, ThemeCount, analyse};
use rand::SeedableRng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// `sample` random pairs from the near-duplicate groups, to judge them by eye.
fn print_duplicate_pairs(analysis: &Analysis, texts: &[String], sample: usize) {
    if sample > 0 {
        let mut rng = ChaCha8Rng::seed_from_u64(2026);
        for _ in 0..sample.min(analysis.duplicates.len()) {
            let group = analysis.duplicates.choose(&mut rng).expect("some groups");
            let a = *group.choose(&mut rng).expect("groups have members");
            let b = group
                .iter()
                .copied()
                .find(|&x| x != a)
                .expect("groups have two members");
            println!("--- pair\n  A: {}\n  B: {}", texts[a], texts[b]);
        }
    }
}

/// scikit-learn on the same data and theme count (`--baseline`), from
/// `scripts/analysis_baseline.py`.
fn run_baseline(data: &std::path::Path, themes: ThemeCount, found: usize) {
    {
        let python = std::env::var("ECOUTE_BASELINE_PYTHON").unwrap_or_else(|_| {
            format!(
                "{}/.cache/ecoute/venv/bin/python",
                std::env::var("HOME").unwrap_or_default()
            )
        });
        let script =
            PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()))
                .join("scripts/analysis_baseline.py");
        let k = match themes {
            ThemeCount::Fixed(k) => k,
            ThemeCount::Auto => found,
        };
        let status = Command::new(&python).arg(&script).arg(data).arg(k.to_string()).status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => eprintln!("baseline failed: {s}"),
            Err(e) => eprintln!("cannot run {python}: {e} (see the script's header for the setup)"),
        }
    }
}

fn main() -> ExitCode {
    let mut themes = ThemeCount::Fixed(20);
    let mut data =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()))
            .join("../shared/data/grand-debat/answers.csv");
    let mut sample = 0usize;
    let mut baseline = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--themes" => themes = args.next().and_then(|v| v.parse().ok()).expect("--themes N|auto"),
            "--data" => data = args.next().expect("--data PATH").into(),
            "--duplicates-sample" => sample = args.next().and_then(|v| v.parse().ok()).expect("--duplicates-sample N"),
            "--baseline" => baseline = true,
            other => {
                eprintln!("unknown argument {other}");
                return ExitCode::FAILURE;
            }
        }
    }
    if !data.exists() {
        eprintln!(
            "no data at {} (the shared data folder beside the repository)",
            data.display()
        );
        return ExitCode::FAILURE;
    }
    let read_start = Instant::now();
    let rows = read_csv(&data, Some("text"), Some("id")).expect("readable answers.csv");
    let questions = read_csv(&data, Some("question_code"), Some("id"))
        .expect("question_code column")
        .texts;
    let read = read_start.elapsed();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());

    let start = Instant::now();
    let params = Params {
        themes,
        ..Params::default()
    };
    let analysis = analyse(&rows.texts, &params, &mut |_, _| {}).expect("analysis");
    let elapsed = start.elapsed();
    let peak = peak_rss_mib();

    let labels: Vec<i64> = analysis.assignment.iter().map(|a| a.map_or(-1, |t| t as i64)).collect();
    let score = nmi(&labels, &questions);
    let n = rows.texts.len();
    let largest = analysis.themes.iter().map(|t| t.size).max().unwrap_or(0);
    println!(
        "ecoute: {n} texts, {} themes, {:.2} s on {threads} cores (CSV read: {:.2} s), peak RSS {peak:.0} MiB, \
         NMI {score:.3}, largest theme {:.1} %, unclassified {}",
        analysis.themes.len(),
        elapsed.as_secs_f64(),
        read.as_secs_f64(),
        100.0 * largest as f64 / n as f64,
        analysis.unclassified(),
    );
    println!("theme count: {}", analysis.choice.explanation);
    if analysis.choice.automatic {
        println!("tried: {:?}", analysis.choice.tried);
    }
    println!(
        "features {} (phrases {}), LSA keeps {:.1} % of the weight",
        analysis.features,
        analysis.phrases,
        100.0 * analysis.kept_weight
    );
    for (i, theme) in analysis.themes.iter().enumerate() {
        println!(
            "{i:>3} {:>6}  {}   [{}]",
            theme.size,
            theme.label,
            theme.key_phrases.join(" · ")
        );
    }
    let in_groups: usize = analysis.duplicates.iter().map(Vec::len).sum();
    println!(
        "near-duplicates: {} groups, {in_groups} texts",
        analysis.duplicates.len()
    );
    print_duplicate_pairs(&analysis, &rows.texts, sample);
    if baseline {
        run_baseline(&data, themes, analysis.themes.len());
    }
    ExitCode::SUCCESS
}
