//! The French text pipeline: from raw contributions to streams of word ids.
//!
//! - Unicode: text is put in NFC first when it holds combining marks, so `é` typed as `e` + accent
//!   and `é` typed as one character are the same word.
//! - Words are lowercased but keep their accents (their *surface form*, used for labels); matching
//!   goes through the *folded* form (no accents, `œ` → `oe`), so `écologie` and `ecologie` meet.
//! - Elisions (`l'`, `d'`, `qu'`, `jusqu'`…) are cut off; other apostrophes inside a word are kept
//!   (`aujourd'hui`). Typographic apostrophes (`’`) count the same as `'`.
//! - Hyphens split compounds into their parts (`auto-partage` → `auto`, `partage`;
//!   `peut-être` → `peut`, `être`), without breaking the clause, so the parts can still form a
//!   phrase.
//! - Punctuation ends a clause: phrases (bigrams) never straddle one.
//! - Stop words are recognised on the folded form; the others are stemmed with Snowball French
//!   (on the accented form, as Snowball expects), and the stem is folded: `problèmes` and the typo
//!   `problemes` share the term `problem`.

use std::borrow::Cow;
use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::stopwords::is_stop_word;
use rustc_hash::FxBuildHasher;

/// Marks the end of a clause in a token stream.
pub const BREAK: u32 = u32::MAX;
/// The term of a stop word.
pub const STOP: u32 = u32::MAX;

/// Words longer than this (URLs, keyboard mashing) are skipped.
const MAX_WORD_CHARS: usize = 30;

/// Elided words, folded, that are cut off before an apostrophe.
const ELISIONS: [&str; 14] = [
    "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu",
];

/// One token of a text as the tokeniser sees it.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// A word, lowercased, accents kept; `upper` when it was typed in capitals (`TVA`).
    Word { text: &'a str, upper: bool },
    /// An elided word with its apostrophe (`l'`, `qu'`): a stop word, kept to spell phrases
    /// such as `taxe d'habitation`.
    Elision(&'a str),
    /// The end of a clause (punctuation, line break).
    Break,
}

/// Splits `text` into lowercased words and clause breaks, calling `emit` for each.
pub fn tokenize(text: &str, mut emit: impl FnMut(Piece<'_>)) {
    // Combining marks all lie above U+0300; most texts have none, so check cheaply first.
    let text: Cow<'_, str> = if text.chars().any(|c| c >= '\u{300}' && is_combining_mark(c)) {
        Cow::Owned(text.nfc().collect())
    } else {
        Cow::Borrowed(text)
    };
    let mut word = String::with_capacity(32);
    // Whether every letter of the word being read is a capital.
    let mut upper = true;
    let mut chars = text.chars().peekable();
    // A break is only worth emitting between two words.
    let mut pending_break = false;
    let mut started = false;
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            if pending_break && started {
                emit(Piece::Break);
            }
            pending_break = false;
            upper &= !c.is_lowercase();
            if c.is_ascii() {
                word.push(c.to_ascii_lowercase());
            } else {
                word.extend(c.to_lowercase());
            }
            continue;
        }
        let next_is_word = chars.peek().is_some_and(|n| n.is_alphanumeric());
        if is_apostrophe(c) && !word.is_empty() && next_is_word {
            if ELISIONS.contains(&fold(&word).as_ref()) {
                word.push('\'');
                emit(Piece::Elision(&word));
                word.clear();
                upper = true;
                started = true;
            } else {
                word.push('\'');
            }
            continue;
        }
        started |= flush(&mut word, upper, &mut emit);
        upper = true;
        if is_hyphen(c) && next_is_word {
            continue;
        }
        if !c.is_whitespace() || c == '\n' {
            pending_break = true;
        }
    }
    flush(&mut word, upper, &mut emit);
}

/// Emits the word being read if it is worth keeping; tells whether it was.
fn flush(word: &mut String, upper: bool, emit: &mut impl FnMut(Piece<'_>)) -> bool {
    let chars = word.chars().count();
    let keep = if word.bytes().all(|b| b.is_ascii_digit()) {
        (2..=4).contains(&chars)
    } else {
        // Single letters are noise, but for the stop words that spell phrases ("pompe à chaleur").
        (2..=MAX_WORD_CHARS).contains(&chars) || matches!(word.as_str(), "à" | "a" | "y")
    };
    if keep {
        emit(Piece::Word {
            text: word,
            upper: upper && chars > 1 && !word.bytes().all(|b| b.is_ascii_digit()),
        });
    }
    word.clear();
    keep
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '‘' | '`' | '´')
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑')
}

/// The folded form of a lowercase word: accents and ligatures removed (`œuvre` → `oeuvre`).
pub fn fold(word: &str) -> Cow<'_, str> {
    if word.is_ascii() {
        return Cow::Borrowed(word);
    }
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            '’' => out.push('\''),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut base = None;
                unicode_normalization::char::decompose_canonical(c, |d| {
                    if base.is_none() && !is_combining_mark(d) {
                        base = Some(d);
                    }
                });
                out.push(base.unwrap_or(c));
            }
        }
    }
    Cow::Owned(out)
}

/// Folds a whole text for accent-insensitive matching: lowercase, no accents.
pub fn fold_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    tokenize(text, |piece| {
        if let Piece::Word { text: w, .. } = piece {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&fold(w));
        }
    });
    out
}

/// The distinct words of a part of the texts, before stemming: what one thread reads when
/// texts are read in parallel, then merged into the [`Lexicon`].
#[derive(Default)]
pub struct LocalWords {
    ids: HashMap<Box<str>, u32, FxBuildHasher>,
    pub words: Vec<Box<str>>,
    pub count: Vec<u32>,
    pub upper: Vec<u32>,
}

impl LocalWords {
    fn word(&mut self, word: &str, upper: bool) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            self.count[id as usize] += 1;
            self.upper[id as usize] += upper as u32;
            return id;
        }
        let id = self.words.len() as u32;
        self.ids.insert(word.into(), id);
        self.words.push(word.into());
        self.count.push(1);
        self.upper.push(upper as u32);
        id
    }

    /// Appends the local word ids of `text` to `out`, with [`BREAK`] between clauses.
    pub fn read(&mut self, text: &str, out: &mut Vec<u32>) {
        read_into(text, out, |w, upper| self.word(w, upper));
    }
}

/// Tokenises `text` into ids given by `intern`, with single [`BREAK`]s between clauses.
fn read_into(text: &str, out: &mut Vec<u32>, mut intern: impl FnMut(&str, bool) -> u32) {
    tokenize(text, |piece| match piece {
        Piece::Word { text, upper } => out.push(intern(text, upper)),
        Piece::Elision(text) => out.push(intern(text, false)),
        Piece::Break => {
            if out.last().is_some_and(|&last| last != BREAK) {
                out.push(BREAK);
            }
        }
    });
}

/// Every distinct word met, its stem (term) and counts; grows as texts are read.
pub struct Lexicon {
    word_ids: HashMap<Box<str>, u32, FxBuildHasher>,
    /// Surface form of each word (lowercase, accents kept).
    pub words: Vec<Box<str>>,
    /// Term of each word, or [`STOP`].
    pub word_term: Vec<u32>,
    /// Occurrences of each word.
    pub word_count: Vec<u32>,
    /// Occurrences typed in capitals.
    pub word_upper: Vec<u32>,
    term_ids: HashMap<Box<str>, u32, FxBuildHasher>,
    /// Folded stem of each term.
    pub terms: Vec<Box<str>>,
    stemmer: Stemmer,
}

impl Default for Lexicon {
    fn default() -> Self {
        Self::new()
    }
}

impl Lexicon {
    pub fn new() -> Self {
        Lexicon {
            word_ids: HashMap::default(),
            words: Vec::new(),
            word_term: Vec::new(),
            word_count: Vec::new(),
            word_upper: Vec::new(),
            term_ids: HashMap::default(),
            terms: Vec::new(),
            stemmer: Stemmer::create(Algorithm::French),
        }
    }

    /// The id of a lowercase word, added with its term on first sight; counts the occurrence.
    pub fn word(&mut self, word: &str, upper: bool) -> u32 {
        self.absorb(word, 1, upper as u32)
    }

    /// The id of a lowercase word met `count` times (`upper` of them in capitals), added with
    /// its term on first sight.
    pub fn absorb(&mut self, word: &str, count: u32, upper: u32) -> u32 {
        if let Some(&id) = self.word_ids.get(word) {
            self.word_count[id as usize] += count;
            self.word_upper[id as usize] += upper;
            return id;
        }
        let folded = fold(word);
        let term = if word.ends_with('\'') || is_stop_word(&folded) {
            STOP
        } else {
            let stem = self.stemmer.stem(word);
            let stem = fold(&stem).into_owned();
            let next = self.terms.len() as u32;
            *self.term_ids.entry(stem.as_str().into()).or_insert_with(|| {
                self.terms.push(stem.into());
                next
            })
        };
        let id = self.words.len() as u32;
        self.word_ids.insert(word.into(), id);
        self.words.push(word.into());
        self.word_term.push(term);
        self.word_count.push(count);
        self.word_upper.push(upper);
        id
    }

    /// How a word is best written in a label: in capitals when people mostly typed it so and
    /// it is short (an acronym: `TVA`, `CSG`, `RSA`), else lowercase with its accents.
    pub fn spelling(&self, word: u32) -> Cow<'_, str> {
        let w = word as usize;
        let text = &self.words[w];
        if self.word_upper[w] * 2 > self.word_count[w] && text.chars().count() <= 5 {
            Cow::Owned(text.to_uppercase())
        } else {
            Cow::Borrowed(text)
        }
    }

    /// Appends the word ids of `text` to `out`, with [`BREAK`] between clauses.
    pub fn read(&mut self, text: &str, out: &mut Vec<u32>) {
        read_into(text, out, |w, upper| self.word(w, upper));
    }

    /// The id of a lowercase word already met, without counting it.
    pub fn word_id(&self, word: &str) -> Option<u32> {
        self.word_ids.get(word).copied()
    }

    /// The term a word stands for, or [`STOP`].
    pub fn term_of(&self, word: u32) -> u32 {
        self.word_term[word as usize]
    }

    /// The terms of a piece of text (for tests and look-ups): stems of its content words.
    pub fn terms_of(&mut self, text: &str) -> Vec<String> {
        let mut ids = Vec::new();
        self.read(text, &mut ids);
        ids.into_iter()
            .filter(|&w| w != BREAK && self.term_of(w) != STOP)
            .map(|w| self.terms[self.term_of(w) as usize].to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests;
