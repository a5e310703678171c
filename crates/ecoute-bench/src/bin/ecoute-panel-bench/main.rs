//! `ecoute-panel-bench`: how long LEXIMIN panel selection takes on a large pool, and how much
//! fairer it is than the greedy and stratified draws it replaces.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target cargo run --release --bin ecoute-panel-bench -- [--volunteers 5000] [--seats 40]
//! cargo run --release --bin ecoute-panel-bench -- --write-pool DIR --volunteers 20000 --features 12 --seats 500
//! ```
//!
//! The pool is synthetic but shaped like a Caf recruitment: six criteria (family situation,
//! age bracket, main benefit, département, gender, accessibility needs) with skewed and
//! correlated answers (single parents are mostly women and more often on RSA; volunteers are
//! mostly women), and quotas that ask for more single parents, a gender balance and every age
//! bracket between 10 % and 40 %, so that some groups must be over-represented.
//!
//! Reported: the number of distinct profiles, the LEXIMIN time and how it was found (quota
//! polytope or column generation), and for LEXIMIN, column generation alone in the same time
//! budget (the method the polytope replaced), the LEGACY greedy (frequencies over many draws),
//! a uniform draw stratified by family situation (seats per situation fixed within its quota,
//! uniform inside each) and a uniform draw that ignores the quotas: minimum probability, Gini coefficient, max/min, and how often the uniform draws
//! break a quota. `--sweep` runs LEXIMIN on smaller pools instead, 8 seeds each.

use std::time::Instant;

use clap::Parser;
use ecoute::workshops::selection::legacy::legacy_type_frequencies;
use ecoute::workshops::selection::stats::{Spread, spread};
use ecoute::workshops::selection::{Fair, Instance, Method, Options, Types, draw, leximin};
use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;

mod pool;
use pool::synthetic_pool;

#[derive(Parser)]
#[command(
    name = "ecoute-panel-bench",
    about = "LEXIMIN panel selection against greedy and uniform draws"
)]
struct Args {
    #[arg(long, default_value_t = 5_000)]
    volunteers: usize,
    #[arg(long, default_value_t = 40)]
    seats: u32,
    /// Greedy and uniform draws used to estimate their probabilities.
    #[arg(long, default_value_t = 20_000)]
    runs: usize,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// LEXIMIN time budget, in seconds.
    #[arg(long, default_value_t = 4.0)]
    budget: f64,
    /// Instead: LEXIMIN on smaller pools (8 seeds each), to see how often the quota polytope
    /// decomposes and how long column generation takes when it does not.
    #[arg(long)]
    sweep: bool,
    /// Criteria: the six of a Caf recruitment, then generic ones of three values (up to 12).
    #[arg(long, default_value_t = 6)]
    features: usize,
    /// Instead: write the pool as `ecoute panel`'s CSV files (categories.csv, respondents.csv)
    /// into this folder, quotas in seats for `--seats`, and stop.
    #[arg(long)]
    write_pool: Option<std::path::PathBuf>,
}

fn sweep(budget: f64) -> anyhow::Result<()> {
    println!("volunteers seats seed  time     method             complete levels");
    for (volunteers, seats) in [(300, 12), (600, 20), (1_500, 30), (5_000, 40)] {
        for seed in 0..8 {
            let instance = synthetic_pool(volunteers, seats, 6, seed);
            let started = Instant::now();
            let options = Options {
                time_budget: std::time::Duration::from_secs_f64(budget),
                ..Options::default()
            };
            match leximin(&instance, &options) {
                Ok(fair) => println!(
                    "{volunteers:>10} {seats:>5} {seed:>4} {:>6.2} s  {:<18} {:<8} {}",
                    started.elapsed().as_secs_f64(),
                    format!("{:?}", fair.via),
                    fair.complete,
                    fair.levels
                ),
                Err(e) => println!("{volunteers:>10} {seats:>5} {seed:>4} {e}"),
            }
        }
    }
    Ok(())
}

fn line(name: &str, s: &Spread, uniform: f64) {
    println!(
        "{name:<28} min {:.5} ({:>5.1} % of k/n)   max {:.5}   Gini {:.3}   max/min {:>7.2}",
        s.min,
        100.0 * s.min / uniform,
        s.max,
        s.gini,
        s.max_over_min
    );
}

/// The paper's column generation alone, same budget: what the fast path replaced.
fn column_generation_alone(instance: &Instance, options: &Options) -> anyhow::Result<Fair> {
    let started = Instant::now();
    let columns = leximin(
        instance,
        &Options {
            method: Method::ColumnGeneration,
            ..options.clone()
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}: {e:?}"))?;
    println!(
        "column generation alone: {:.2} s, {} levels{}, {} panels",
        started.elapsed().as_secs_f64(),
        columns.levels,
        if columns.complete { "" } else { " (time budget reached)" },
        columns.panels.len()
    );
    Ok(columns)
}

/// Uniform draws with no quotas: each volunteer's frequency, and how many panels break a quota.
fn uniform_baseline(instance: &Instance, args: &Args, rng: &mut ChaCha8Rng) -> (Vec<f64>, usize) {
    let mut uniform_counts = vec![0u32; args.volunteers];
    let mut uniform_broken = 0;
    for _ in 0..args.runs {
        let panel = sample(rng, args.volunteers, args.seats as usize).into_vec();
        if !instance.satisfied_by(&panel) {
            uniform_broken += 1;
        }
        for i in panel {
            uniform_counts[i] += 1;
        }
    }
    let uniform_freq: Vec<f64> = uniform_counts
        .iter()
        .map(|&c| f64::from(c) / args.runs as f64)
        .collect();
    (uniform_freq, uniform_broken)
}

/// Uniform draws stratified by the first criterion: each volunteer's exact probability, the
/// seats per stratum, and how many panels break a quota.
fn stratified_baseline(
    instance: &Instance,
    args: &Args,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<(Vec<f64>, Vec<u32>, usize)> {
    // Stratified by the first criterion (family situation): seats per situation proportional
    // to the pool, moved into the situation's quota, then adjusted to the panel size; uniform
    // inside each stratum. Probabilities are exact (seats / stratum size).
    let strata = instance.values[0];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); strata];
    for (i, p) in instance.profiles.iter().enumerate() {
        members[p[0]].push(i);
    }
    let bounds = &instance.quotas[0];
    let mut seats_of: Vec<u32> = (0..strata)
        .map(|v| {
            let share = f64::from(args.seats) * members[v].len() as f64 / args.volunteers as f64;
            (share.round() as u32).clamp(bounds[v].min, bounds[v].max)
        })
        .collect();
    while seats_of.iter().sum::<u32>() != args.seats {
        let over = seats_of.iter().sum::<u32>() > args.seats;
        // Move one seat where the quota allows, largest stratum first.
        let mut order: Vec<usize> = (0..strata).collect();
        order.sort_by_key(|&v| std::cmp::Reverse(members[v].len()));
        let Some(&v) = order.iter().find(|&&v| {
            if over {
                seats_of[v] > bounds[v].min
            } else {
                seats_of[v] < bounds[v].max && (seats_of[v] as usize) < members[v].len()
            }
        }) else {
            anyhow::bail!("no stratified allocation within the family quotas");
        };
        if over {
            seats_of[v] -= 1;
        } else {
            seats_of[v] += 1;
        }
    }
    let stratified: Vec<f64> = instance
        .profiles
        .iter()
        .map(|p| f64::from(seats_of[p[0]]) / members[p[0]].len() as f64)
        .collect();
    let mut stratified_broken = 0;
    for _ in 0..args.runs {
        let mut panel = Vec::with_capacity(args.seats as usize);
        for v in 0..strata {
            let picked = sample(rng, members[v].len(), seats_of[v] as usize);
            panel.extend(picked.iter().map(|i| members[v][i]));
        }
        if !instance.satisfied_by(&panel) {
            stratified_broken += 1;
        }
    }
    Ok((stratified, seats_of, stratified_broken))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.sweep {
        return sweep(args.budget);
    }
    if let Some(dir) = &args.write_pool {
        return pool::write_pool(&args, dir);
    }
    let instance = synthetic_pool(args.volunteers, args.seats, args.features, args.seed);
    let types = Types::group(&instance);
    let uniform = f64::from(args.seats) / args.volunteers as f64;
    println!(
        "pool: {} volunteers, {} criteria, {} distinct profiles; panel of {}; k/n = {uniform:.5}",
        args.volunteers,
        instance.values.len(),
        types.len(),
        args.seats
    );

    let started = Instant::now();
    let options = Options {
        time_budget: std::time::Duration::from_secs_f64(args.budget),
        ..Options::default()
    };
    let fair = leximin(&instance, &options).map_err(|e| anyhow::anyhow!("{e}: {e:?}"))?;
    let elapsed = started.elapsed();
    println!(
        "LEXIMIN: {:.2} s via {:?}, {} levels{}, {} panels in the portfolio",
        elapsed.as_secs_f64(),
        fair.via,
        fair.levels,
        if fair.complete {
            ""
        } else {
            " (time budget reached: later levels are lower bounds)"
        },
        fair.panels.len()
    );
    let broken = (0..1_000)
        .filter(|&s| !instance.satisfied_by(&draw(&fair, s).panel))
        .count();
    println!("LEXIMIN draws breaking a quota: {broken} of 1000");

    let columns = column_generation_alone(&instance, &options)?;

    let started = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed + 1);
    let legacy_types = legacy_type_frequencies(&instance, &types, args.runs, &mut rng);
    let legacy: Vec<f64> = types.of_volunteer.iter().map(|&t| legacy_types[t]).collect();
    let legacy_time = started.elapsed();

    let (uniform_freq, uniform_broken) = uniform_baseline(&instance, &args, &mut rng);
    let (stratified, seats_of, stratified_broken) = stratified_baseline(&instance, &args, &mut rng)?;

    println!();
    let name = if fair.complete {
        "LEXIMIN"
    } else {
        "LEXIMIN (time-limited)"
    };
    line(name, &spread(&fair.probabilities), uniform);
    line(
        if columns.complete {
            "column generation alone"
        } else {
            "column generation (limited)"
        },
        &spread(&columns.probabilities),
        uniform,
    );
    line(
        &format!("LEGACY greedy ({} draws)", args.runs),
        &spread(&legacy),
        uniform,
    );
    line("uniform, stratified (family)", &spread(&stratified), uniform);
    line(
        &format!("uniform, no quotas ({})", args.runs),
        &spread(&uniform_freq),
        uniform,
    );
    println!(
        "\nLEGACY estimated from {} draws in {:.2} s (per-profile frequencies: the minimum of small profiles is noisy).",
        args.runs,
        legacy_time.as_secs_f64()
    );
    println!(
        "stratified draws (seats per family situation {seats_of:?}) breaking a quota: {stratified_broken} of {} ({:.1} %)",
        args.runs,
        100.0 * stratified_broken as f64 / args.runs as f64
    );
    println!(
        "uniform draws breaking a quota: {uniform_broken} of {} ({:.1} %)",
        args.runs,
        100.0 * uniform_broken as f64 / args.runs as f64
    );
    Ok(())
}
