//! `ecoute panel`: the fair selection engine on any pool, offline (no database, no server),
//! from the field's two CSV files (see [`selection::pool`] and `docs/workshops.md`).
//!
//! It reads the quotas and the respondents, computes the selection probabilities with the
//! method asked for, draws one panel (and `--draws N` more) from the seed, writes
//! `probabilities.csv`, `panel.csv` and `draws.csv` into `--out` all at once ([`output`]), and
//! prints one line of summary (JSON with `--json`). Bad input and infeasible quotas are
//! explained on standard error (and as JSON with `--json`) with exit code 2, before anything
//! is written.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::json;

use super::infeasible;
use super::selection::pool::{Columns, InputErrors, Pool};
use super::selection::{self, Algorithm, Fair, Infeasibility, SelectionError, stats};
use crate::web::i18n::Lang;

pub mod output;
mod summary;

/// `ecoute panel`'s arguments.
#[derive(Clone, Debug, clap::Args)]
pub struct Args {
    /// Quotas: feature,value,min,max[,min_flex,max_flex], bounds in seats.
    #[arg(long)]
    categories: PathBuf,
    /// Volunteers: an id column, one column per feature, any others (kept in panel.csv).
    #[arg(long)]
    respondents: PathBuf,
    /// Seats on the panel.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    seats: u32,
    /// leximin, maximin, nash or legacy.
    #[arg(long, default_value = "leximin")]
    method: Algorithm,
    /// Seed of the draws (default: drawn at random, and printed).
    #[arg(long)]
    seed: Option<u64>,
    /// Also draw N panels from the distribution into draws.csv (needs --out).
    #[arg(long, default_value_t = 0, requires = "out")]
    draws: u32,
    /// The id column (default: id, else the line number).
    #[arg(long)]
    id_column: Option<String>,
    /// Columns that make a household (comma-separated): at most one person per household.
    #[arg(long, value_delimiter = ',')]
    household: Vec<String>,
    /// Folder for probabilities.csv, panel.csv and draws.csv (written all at once).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The summary as JSON (errors too).
    #[arg(long)]
    json: bool,
    /// Seconds the method may take before it settles for the best found so far.
    #[arg(long, default_value_t = 60.0)]
    time_limit: f64,
}

impl Args {
    pub fn options(self) -> anyhow::Result<Options> {
        let time_limit = Duration::try_from_secs_f64(self.time_limit)
            .map_err(|_| anyhow::anyhow!("--time-limit {}: give a number of seconds", self.time_limit))?;
        Ok(Options {
            categories: self.categories,
            respondents: self.respondents,
            seats: self.seats,
            algorithm: self.method,
            seed: self.seed,
            draws: self.draws,
            id_column: self.id_column,
            household: self.household,
            out: self.out,
            json: self.json,
            time_limit,
        })
    }
}

/// The command's options, as [`Args`] gives them.
#[derive(Clone, Debug)]
pub struct Options {
    pub categories: PathBuf,
    pub respondents: PathBuf,
    pub seats: u32,
    pub algorithm: Algorithm,
    /// `None`: drawn at random, and printed.
    pub seed: Option<u64>,
    /// Panels to draw into `draws.csv` (0: no such file).
    pub draws: u32,
    pub id_column: Option<String>,
    pub household: Vec<String>,
    pub out: Option<PathBuf>,
    pub json: bool,
    pub time_limit: Duration,
}

/// Exit code of bad input and infeasible quotas.
const REFUSED: u8 = 2;

/// Runs the command; what went wrong is printed here, the exit code says what kind.
pub fn run(options: &Options) -> ExitCode {
    match select_and_write(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(errors)) => {
            eprintln!("error: the input files are not usable:");
            for e in &errors.0 {
                eprintln!("  {e}");
            }
            if options.json {
                println!("{}", json!({"error": "bad_input", "problems": errors.0}));
            }
            ExitCode::from(REFUSED)
        }
        Err(Failure::Infeasible(pool, reasons)) => {
            let explained: Vec<String> = reasons.iter().map(|r| explain(&pool, r)).collect();
            eprintln!("error: no panel of {} seats meets the quotas:", options.seats);
            for line in &explained {
                eprintln!("  - {line}");
            }
            if options.json {
                let reasons: Vec<_> = reasons
                    .iter()
                    .zip(&explained)
                    .map(|(r, text)| json!({"reason": r, "message": text}))
                    .collect();
                println!("{}", json!({"error": "infeasible", "reasons": reasons}));
            }
            ExitCode::from(REFUSED)
        }
        Err(Failure::Refused(message)) => {
            eprintln!("error: {message}");
            if options.json {
                println!("{}", json!({"error": "refused", "message": message}));
            }
            ExitCode::from(REFUSED)
        }
        Err(Failure::Other(error)) => {
            eprintln!("error: {error:#}");
            if options.json {
                println!("{}", json!({"error": "failed", "message": format!("{error:#}")}));
            }
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    Input(InputErrors),
    Infeasible(Box<Pool>, Vec<Infeasibility>),
    /// Input that reads well but cannot be used (an `--out` that is a file).
    Refused(String),
    Other(anyhow::Error),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Other(e.into())
    }
}

fn select_and_write(options: &Options) -> Result<(), Failure> {
    if let Some(out) = options.out.as_ref().filter(|o| o.exists() && !o.is_dir()) {
        return Err(Failure::Refused(format!(
            "--out {} is a file: name a folder",
            out.display()
        )));
    }
    let columns = Columns {
        id: options.id_column.clone(),
        household: options.household.clone(),
    };
    let pool = Pool::read(&options.categories, &options.respondents, &columns).map_err(Failure::Input)?;
    let instance = pool.instance(options.seats);
    let seed = options.seed.unwrap_or_else(rand::random);
    let started = Instant::now();
    let settings = selection::Options {
        time_budget: options.time_limit,
        legacy_seed: seed,
        ..selection::Options::default()
    };
    let fair = match selection::select(&instance, options.algorithm, &settings) {
        Ok(fair) => fair,
        Err(SelectionError::Infeasible(reasons)) => return Err(Failure::Infeasible(Box::new(pool), reasons)),
        Err(SelectionError::Invalid(e)) => return Err(Failure::Refused(e)),
        Err(e) => return Err(Failure::Other(anyhow::anyhow!("selection: {e}"))),
    };
    let seconds = started.elapsed().as_secs_f64();
    if fair.via == selection::Method::Approximate {
        // Above the threshold the exact path is not tried; below it, it did not finish in time
        // and the approximate result was the better one (selection's leximin/fallback.rs).
        let why = if fair.types.len() > settings.exact_types {
            format!(
                "{} distinct profiles are too many for the exact method",
                fair.types.len()
            )
        } else {
            "the exact method did not finish within the time limit".to_owned()
        };
        eprintln!(
            "note: {why}: the probabilities come from the approximate method, whose distance \
             from the best possible is the bound's percentage"
        );
    } else if !fair.complete {
        eprintln!(
            "warning: the time limit ({} s) stopped {} before it finished: the probabilities are \
             valid but may be below the best possible (see the bound); raise --time-limit",
            options.time_limit.as_secs_f64(),
            options.algorithm.name()
        );
    }
    let panel = selection::draw(&fair, seed).panel;
    if let Some(out) = &options.out {
        let files = files(&pool, &fair, &panel, seed, options.draws)?;
        let stale: &[&str] = if options.draws == 0 { &["draws.csv"] } else { &[] };
        output::write_all(out, &files, stale)
            .map_err(|e| Failure::Other(anyhow::anyhow!("cannot write into {}: {e}", out.display())))?;
    }
    let summary = summary::Summary::new(options, &pool, &fair, &panel, seed, seconds);
    if options.json {
        println!(
            "{}",
            serde_json::to_string(&summary).map_err(|e| Failure::Other(e.into()))?
        );
    } else {
        println!("{}", summary.line());
    }
    Ok(())
}

/// `probabilities.csv`, `panel.csv` and, with draws, `draws.csv`.
fn files(pool: &Pool, fair: &Fair, panel: &[usize], seed: u64, draws: u32) -> Result<Vec<output::File>, Failure> {
    let probabilities = std::iter::once(["id".to_owned(), "probability".to_owned()]).chain(
        pool.ids
            .iter()
            .zip(&fair.probabilities)
            .map(|(id, p)| [id.clone(), format!("{:.10}", p.clamp(0.0, 1.0))]),
    );
    let panel_rows = std::iter::once(&pool.headers).chain(panel.iter().map(|&i| &pool.rows[i]));
    let mut files = vec![
        output::File {
            name: "probabilities.csv",
            contents: output::csv_bytes(probabilities)?,
        },
        output::File {
            name: "panel.csv",
            contents: output::csv_bytes(panel_rows)?,
        },
    ];
    if draws > 0 {
        // Draw d (from 1) uses seed + d − 1: the first is the panel of `panel.csv`.
        let rows = (1..=draws).flat_map(|d| {
            let drawn = selection::draw(fair, seed.wrapping_add(u64::from(d - 1))).panel;
            drawn.into_iter().map(move |i| [d.to_string(), pool.ids[i].clone()])
        });
        files.push(output::File {
            name: "draws.csv",
            contents: output::csv_bytes(std::iter::once(["draw".to_owned(), "id".to_owned()]).chain(rows))?,
        });
    }
    Ok(files)
}

/// A reason in English words, quotas named as in the categories file.
fn explain(pool: &Pool, reason: &Infeasibility) -> String {
    infeasible::explain(
        reason,
        &|key| Lang::En.text(key),
        &|c, v| format!("\"{}\"", pool.quota_name(c, v)),
        &|c| format!("\"{}\"", pool.features[c].name),
    )
}

/// The spread of the probabilities, for the summary.
fn spread(fair: &Fair) -> stats::Spread {
    stats::spread(&fair.probabilities)
}
