//! The semantic analysis engine of ecoute: themes, key phrases, near-duplicates, priorities of
//! what people wrote, in French.
//!
//! Pure computation: it knows nothing of the database or HTTP, so editing a page of the
//! platform does not rebuild it. In-house, explainable, fast: 120,000 short answers take a few
//! seconds on two cores. The method is told for operators in `docs/analysis.md`.
//!
//! - [`text`], [`stopwords`]: the French pipeline (normalisation, elisions, stems);
//! - [`corpus`]: the texts as word ids; [`typos`]: rare misspellings; [`vectors`]: phrases and
//!   TF-IDF; [`lsa`]: latent semantic analysis;
//! - [`cluster`]: spherical k-means with balance guards; [`labels`]: key phrases,
//!   representatives; [`phrase_label`]: readable labels from the texts; [`engine`]: the whole run and the choice of the number of themes;
//! - [`duplicates`]: MinHash near-duplicates; [`priority`]: the score of salient points;
//! - [`versions`]: theme keys that survive re-runs, and the operator's renames, merges and splits;
//! - [`quality`]: NMI, for the benchmark and tests;
//! - [`parallel`]: the loops over rows, on rayon's pool; [`source`]: texts read in batches,
//!   then a few fetched again, so that a large campaign is never held whole;
//! - [`choice`]: the number of themes.
//!
//! Maps keyed by words and phrases use `rustc_hash` (no protection against chosen keys is
//! needed for counting words); random starts come from a seeded ChaCha8 generator, so a run is
//! reproducible. The platform's side (the background job, the tables, the console) is
//! `ecoute::analysis`, which re-exports these modules.

pub mod choice;
pub mod cluster;
pub mod corpus;
pub mod duplicates;
pub mod engine;
pub mod labels;
pub mod lsa;
pub mod parallel;
pub mod phrase_label;
pub mod priority;
pub mod quality;
pub mod source;
pub mod stopwords;
pub mod text;
pub mod typos;
pub mod vectors;
pub mod versions;

pub use engine::{
    Analysis, AnalysisError, MAX_THEMES, MIN_THEMED, Params, Stage, Theme, ThemeCount, analyse, analyse_source,
};
pub use source::{Slice, TextSource};
