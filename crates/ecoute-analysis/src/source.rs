//! Where the texts of an analysis come from.
//!
//! An analysis reads every text once, in order, a batch at a time, and lets each batch go once
//! its words are counted; later it asks again for the few texts it quotes (a theme's
//! representatives, the texts its label is taken from). So a campaign of 2,000,000
//! contributions is never held whole in memory: the command line reads its file twice, the
//! background job reads the database as rows come.

/// A list of texts, read in order, then fetched again by index.
pub trait TextSource {
    /// How many texts there are, when known before reading (for progress reports).
    fn len_hint(&self) -> Option<usize>;

    /// Calls `batch` with every text, in order, a batch at a time.
    fn read(&mut self, batch: &mut dyn FnMut(&[&str])) -> Result<(), String>;

    /// The texts at `indices` (ascending, distinct), in that order.
    fn fetch(&mut self, indices: &[usize]) -> Result<Vec<String>, String>;
}

/// Texts already in memory.
pub struct Slice<'a, S>(pub &'a [S]);

impl<S: AsRef<str>> TextSource for Slice<'_, S> {
    fn len_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }

    fn read(&mut self, batch: &mut dyn FnMut(&[&str])) -> Result<(), String> {
        let texts: Vec<&str> = self.0.iter().map(|t| t.as_ref()).collect();
        batch(&texts);
        Ok(())
    }

    fn fetch(&mut self, indices: &[usize]) -> Result<Vec<String>, String> {
        indices
            .iter()
            .map(|&i| {
                self.0
                    .get(i)
                    .map(|t| t.as_ref().to_owned())
                    .ok_or_else(|| format!("no text at {i}"))
            })
            .collect()
    }
}

/// Texts gathered into batches, each handed to a [`TextSource::read`] callback as it fills:
/// what a source that reads one text at a time (a file's rows, a database's) needs.
pub struct Batches<'a> {
    texts: Vec<String>,
    size: usize,
    batch: &'a mut dyn FnMut(&[&str]),
}

impl<'a> Batches<'a> {
    pub fn new(size: usize, batch: &'a mut dyn FnMut(&[&str])) -> Self {
        Batches {
            texts: Vec::with_capacity(size),
            size: size.max(1),
            batch,
        }
    }

    pub fn push(&mut self, text: String) {
        self.texts.push(text);
        if self.texts.len() >= self.size {
            self.hand_over();
        }
    }

    /// Hands over the last, partial batch.
    pub fn finish(mut self) {
        self.hand_over();
    }

    fn hand_over(&mut self) {
        if !self.texts.is_empty() {
            let slices: Vec<&str> = self.texts.iter().map(String::as_str).collect();
            (self.batch)(&slices);
            self.texts.clear();
        }
    }
}

/// Texts fetched from a source, kept by index: each is asked for once.
pub struct Fetched<'a> {
    source: &'a mut dyn TextSource,
    texts: std::collections::HashMap<usize, String>,
}

impl<'a> Fetched<'a> {
    pub fn new(source: &'a mut dyn TextSource) -> Self {
        Fetched {
            source,
            texts: std::collections::HashMap::new(),
        }
    }

    /// Fetches, in one request, those of `indices` not fetched yet.
    pub fn load(&mut self, mut indices: Vec<usize>) -> Result<(), String> {
        indices.retain(|i| !self.texts.contains_key(i));
        indices.sort_unstable();
        indices.dedup();
        if indices.is_empty() {
            return Ok(());
        }
        let texts = self.source.fetch(&indices)?;
        if texts.len() != indices.len() {
            return Err(format!("asked for {} texts, got {}", indices.len(), texts.len()));
        }
        self.texts.extend(indices.into_iter().zip(texts));
        Ok(())
    }

    pub fn get(&self, index: usize) -> Option<&str> {
        self.texts.get(&index).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_reads_in_order_and_fetches_each_text_once() {
        let texts = ["un", "deux", "trois"];
        let mut slice = Slice(&texts[..]);
        let mut read = Vec::new();
        slice
            .read(&mut |batch| read.extend(batch.iter().map(|t| t.to_string())))
            .unwrap();
        assert_eq!(read, ["un", "deux", "trois"]);
        let mut fetched = Fetched::new(&mut slice);
        fetched.load(vec![2, 0, 2]).unwrap();
        assert_eq!(
            (fetched.get(0), fetched.get(1), fetched.get(2)),
            (Some("un"), None, Some("trois"))
        );
        assert!(fetched.load(vec![7]).is_err());
    }

    /// A source whose texts at `gone` come back empty when fetched again, as a contribution
    /// withdrawn between the reading and the quoting does.
    struct Withdrawn<'a> {
        texts: &'a [String],
        gone: Vec<usize>,
    }

    impl TextSource for Withdrawn<'_> {
        fn len_hint(&self) -> Option<usize> {
            Some(self.texts.len())
        }

        fn read(&mut self, batch: &mut dyn FnMut(&[&str])) -> Result<(), String> {
            Slice(self.texts).read(batch)
        }

        fn fetch(&mut self, indices: &[usize]) -> Result<Vec<String>, String> {
            let mut texts = Slice(self.texts).fetch(indices)?;
            for (text, index) in texts.iter_mut().zip(indices) {
                if self.gone.contains(index) {
                    text.clear();
                }
            }
            Ok(texts)
        }
    }

    #[test]
    fn a_text_withdrawn_before_it_is_quoted_is_not_a_representative() {
        let topics = [
            "crèche horaires garde enfants",
            "transport car scolaire collège",
            "logement loyer aide",
        ];
        let texts: Vec<String> = (0..300)
            .map(|i| format!("{} numéro {} demande {}", topics[i % 3], i % 17, i % 5))
            .collect();
        let params = crate::Params {
            themes: crate::ThemeCount::Fixed(3),
            ..crate::Params::default()
        };
        let whole = crate::analyse(&texts, &params, &mut |_, _| {}).unwrap();
        let first = whole.themes[0].representatives[0];
        let mut source = Withdrawn {
            texts: &texts,
            gone: vec![first],
        };
        let streamed = crate::analyse_source(&mut source, &params, &mut |_, _| {}).unwrap();
        assert!(!streamed.themes[0].representatives.contains(&first));
        assert_eq!(
            streamed.themes[0].representatives.len(),
            whole.themes[0].representatives.len()
        );
        assert!(streamed.themes.iter().flat_map(|t| &t.samples).all(|s| !s.is_empty()));
    }
}
