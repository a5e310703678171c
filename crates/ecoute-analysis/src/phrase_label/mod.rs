//! A theme's label as a reader would write it: a noun phrase lifted from the theme's own texts.
//!
//! The key phrases say what a theme is about, but they are features of the model: stems spelled
//! back, pieces of hyphenated compounds (`rendez` for `rendez-vous`), several of them joined by
//! commas. A label must read as French, so it is taken whole from what people wrote:
//!
//! 1. In each of the theme's texts (at most [`MAX_SCANNED`]), split into clauses and *whole*
//!    words (a compound keeps its hyphen, an elision its apostrophe: `rendez-vous`,
//!    `d'habitation`), find where the theme's first key phrase occurs.
//! 2. Around each occurrence, the candidate spans are: the occurrence itself; the occurrence
//!    with the second key phrase when it stands within a few words in the same clause; and the
//!    occurrence followed by its complement (an adjective or noun, or `de`/`à`/`pour`… and a
//!    noun, possibly after an article: `délais de traitement`, `accueil à la Caf`).
//! 3. Each candidate counts once per text. The label is the richest candidate that enough texts
//!    share (a quarter of the best count, and at least two texts): one with the second key
//!    phrase first, then the longest, then the most used.
//! 4. It is written as most people wrote it, acronyms kept in capitals, the first letter
//!    capitalised. Its words are whole words of the texts, in their order: never a stem, never a
//!    truncated token.
//!
//! When the key phrase is found nowhere (it cannot happen for a feature of the corpus, but the
//! label must not fail), the caller falls back to the key phrases.

use std::collections::HashMap;

use super::text::{Lexicon, Piece, STOP, tokenize};
use super::vectors::{Feature, Vectors};

/// At most this many of a theme's texts are read for its label.
pub const MAX_SCANNED: usize = 400;
/// A label has at most this many words.
const MAX_WORDS: usize = 6;
/// Words that link a noun to its complement (`délais de traitement`, `pompe à chaleur`).
const LINKS: [&str; 11] = ["de", "du", "des", "à", "a", "au", "aux", "en", "pour", "sur", "par"];
/// Elided words a label may not start with.
const ELIDED: [&str; 8] = ["l", "d", "j", "m", "n", "s", "t", "qu"];
/// Articles that may stand between a link and the complement (`accueil de la caf`).
const ARTICLES: [&str; 4] = ["la", "le", "les", "l"];

/// One whole word of a text: how it was typed, and the terms of its parts.
struct Word<'a> {
    typed: &'a str,
    terms: Vec<u32>,
}

/// The label of a theme from its texts (`members`, most central first), or `None` when its
/// first key feature occurs in none of them.
pub fn readable_label<S: AsRef<str>>(
    texts: &[S],
    members: &[usize],
    lexicon: &Lexicon,
    vectors: &Vectors,
    features: &[usize],
) -> Option<String> {
    let first = feature_terms(vectors, *features.first()?);
    let second = features.get(1).map(|&f| feature_terms(vectors, f));
    // Candidate key → (texts using it, covers the second phrase, words, typed variants).
    let mut candidates: HashMap<String, Candidate> = HashMap::new();
    for &doc in members.iter().take(MAX_SCANNED) {
        let mut seen: Vec<String> = Vec::new();
        for clause in clauses(texts[doc].as_ref()) {
            let words: Vec<Word<'_>> = clause
                .iter()
                .map(|&typed| Word {
                    typed,
                    terms: terms_of(lexicon, typed),
                })
                .collect();
            for (s, e) in occurrences(&words, &first) {
                let mut spans = vec![(s, e, false)];
                if let Some(second) = &second {
                    for (s2, e2) in occurrences(&words, second) {
                        let (a, b) = (s.min(s2), e.max(e2));
                        if b - a < MAX_WORDS {
                            spans.push((a, b, true));
                        }
                    }
                }
                if let Some(end) = complement(&words, e) {
                    spans.push((s, end, false));
                }
                for (a, b, with_second) in spans {
                    if b - a >= MAX_WORDS {
                        continue;
                    }
                    let mut parts: Vec<&str> = words[a..=b].iter().map(|w| w.typed).collect();
                    parts[0] = without_elision(parts[0]);
                    let typed = parts.join(" ");
                    let key = typed.to_lowercase().replace('’', "'");
                    let entry = candidates.entry(key.clone()).or_insert_with(|| Candidate {
                        texts: 0,
                        with_second,
                        words: b - a + 1,
                        variants: HashMap::new(),
                    });
                    if !seen.contains(&key) {
                        entry.texts += 1;
                        seen.push(key);
                    }
                    *entry.variants.entry(typed).or_default() += 1;
                }
            }
        }
    }
    let best = candidates.values().map(|c| c.texts).max()?;
    let floor = best.div_ceil(4).max(2).min(best);
    let (_, chosen) = candidates
        .iter()
        .filter(|(_, c)| c.texts >= floor)
        .max_by(|(ka, a), (kb, b)| {
            (a.with_second, a.words, a.texts)
                .cmp(&(b.with_second, b.words, b.texts))
                .then(kb.cmp(ka))
        })?;
    let typed = chosen
        .variants
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(t, _)| t.as_str())?;
    Some(written(typed))
}

struct Candidate {
    texts: usize,
    with_second: bool,
    words: usize,
    variants: HashMap<String, usize>,
}

/// The terms a feature stands for: one term, or a phrase's two in order.
fn feature_terms(vectors: &Vectors, feature: usize) -> Vec<u32> {
    match vectors.features[feature] {
        Feature::Term(t) => vec![t],
        Feature::Phrase(p) => {
            let (a, b) = vectors.phrases[p as usize];
            vec![a, b]
        }
    }
}

/// Where the feature (one term, or two in order with at most two words between) occurs:
/// first and last word of each occurrence.
fn occurrences(words: &[Word<'_>], terms: &[u32]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let Some(at) = w.terms.iter().position(|t| *t == terms[0]) else {
            continue;
        };
        match terms.get(1) {
            None => found.push((i, i)),
            // Both in one compound (`auto-partage`).
            Some(b) if w.terms[at + 1..].contains(b) => found.push((i, i)),
            Some(b) => {
                if let Some(j) = (i + 1..words.len().min(i + 4)).find(|&j| words[j].terms.contains(b)) {
                    found.push((i, j));
                }
            }
        }
    }
    found
}

/// The end of the complement that follows word `e`, if any: a content word, or a link (and an
/// article) then a content word.
fn complement(words: &[Word<'_>], e: usize) -> Option<usize> {
    let lower = |k: usize| words.get(k).map(|w| w.typed.to_lowercase());
    let content = |k: usize| words.get(k).is_some_and(|w| !w.terms.is_empty());
    if content(e + 1) {
        return Some(e + 1);
    }
    if !lower(e + 1).is_some_and(|w| LINKS.contains(&w.as_str())) {
        return None;
    }
    if content(e + 2) {
        return Some(e + 2);
    }
    (lower(e + 2).is_some_and(|w| ARTICLES.contains(&w.as_str())) && content(e + 3)).then_some(e + 3)
}

/// The content terms of a whole word's parts, as the corpus read them.
fn terms_of(lexicon: &Lexicon, typed: &str) -> Vec<u32> {
    let mut terms = Vec::new();
    tokenize(typed, |piece| {
        if let Piece::Word { text, .. } = piece
            && let Some(id) = lexicon.word_id(text)
            && lexicon.term_of(id) != STOP
        {
            terms.push(lexicon.term_of(id));
        }
    });
    terms
}

/// Clauses of a text, each as its whole words (slices of the text as typed). A hyphen or an
/// apostrophe between two letters or digits belongs to the word; any other punctuation ends the
/// clause.
fn clauses(text: &str) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = vec![Vec::new()];
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut start: Option<usize> = None;
    for (k, &(at, c)) in chars.iter().enumerate() {
        let joiner = matches!(c, '-' | '‐' | '‑' | '\'' | '’')
            && start.is_some()
            && chars.get(k + 1).is_some_and(|&(_, n)| n.is_alphanumeric());
        if c.is_alphanumeric() || joiner {
            start.get_or_insert(at);
            continue;
        }
        if let Some(s) = start.take() {
            out.last_mut().unwrap().push(&text[s..at]);
        }
        if !c.is_whitespace() || c == '\n' {
            out.push(Vec::new());
        }
    }
    if let Some(s) = start {
        out.last_mut().unwrap().push(&text[s..]);
    }
    out.retain(|c| !c.is_empty());
    out
}

/// A word without its elided article or pronoun (`l'accueil` → `accueil`): a label does not
/// start with one.
fn without_elision(word: &str) -> &str {
    match word.find(['\'', '’']) {
        Some(at) if ELIDED.contains(&word[..at].to_lowercase().as_str()) => {
            let rest = &word[at..];
            &rest[rest.chars().next().map_or(0, char::len_utf8)..]
        }
        _ => word,
    }
}

/// A span as a label: shouting lowered, acronyms kept, the first word lowercase unless an
/// acronym, then the first letter capitalised.
fn written(typed: &str) -> String {
    let words: Vec<String> = typed
        .split(' ')
        .enumerate()
        .map(|(i, w)| {
            let letters = w.chars().filter(|c| c.is_alphabetic()).count();
            let all_caps = letters > 0 && !w.chars().any(|c| c.is_lowercase());
            if all_caps && (2..=5).contains(&letters) {
                w.to_owned()
            } else if all_caps || i == 0 {
                w.to_lowercase()
            } else {
                w.to_owned()
            }
        })
        .collect();
    let joined = words.join(" ").replace('’', "'");
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => joined,
    }
}

#[cfg(test)]
mod tests;
