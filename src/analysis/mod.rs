//! Semantic analysis of what people wrote: themes, key phrases, near-duplicates, priorities.
//!
//! In-house, in French, explainable, fast: 120,000 short answers take a few seconds on two
//! cores. The method is told for operators in `docs/analysis.md`.
//!
//! The engine is pure computation and knows nothing of the platform:
//! - [`text`], [`stopwords`]: the French pipeline (normalisation, elisions, stems);
//! - [`vectors`]: phrases and TF-IDF; [`lsa`]: latent semantic analysis;
//! - [`cluster`]: spherical k-means with balance guards; [`labels`]: key phrases,
//!   representatives; [`engine`]: the whole run and the choice of the number of themes;
//! - [`duplicates`]: MinHash near-duplicates; [`priority`]: the score of salient points;
//! - [`quality`]: NMI, for the benchmark and tests.
//!
//! Around it: [`cli`] (`ecoute analyse FILE.csv`); for the platform, [`job`] (the background
//! run of a campaign), [`contributions`] (what it reads), [`store`] (its tables), [`profiles`]
//! (the profile question), [`versions`] (keys that survive re-runs, and
//! the operator's renames, merges and splits) and [`report`] (what the pages and results show).
//! The console pages are in [`console`].

pub mod cli;
pub mod cluster;
pub mod console;
pub mod contributions;
pub mod duplicates;
pub mod engine;
pub mod fxhash;
pub mod job;
pub mod labels;
pub mod lsa;
pub mod priority;
pub mod profiles;
pub mod quality;
pub mod report;
pub mod stopwords;
pub mod store;
pub mod text;
pub mod vectors;
pub mod versions;

/// The analysis console's routes are the domain's.
pub use console::routes;
pub use engine::{Analysis, AnalysisError, MAX_THEMES, Params, Stage, Theme, ThemeCount, analyse};
