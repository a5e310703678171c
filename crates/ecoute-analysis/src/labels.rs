//! What a theme is about: its key phrases, its label, its representative contributions.
//!
//! - **Key phrases.** For each word or phrase, compare how many of the theme's contributions use
//!   it (its *coverage* `p`) with how many of all contributions do (`q`). The score `p × ln(p / q)`
//!   is high for what is both common in the theme and more common there than elsewhere: the
//!   theme's share of the relative entropy between theme and corpus. Phrases replace the single
//!   words they contain, so "congé parental" is not followed by "congé".
//! - **Label.** A noun phrase from the theme's texts ([`super::phrase_label`]); failing that,
//!   the first three key phrases, as people spelled them (accents kept, not stems).
//! - **Representatives.** The contributions closest to the theme's centre (highest cosine), among
//!   those with at least a few content words, skipping repeats.

use super::cluster::UNASSIGNED;
use super::lsa::{Dense, dot};
use super::text::fold_text;
use super::vectors::{Corpus, Feature, Vectors};

/// A feature must be used by at least this many of the theme's contributions to describe it.
const MIN_THEME_DF: u32 = 3;

/// Key phrases of each theme (best first), as surface forms.
pub fn key_phrases(vectors: &Vectors, assignment: &[u32], k: usize, per_theme: usize) -> Vec<Vec<String>> {
    key_features(vectors, assignment, k, per_theme)
        .into_iter()
        .map(|features| features.into_iter().map(|f| vectors.surface(f).to_owned()).collect())
        .collect()
}

/// Key features of each theme (best first): indices into `vectors.features`.
pub fn key_features(vectors: &Vectors, assignment: &[u32], k: usize, per_theme: usize) -> Vec<Vec<usize>> {
    let n_features = vectors.features.len();
    let mut theme_df = vec![0u32; k * n_features];
    let mut sizes = vec![0usize; k];
    for (doc, &theme) in assignment.iter().enumerate() {
        if theme == UNASSIGNED {
            continue;
        }
        sizes[theme as usize] += 1;
        let (cols, _) = vectors.matrix.row(doc);
        for &f in cols {
            theme_df[theme as usize * n_features + f as usize] += 1;
        }
    }
    let n = sizes.iter().sum::<usize>().max(1) as f64;
    (0..k)
        .map(|theme| {
            let size = sizes[theme].max(1) as f64;
            let counts = &theme_df[theme * n_features..(theme + 1) * n_features];
            let mut scored: Vec<(f64, usize)> = counts
                .iter()
                .enumerate()
                .filter(|&(_, &c)| c >= MIN_THEME_DF)
                .filter_map(|(f, &c)| {
                    let p = c as f64 / size;
                    let q = vectors.df[f] as f64 / n;
                    (p > q).then(|| (p * (p / q).ln(), f))
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            pick_phrases(vectors, scored.into_iter().map(|(_, f)| f), per_theme)
        })
        .collect()
}

/// Picks features in order, letting a phrase take the place of a word it contains and
/// skipping words already said by a chosen phrase.
fn pick_phrases(vectors: &Vectors, ranked: impl Iterator<Item = usize>, wanted: usize) -> Vec<usize> {
    let terms_of = |f: usize| -> Vec<u32> {
        match vectors.features[f] {
            Feature::Term(t) => vec![t],
            Feature::Phrase(p) => {
                let (a, b) = vectors.phrases[p as usize];
                vec![a, b]
            }
        }
    };
    let mut chosen: Vec<usize> = Vec::new();
    for f in ranked.take(wanted * 8) {
        if chosen.len() >= wanted {
            break;
        }
        let terms = terms_of(f);
        match vectors.features[f] {
            Feature::Term(_) => {
                if !chosen.iter().any(|&c| terms_of(c).contains(&terms[0])) {
                    chosen.push(f);
                }
            }
            Feature::Phrase(_) => {
                // A phrase that shares a word with a phrase already chosen repeats it
                // ("première nécessité" after "produits de première nécessité").
                let overlaps = chosen.iter().any(|&c| {
                    matches!(vectors.features[c], Feature::Phrase(_)) && terms_of(c).iter().any(|t| terms.contains(t))
                });
                if overlaps {
                    continue;
                }
                // Replace the first single word it contains, drop any other.
                let mut placed = false;
                let mut kept = Vec::with_capacity(chosen.len() + 1);
                for &c in &chosen {
                    let is_word_inside = matches!(vectors.features[c], Feature::Term(t) if terms.contains(&t));
                    if is_word_inside {
                        if !placed {
                            kept.push(f);
                            placed = true;
                        }
                    } else {
                        kept.push(c);
                    }
                }
                if !placed {
                    kept.push(f);
                }
                chosen = kept;
            }
        }
    }
    chosen
}

/// A label from key phrases: the first three, the first letter capitalised (the fallback when
/// no readable phrase is found in the texts). Without key phrases, the first words of the
/// theme's most central text: a label is always words of the contributions, never a text of
/// ours, so it needs no translation.
pub fn label(key_phrases: &[String], central_text: Option<&str>) -> String {
    let joined = key_phrases.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    let joined = if joined.is_empty() {
        central_text
            .unwrap_or_default()
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        joined
    };
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "…".to_owned(),
    }
}

/// The `wanted` most central contributions of each theme (indices into the texts).
pub fn representatives<S: AsRef<str>>(
    texts: &[S],
    corpus: &Corpus,
    coords: &Dense,
    centroids: &Dense,
    assignment: &[u32],
    wanted: usize,
) -> Vec<Vec<usize>> {
    let k = centroids.rows();
    let mut candidates: Vec<Vec<(f32, usize)>> = vec![Vec::new(); k];
    for (doc, &theme) in assignment.iter().enumerate() {
        if theme != UNASSIGNED {
            let closeness = dot(coords.row(doc), centroids.row(theme as usize));
            candidates[theme as usize].push((closeness, doc));
        }
    }
    candidates
        .into_iter()
        .map(|mut members| {
            members.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let mut chosen: Vec<usize> = Vec::new();
            let mut said: Vec<String> = Vec::new();
            // Substantial ones first; short ones only if the theme has nothing else.
            for min_words in [4, 1] {
                for &(_, doc) in &members {
                    if chosen.len() >= wanted {
                        break;
                    }
                    if chosen.contains(&doc) || corpus.content_words(doc) < min_words {
                        continue;
                    }
                    let folded = fold_text(texts[doc].as_ref());
                    if !said.contains(&folded) {
                        said.push(folded);
                        chosen.push(doc);
                    }
                }
            }
            chosen
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn a_label_is_always_words_of_the_contributions() {
        let phrases = vec!["chauffage".to_owned(), "isolation".to_owned()];
        assert_eq!(label(&phrases, Some("peu importe")), "Chauffage, isolation");
        // No key phrase: the first words of the most central text, not a text of ours.
        let central = "moins de papiers pour les familles nombreuses svp merci";
        assert_eq!(label(&[], Some(central)), "Moins de papiers pour les familles");
        assert_eq!(label(&[], None), "…");
    }
}
