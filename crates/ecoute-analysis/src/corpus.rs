//! The corpus: every contribution read once into a stream of word ids over one lexicon.
//!
//! Large inputs are read in parallel, one part per thread with its own word table, and the
//! parts merged in order, so the word ids are the same as a serial read's.

use super::parallel::{par_ranges, threads};
use super::text::{BREAK, Lexicon, LocalWords, STOP};

/// From this many texts on, they are read in parallel.
const PARALLEL_READ: usize = 20_000;

/// Every contribution as a stream of word ids.
pub struct Corpus {
    pub lexicon: Lexicon,
    offsets: Vec<usize>,
    tokens: Vec<u32>,
}

impl Corpus {
    /// Reads every text; `progress` is told how many were read, now and then. Large inputs
    /// are read in parallel, one part per thread, and the parts' words merged in order.
    pub fn read<S: AsRef<str> + Sync>(texts: &[S], progress: &mut dyn FnMut(usize)) -> Corpus {
        if texts.len() < PARALLEL_READ || threads() < 2 {
            return Self::read_serial(texts, progress);
        }
        let mut corpus = Corpus::empty();
        corpus.add(texts);
        progress(texts.len());
        corpus
    }

    /// A corpus with no text yet, to [`Corpus::add`] texts to a batch at a time.
    pub fn empty() -> Corpus {
        Corpus {
            lexicon: Lexicon::new(),
            offsets: vec![0],
            tokens: Vec::new(),
        }
    }

    /// Reads a batch of texts after those already read: the word ids are the same as if every
    /// text had been read at once, so texts streamed from a file or a database need not be
    /// held together. A large batch is read in parallel, one part per thread.
    pub fn add<S: AsRef<str> + Sync>(&mut self, texts: &[S]) {
        if texts.len() < PARALLEL_READ || threads() < 2 {
            for text in texts {
                self.lexicon.read(text.as_ref(), &mut self.tokens);
                if self.tokens.last() == Some(&BREAK) {
                    self.tokens.pop();
                }
                self.offsets.push(self.tokens.len());
            }
            return;
        }
        let parts = par_ranges(texts.len(), |range| {
            let mut words = LocalWords::default();
            let mut offsets = Vec::with_capacity(range.len());
            let mut tokens = Vec::new();
            for text in &texts[range] {
                words.read(text.as_ref(), &mut tokens);
                if tokens.last() == Some(&BREAK) {
                    tokens.pop();
                }
                offsets.push(tokens.len());
            }
            (words, offsets, tokens)
        });
        self.tokens.reserve(parts.iter().map(|p| p.2.len()).sum());
        for (words, part_offsets, part_tokens) in parts {
            let global: Vec<u32> = (0..words.words.len())
                .map(|w| self.lexicon.absorb(&words.words[w], words.count[w], words.upper[w]))
                .collect();
            let base = self.tokens.len();
            self.tokens.extend(
                part_tokens
                    .iter()
                    .map(|&w| if w == BREAK { BREAK } else { global[w as usize] }),
            );
            self.offsets.extend(part_offsets.iter().map(|&o| base + o));
        }
    }

    /// The number of content words of each contribution ([`Corpus::content_words`]), to keep
    /// once the word streams are let go.
    pub fn content_counts(&self) -> Vec<u32> {
        (0..self.len()).map(|i| self.content_words(i) as u32).collect()
    }

    /// Lets go of the word streams (the largest part, 4 bytes a word), keeping the lexicon.
    pub fn into_lexicon(self) -> Lexicon {
        self.lexicon
    }

    fn read_serial<S: AsRef<str>>(texts: &[S], progress: &mut dyn FnMut(usize)) -> Corpus {
        let mut lexicon = Lexicon::new();
        let mut offsets = Vec::with_capacity(texts.len() + 1);
        let mut tokens = Vec::with_capacity(texts.iter().map(|t| t.as_ref().len() / 6).sum());
        offsets.push(0);
        for (i, text) in texts.iter().enumerate() {
            lexicon.read(text.as_ref(), &mut tokens);
            if tokens.last() == Some(&BREAK) {
                tokens.pop();
            }
            offsets.push(tokens.len());
            if i % 10_000 == 9_999 {
                progress(i + 1);
            }
        }
        Corpus {
            lexicon,
            offsets,
            tokens,
        }
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The word ids of contribution `i`, [`BREAK`] between clauses.
    pub fn doc(&self, i: usize) -> &[u32] {
        &self.tokens[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Number of content words (not stop words) of contribution `i`.
    pub fn content_words(&self, i: usize) -> usize {
        self.doc(i)
            .iter()
            .filter(|&&w| w != BREAK && self.lexicon.term_of(w) != STOP)
            .count()
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_and_serial_reading_agree() {
        let texts: Vec<String> = (0..PARALLEL_READ + 10)
            .map(|i| format!("L'idée n°{} : des crèches, des TRANSPORTS {}", i % 97, i % 13))
            .collect();
        let parallel = Corpus::read(&texts, &mut |_| {});
        let serial = Corpus::read_serial(&texts, &mut |_| {});
        assert_eq!(parallel.len(), serial.len());
        for i in [0, 1, PARALLEL_READ / 2, PARALLEL_READ + 9] {
            let words = |c: &Corpus| -> Vec<String> {
                c.doc(i)
                    .iter()
                    .map(|&w| {
                        if w == BREAK {
                            "|".into()
                        } else {
                            c.lexicon.words[w as usize].to_string()
                        }
                    })
                    .collect()
            };
            assert_eq!(words(&parallel), words(&serial));
        }
        assert_eq!(
            parallel.lexicon.word_count.iter().sum::<u32>(),
            serial.lexicon.word_count.iter().sum::<u32>()
        );
    }
}
