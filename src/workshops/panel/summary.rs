//! The one line `ecoute panel` prints on success, and the same as JSON.

use serde::Serialize;

use super::{Options, Pool, spread};
use crate::workshops::selection::{Algorithm, Fair};

/// What a run did and how fair its probabilities are.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub algorithm: Algorithm,
    /// `polytope`, `column_generation`, `frank_wolfe` or `greedy`.
    pub method: crate::workshops::selection::Method,
    /// `false` when the time limit stopped the method before it finished.
    pub complete: bool,
    pub respondents: usize,
    pub seats: u32,
    pub seconds: f64,
    pub min_probability: f64,
    pub max_probability: f64,
    pub gini: f64,
    pub geometric_mean: f64,
    /// The best any portfolio can do on the method's own measure, where the method has one.
    pub bound: Option<Bound>,
    pub seed: u64,
    /// Panels in the distribution drawn from.
    pub portfolio: usize,
    /// The ids of the panel drawn with the seed, in the respondents' order.
    pub panel: Vec<String>,
    /// Panels in `draws.csv` (0: none written).
    pub draws: u32,
    /// Where the files went, if anywhere.
    pub out: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Bound {
    /// `min_probability` or `geometric_mean`.
    pub measure: &'static str,
    pub value: f64,
    /// The measure reached, in per cent of the bound: how far from optimal the run may be.
    pub percent: f64,
}

impl Summary {
    pub fn new(options: &Options, pool: &Pool, fair: &Fair, panel: &[usize], seed: u64, seconds: f64) -> Summary {
        let spread = spread(fair);
        let measure = match fair.algorithm {
            Algorithm::Nash => "geometric_mean",
            _ => "min_probability",
        };
        Summary {
            algorithm: fair.algorithm,
            method: fair.via,
            complete: fair.complete,
            respondents: pool.ids.len(),
            seats: options.seats,
            seconds,
            min_probability: spread.min,
            max_probability: spread.max,
            gini: spread.gini,
            geometric_mean: spread.geometric_mean,
            bound: fair.bound.map(|value| {
                let reached = if measure == "geometric_mean" {
                    spread.geometric_mean
                } else {
                    spread.min
                };
                let percent = if value > 0.0 { 100.0 * reached / value } else { 100.0 };
                Bound {
                    measure,
                    value,
                    percent,
                }
            }),
            seed,
            portfolio: fair.panels.len(),
            panel: panel.iter().map(|&i| pool.ids[i].clone()).collect(),
            draws: if options.out.is_some() { options.draws } else { 0 },
            out: options.out.as_ref().map(|o| o.display().to_string()),
        }
    }

    /// `leximin (quota polytope): 200 respondents, 20 seats, 0.01 s; min probability 0.1000
    /// (best possible ≤ 0.1000, reached 100.0 %), Gini 0.000, geometric mean 0.1000; seed 42`.
    pub fn line(&self) -> String {
        let bound_of = |measure: &str| match &self.bound {
            Some(b) if b.measure == measure => {
                format!(" (best possible ≤ {:.4}, reached {:.1} %)", b.value, b.percent)
            }
            _ => String::new(),
        };
        let bound = bound_of("min_probability");
        let geometric_bound = bound_of("geometric_mean");
        let stopped = if self.complete { "" } else { ", time limit reached" };
        let written = match &self.out {
            Some(out) => format!("; written to {out}"),
            None => String::new(),
        };
        format!(
            "{} ({}{stopped}): {} respondents, {} seats, {:.2} s; min probability {:.4}{bound}, Gini {:.3}, \
             geometric mean {:.4}{geometric_bound}; seed {}{written}",
            self.algorithm.name(),
            self.method.name(),
            self.respondents,
            self.seats,
            self.seconds,
            self.min_probability,
            self.gini,
            self.geometric_mean,
            self.seed,
        )
    }
}
