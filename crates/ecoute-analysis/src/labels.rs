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
use super::source::Fetched;
use super::text::fold_text;
use super::vectors::{Feature, Vectors};

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

/// Members of each theme, most central first: highest cosine to its centre, then lowest index.
pub fn by_closeness(coords: &Dense, centroids: &Dense, assignment: &[u32]) -> Vec<Vec<usize>> {
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
            members.into_iter().map(|(_, doc)| doc).collect()
        })
        .collect()
}

/// Content words a representative needs: substantial ones first, short ones only if the theme
/// has nothing else.
const MIN_WORDS: [u32; 2] = [4, 1];
/// Texts asked for a theme in the first round, then eight times more each round, up to
/// [`MAX_WINDOW`]: one or two rounds suffice unless a theme repeats itself.
const FIRST_WINDOW: usize = 64;
const MAX_WINDOW: usize = 4096;

/// Where the choice of a theme's representatives stands.
#[derive(Default, Clone)]
struct Picking {
    pass: usize,
    position: usize,
    chosen: Vec<usize>,
    said: Vec<String>,
}

/// The `wanted` most central contributions of each theme (`ranked`: [`by_closeness`]), among
/// those with at least a few content words (`content`, by contribution), skipping repeats.
///
/// Texts are fetched a window at a time, every theme's in one request with `also` in the
/// first, so a source that is a file or a database is read once or twice, not once a text.
pub fn representatives(
    ranked: &[Vec<usize>],
    content: &[u32],
    wanted: usize,
    texts: &mut Fetched<'_>,
    also: Vec<usize>,
) -> Result<Vec<Vec<usize>>, String> {
    let mut states = vec![Picking::default(); ranked.len()];
    let mut window = FIRST_WINDOW;
    let mut missing = also;
    loop {
        for (state, ranked) in states.iter_mut().zip(ranked) {
            advance(state, ranked, content, wanted, texts, window, &mut missing);
        }
        if missing.is_empty() {
            return Ok(states.into_iter().map(|s| s.chosen).collect());
        }
        texts.load(std::mem::take(&mut missing))?;
        window = (window * 8).min(MAX_WINDOW);
    }
}

/// Goes on choosing until `wanted` are chosen, the list ends, or a text is missing: then the
/// next `window` texts the theme may need go to `missing`.
fn advance(
    state: &mut Picking,
    ranked: &[usize],
    content: &[u32],
    wanted: usize,
    texts: &Fetched<'_>,
    window: usize,
    missing: &mut Vec<usize>,
) {
    while state.chosen.len() < wanted {
        if state.position == ranked.len() {
            if state.pass + 1 == MIN_WORDS.len() {
                return;
            }
            state.pass += 1;
            state.position = 0;
            continue;
        }
        let doc = ranked[state.position];
        let min_words = MIN_WORDS[state.pass];
        if state.chosen.contains(&doc) || content[doc] < min_words {
            state.position += 1;
            continue;
        }
        let Some(text) = texts.get(doc) else {
            missing.extend(
                ranked[state.position..]
                    .iter()
                    .copied()
                    .filter(|d| !state.chosen.contains(d) && content[*d] >= min_words)
                    .take(window),
            );
            return;
        };
        // A text that comes back empty was withdrawn since it was read: it is not quoted.
        let folded = fold_text(text);
        if !text.trim().is_empty() && !state.said.contains(&folded) {
            state.said.push(folded);
            state.chosen.push(doc);
        }
        state.position += 1;
    }
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
