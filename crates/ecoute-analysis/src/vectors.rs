//! From texts to weighted vectors: the corpus of word ids, frequent phrases, TF-IDF.
//!
//! - **Phrases.** Two content words that follow each other in a clause, with at most two stop
//!   words between them (`congé parental`, `taxe d'habitation`, `impôt sur la fortune`), become a
//!   phrase when enough contributions use them together and they stick together more than chance
//!   would have it (normalised pointwise mutual information). A phrase is spelled as people most
//!   often wrote it.
//! - **Weights.** Each contribution is a vector over terms (stems) and phrases. A term's weight is
//!   `(1 + ln tf) × idf`: sublinear in its count, so that repeating a word does not drown the
//!   rest, and scaled by its rarity, `idf = ln((1 + N) / (1 + df)) + 1`. Terms used by a single
//!   contribution, and terms in more than half of them, are left out. Vectors are scaled to length
//!   one, so that long and short contributions compare by what they say, not by how much.

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

pub use super::corpus::Corpus;
use super::parallel::par_ranges;
use super::text::{BREAK, Lexicon, STOP};
use super::typos::typo_aliases;

/// Settings of the vectoriser.
#[derive(Debug, Clone)]
pub struct VectorParams {
    /// A term must appear in at least this many contributions.
    pub min_df: usize,
    /// A term in more than this share of contributions is left out.
    pub max_df_share: f64,
    /// A phrase must appear in at least this many contributions.
    pub min_phrase_df: usize,
    /// Minimum normalised PMI of a phrase (0: independent, 1: always together).
    pub min_phrase_npmi: f64,
    /// At most this many phrases are kept (the most frequent).
    pub max_phrases: usize,
}

impl VectorParams {
    /// Defaults scaled to the number of contributions.
    pub fn for_corpus(n: usize) -> Self {
        VectorParams {
            min_df: 2,
            max_df_share: 0.5,
            min_phrase_df: (n / 4000).clamp(3, 20),
            min_phrase_npmi: 0.3,
            max_phrases: 20_000,
        }
    }
}

/// What a column of the matrix stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    Term(u32),
    Phrase(u32),
}

/// A sparse matrix, one row per contribution (compressed sparse rows).
#[derive(Debug, Clone, Default)]
pub struct Csr {
    pub n_cols: usize,
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl Csr {
    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let r = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[r.clone()], &self.values[r])
    }

    pub fn nnz(&self) -> usize {
        self.indices.len()
    }
}

/// The weighted vectors and what their columns mean.
pub struct Vectors {
    pub matrix: Csr,
    pub features: Vec<Feature>,
    /// Contributions using each feature.
    pub df: Vec<u32>,
    /// Phrases as pairs of terms, and how they are spelled.
    pub phrases: Vec<(u32, u32)>,
    pub phrase_surface: Vec<String>,
    /// Each term's most frequent spelling.
    pub term_surface: Vec<String>,
}

impl Vectors {
    /// How a feature reads in a label.
    pub fn surface(&self, feature: usize) -> &str {
        match self.features[feature] {
            Feature::Term(t) => &self.term_surface[t as usize],
            Feature::Phrase(p) => &self.phrase_surface[p as usize],
        }
    }
}

/// Content-word pairs of one contribution, each with the word ids that spell it.
fn for_each_pair(corpus: &Corpus, doc: usize, mut f: impl FnMut(u32, u32, &[u32])) {
    let lexicon = &corpus.lexicon;
    let words = corpus.doc(doc);
    // Position of the previous content word in this clause.
    let mut previous: Option<usize> = None;
    for (i, &w) in words.iter().enumerate() {
        if w == BREAK {
            previous = None;
            continue;
        }
        let term = lexicon.term_of(w);
        if term == STOP {
            continue;
        }
        if let Some(p) = previous
            && i - p <= 3
        {
            let a = lexicon.term_of(words[p]);
            if a != term {
                f(a, term, &words[p..=i]);
            }
        }
        previous = Some(i);
    }
}

fn pair_key(a: u32, b: u32) -> u64 {
    ((a as u64) << 32) | b as u64
}

/// Builds the TF-IDF vectors of a corpus.
pub fn vectorize(corpus: &Corpus, params: &VectorParams) -> Vectors {
    let n = corpus.len();
    let lexicon = &corpus.lexicon;
    let n_terms = lexicon.terms.len();

    let (mut term_df, pair_df) = document_frequencies(corpus);

    // Typos: a rare term one letter away from a much more frequent one counts as it.
    let alias = typo_aliases(&lexicon.terms, &term_df);
    for (t, &a) in alias.iter().enumerate() {
        if a as usize != t {
            term_df[a as usize] += term_df[t];
            term_df[t] = 0;
        }
    }

    // Phrases: frequent pairs that stick together.
    let nf = n.max(1) as f64;
    let phrases = frequent_phrases(pair_df, &term_df, nf, params);
    let phrase_index: HashMap<u64, u32, FxBuildHasher> =
        phrases.iter().enumerate().map(|(i, &(k, _))| (k, i as u32)).collect();

    // Features: kept terms, then phrases.
    let max_df = (params.max_df_share * nf).ceil() as u32;
    let mut feature_of_term = vec![u32::MAX; n_terms];
    let mut features = Vec::new();
    let mut df = Vec::new();
    for (t, &d) in term_df.iter().enumerate() {
        if d as usize >= params.min_df && d <= max_df {
            feature_of_term[t] = features.len() as u32;
            features.push(Feature::Term(t as u32));
            df.push(d);
        }
    }
    let first_phrase = features.len() as u32;
    for (i, &(_, d)) in phrases.iter().enumerate() {
        features.push(Feature::Phrase(i as u32));
        df.push(d);
    }
    let idf: Vec<f32> = df
        .iter()
        .map(|&d| ((1.0 + nf) / (1.0 + d as f64)).ln() as f32 + 1.0)
        .collect();

    // Spellings: each term's most frequent surface form (each phrase's comes with the rows).
    let term_surface = term_surfaces(lexicon);

    let weights = Weights {
        feature_of_term: &feature_of_term,
        alias: &alias,
        phrase_index: &phrase_index,
        first_phrase,
        idf: &idf,
    };
    let (matrix, spellings) = weighted_rows(corpus, &weights, features.len());
    let phrase_surface = phrase_surfaces(lexicon, spellings, phrases.len());

    Vectors {
        matrix,
        features,
        df,
        phrases: phrases
            .iter()
            .map(|&(k, _)| ((k >> 32) as u32, (k & 0xffff_ffff) as u32))
            .collect(),
        phrase_surface,
        term_surface,
    }
}

/// Document frequencies of terms and of content-word pairs, one part per thread.
fn document_frequencies(corpus: &Corpus) -> (Vec<u32>, HashMap<u64, u32, FxBuildHasher>) {
    let lexicon = &corpus.lexicon;
    let n_terms = lexicon.terms.len();
    let parts = par_ranges(corpus.len(), |range| {
        let mut term_df = vec![0u32; n_terms];
        let mut pair_df: HashMap<u64, u32, FxBuildHasher> = HashMap::default();
        let mut seen_terms: Vec<u32> = Vec::new();
        let mut seen_pairs: Vec<u64> = Vec::new();
        for doc in range {
            seen_terms.clear();
            seen_pairs.clear();
            for &w in corpus.doc(doc) {
                if w != BREAK && lexicon.term_of(w) != STOP {
                    seen_terms.push(lexicon.term_of(w));
                }
            }
            for_each_pair(corpus, doc, |a, b, _| seen_pairs.push(pair_key(a, b)));
            seen_terms.sort_unstable();
            seen_terms.dedup();
            seen_pairs.sort_unstable();
            seen_pairs.dedup();
            for &t in &seen_terms {
                term_df[t as usize] += 1;
            }
            for &p in &seen_pairs {
                *pair_df.entry(p).or_insert(0) += 1;
            }
        }
        (term_df, pair_df)
    });
    let mut parts = parts.into_iter();
    let (mut term_df, mut pair_df) = parts.next().expect("one part at least");
    for (part_terms, part_pairs) in parts {
        for (total, d) in term_df.iter_mut().zip(part_terms) {
            *total += d;
        }
        for (key, d) in part_pairs {
            *pair_df.entry(key).or_insert(0) += d;
        }
    }
    (term_df, pair_df)
}

/// Frequent pairs that stick together (normalised pointwise mutual information), most
/// frequent first: `(pair key, document frequency)`.
fn frequent_phrases(
    pair_df: HashMap<u64, u32, FxBuildHasher>,
    term_df: &[u32],
    nf: f64,
    params: &VectorParams,
) -> Vec<(u64, u32)> {
    let mut phrases: Vec<(u64, u32)> = pair_df
        .iter()
        .filter(|&(&key, &df)| {
            if (df as usize) < params.min_phrase_df {
                return false;
            }
            let (a, b) = ((key >> 32) as usize, (key & 0xffff_ffff) as usize);
            let p_ab = df as f64 / nf;
            let p_a = term_df[a] as f64 / nf;
            let p_b = term_df[b] as f64 / nf;
            let npmi = (p_ab / (p_a * p_b)).ln() / -p_ab.ln();
            npmi >= params.min_phrase_npmi
        })
        .map(|(&k, &df)| (k, df))
        .collect();
    phrases.sort_unstable_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    phrases.truncate(params.max_phrases);
    phrases
}

/// Each term's most frequent surface form (empty for a term never written).
fn term_surfaces(lexicon: &Lexicon) -> Vec<String> {
    let n_terms = lexicon.terms.len();
    let mut best_word: Vec<(u32, u32)> = vec![(0, u32::MAX); n_terms];
    for (w, &t) in lexicon.word_term.iter().enumerate() {
        if t != STOP {
            let count = lexicon.word_count[w];
            let best = &mut best_word[t as usize];
            if best.1 == u32::MAX || count > best.0 {
                *best = (count, w as u32);
            }
        }
    }
    best_word
        .iter()
        .map(|&(_, w)| {
            if w == u32::MAX {
                String::new()
            } else {
                lexicon.spelling(w).into_owned()
            }
        })
        .collect()
}

/// What [`weighted_rows`] needs of the vocabulary: the feature of each kept term (after its
/// typo alias), the phrases' index and first column, and the columns' idf.
#[derive(Clone, Copy)]
struct Weights<'a> {
    feature_of_term: &'a [u32],
    alias: &'a [u32],
    phrase_index: &'a HashMap<u64, u32, FxBuildHasher>,
    first_phrase: u32,
    idf: &'a [f32],
}

/// How often each phrase (by index) was met spelled with which words.
type Spellings = HashMap<(u32, [u32; 4]), u32, FxBuildHasher>;

/// The TF-IDF matrix, one block of rows per thread, rows scaled to length one, with the
/// spellings of the phrases met.
fn weighted_rows(corpus: &Corpus, weights: &Weights, n_cols: usize) -> (Csr, Spellings) {
    let n = corpus.len();
    let lexicon = &corpus.lexicon;
    let Weights {
        feature_of_term,
        alias,
        phrase_index,
        first_phrase,
        idf,
    } = *weights;
    let blocks = par_ranges(n, |range| {
        let mut block = Csr {
            n_cols,
            indptr: Vec::with_capacity(range.len()),
            indices: Vec::new(),
            values: Vec::new(),
        };
        let mut spellings = Spellings::default();
        let mut counts: Vec<u32> = Vec::new();
        for doc in range {
            counts.clear();
            for &w in corpus.doc(doc) {
                if w != BREAK {
                    let t = lexicon.term_of(w);
                    if t != STOP && feature_of_term[alias[t as usize] as usize] != u32::MAX {
                        counts.push(feature_of_term[alias[t as usize] as usize]);
                    }
                }
            }
            for_each_pair(corpus, doc, |a, b, words| {
                if let Some(&p) = phrase_index.get(&pair_key(a, b)) {
                    counts.push(first_phrase + p);
                    let mut spelled = [u32::MAX; 4];
                    spelled[..words.len()].copy_from_slice(words);
                    *spellings.entry((p, spelled)).or_insert(0) += 1;
                }
            });
            counts.sort_unstable();
            let start = block.indices.len();
            for run in counts.chunk_by(|a, b| a == b) {
                let tf = run.len() as f32;
                block.indices.push(run[0]);
                block.values.push((1.0 + tf.ln()) * idf[run[0] as usize]);
            }
            let norm = block.values[start..].iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                for v in &mut block.values[start..] {
                    *v /= norm;
                }
            }
            block.indptr.push(block.indices.len());
        }
        (block, spellings)
    });
    let mut matrix = Csr {
        n_cols,
        indptr: Vec::with_capacity(n + 1),
        indices: Vec::new(),
        values: Vec::new(),
    };
    matrix.indptr.push(0);
    let mut spellings = Spellings::default();
    for (block, block_spellings) in blocks {
        let base = matrix.indices.len();
        matrix.indptr.extend(block.indptr.iter().map(|&e| base + e));
        matrix.indices.extend(block.indices);
        matrix.values.extend(block.values);
        for (key, count) in block_spellings {
            *spellings.entry(key).or_insert(0) += count;
        }
    }
    (matrix, spellings)
}

/// Each phrase's most frequent spelling (the first in word order on a tie).
fn phrase_surfaces(lexicon: &Lexicon, spellings: Spellings, n_phrases: usize) -> Vec<String> {
    let mut best_spelling: Vec<(u32, [u32; 4])> = vec![(0, [u32::MAX; 4]); n_phrases];
    for ((p, spelled), count) in spellings {
        let best = &mut best_spelling[p as usize];
        if count > best.0 || (count == best.0 && spelled < best.1) {
            *best = (count, spelled);
        }
    }
    best_spelling
        .iter()
        .map(|(_, spelled)| spell(lexicon, spelled))
        .collect()
}

/// Spells a run of word ids: words separated by spaces, none after an elision.
fn spell(lexicon: &Lexicon, words: &[u32]) -> String {
    let mut out = String::new();
    for &w in words.iter().take_while(|&&w| w != u32::MAX) {
        if !out.is_empty() && !out.ends_with('\'') {
            out.push(' ');
        }
        out.push_str(&lexicon.spelling(w));
    }
    out
}

#[cfg(test)]
mod tests;
