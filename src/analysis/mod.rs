//! Semantic analysis of what people wrote: themes, key phrases, near-duplicates, priorities.
//!
//! The engine is the `ecoute-analysis` crate (`crates/ecoute-analysis`): pure computation that
//! knows nothing of the platform, re-exported here so that `crate::analysis::text` and the
//! like name it: [`text`], [`stopwords`], [`corpus`], [`typos`], [`vectors`], [`lsa`],
//! [`cluster`], [`labels`], [`engine`], [`source`] (texts read in batches), [`choice`],
//! [`duplicates`], [`priority`], [`versions`] (keys that
//! survive re-runs, and the operator's renames, merges and splits), [`quality`], [`parallel`].
//! The method is told for operators in `docs/analysis.md`.
//!
//! Around it, in this crate: [`cli`] (`ecoute analyse FILE.csv`); for the platform, [`job`]
//! (the background run of a campaign), [`contributions`] (what it reads), [`stored`] (those
//! contributions streamed to the engine), [`store`] (its
//! tables), [`profiles`] (the profile question), [`report`] (what the pages and results
//! show) and [`filing`] (ideas filed under a theme by hand, from the contributions console).
//! The console pages are in [`console`].

pub mod cli;
pub mod console;
pub mod contributions;
pub mod filing;
pub mod job;
pub mod profiles;
pub mod report;
pub mod store;
pub mod stored;

pub use ecoute_analysis::{
    Analysis, AnalysisError, MAX_THEMES, MIN_THEMED, Params, Stage, TextSource, Theme, ThemeCount, analyse,
    analyse_source, choice, cluster, corpus, duplicates, engine, labels, lsa, parallel, phrase_label, priority,
    quality, source, stopwords, text, typos, vectors, versions,
};

pub use filing::{file_under, themes_to_file_under};

/// The analysis console's routes are the domain's.
pub use console::routes;
