//! `ecoute analyse FILE.csv`: the engine on any CSV file, offline, writing JSON.
//!
//! The separator (`,` or `;`) is taken from the header line. The text column is `--text-column`,
//! or else the first of `text`, `texte`, `contribution`, `body`, `contenu` present; the id
//! column is `--id-column`, or `id` when present, or else the row number (from 1).

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use serde::Serialize;

use super::engine::{Analysis, AnalysisError, Params, Stage, ThemeCount, analyse_source};
use super::source::{Batches, Slice, TextSource};

/// Options of the command.
#[derive(Debug, Clone)]
pub struct Options {
    pub text_column: Option<String>,
    pub id_column: Option<String>,
    pub themes: ThemeCount,
}

/// Rows read from a CSV file: ids and texts.
pub struct Rows {
    pub ids: Vec<String>,
    pub texts: Vec<String>,
}

const TEXT_COLUMNS: [&str; 5] = ["text", "texte", "contribution", "body", "contenu"];

/// Rows read at a time: the file is streamed, never held whole.
const BATCH: usize = 20_000;

/// Where the columns are in a CSV file, and its separator.
#[derive(Debug, Clone, Copy)]
struct Layout {
    delimiter: u8,
    text: usize,
    id: Option<usize>,
}

impl Layout {
    /// Reads the header line of `path` only.
    fn of(path: &Path, text_column: Option<&str>, id_column: Option<&str>) -> anyhow::Result<Layout> {
        let mut first = Vec::new();
        BufReader::new(open(path)?).read_until(b'\n', &mut first)?;
        let delimiter = delimiter_of(&first);
        let mut reader = reader(path, delimiter)?;
        Self::from_headers(delimiter, reader.headers()?, text_column, id_column)
    }

    fn from_headers(
        delimiter: u8,
        headers: &csv::StringRecord,
        text_column: Option<&str>,
        id_column: Option<&str>,
    ) -> anyhow::Result<Layout> {
        let headers: Vec<String> = headers.iter().map(|h| h.trim().to_owned()).collect();
        let find = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
        let text = match text_column {
            Some(name) => find(name).with_context(|| format!("no column {name:?}; columns: {}", headers.join(", ")))?,
            None => TEXT_COLUMNS.iter().find_map(|c| find(c)).with_context(|| {
                format!(
                    "no text column found (tried {}); name it with --text-column. Columns: {}",
                    TEXT_COLUMNS.join(", "),
                    headers.join(", ")
                )
            })?,
        };
        let id = match id_column {
            Some(name) => {
                Some(find(name).with_context(|| format!("no column {name:?}; columns: {}", headers.join(", ")))?)
            }
            None => find("id"),
        };
        Ok(Layout { delimiter, text, id })
    }
}

/// `;` or `,`, whichever the header line has more of.
fn delimiter_of(first_line: &[u8]) -> u8 {
    let header_line = first_line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first_line);
    let comma = header_line.iter().filter(|&&b| b == b',').count();
    let semicolon = header_line.iter().filter(|&&b| b == b';').count();
    if semicolon > comma { b';' } else { b',' }
}

fn open(path: &Path) -> anyhow::Result<File> {
    File::open(path).with_context(|| format!("cannot read {}", path.display()))
}

/// A reader of `path`'s records, its header line (and byte order mark) skipped.
fn reader(path: &Path, delimiter: u8) -> anyhow::Result<csv::Reader<BufReader<File>>> {
    let mut file = BufReader::new(open(path)?);
    if file.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        file.consume(3);
    }
    Ok(csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(file))
}

/// Reads the id and text columns of a CSV file, whole, in one pass: for files of a size to
/// hold, and for what can be read once only (a pipe, `/dev/stdin`).
pub fn read_csv(path: &Path, text_column: Option<&str>, id_column: Option<&str>) -> anyhow::Result<Rows> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let delimiter = delimiter_of(bytes.split(|&b| b == b'\n').next().unwrap_or_default());
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes);
    let layout = Layout::from_headers(delimiter, reader.headers()?, text_column, id_column)?;
    let mut rows = Rows {
        ids: Vec::new(),
        texts: Vec::new(),
    };
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("CSV row {}", line + 2))?;
        rows.texts.push(record.get(layout.text).unwrap_or_default().to_owned());
        rows.ids.push(match layout.id {
            Some(i) => record.get(i).unwrap_or_default().to_owned(),
            None => (line + 1).to_string(),
        });
    }
    Ok(rows)
}

/// The rows' ids, one after the other in one string: 2,000,000 of them take 30 MB, not 100.
#[derive(Default)]
pub struct Ids {
    all: String,
    ends: Vec<usize>,
}

impl Ids {
    fn push(&mut self, id: &str) {
        self.all.push_str(id);
        self.ends.push(self.all.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.all[start..self.ends[i]]
    }
}

/// A CSV file as the engine's source: read once in batches (keeping the ids), then read again
/// for the few texts the analysis quotes.
pub struct CsvFile {
    path: std::path::PathBuf,
    layout: Layout,
    pub ids: Ids,
}

impl CsvFile {
    pub fn open(path: &Path, text_column: Option<&str>, id_column: Option<&str>) -> anyhow::Result<CsvFile> {
        Ok(CsvFile {
            path: path.to_owned(),
            layout: Layout::of(path, text_column, id_column)?,
            ids: Ids::default(),
        })
    }

    /// Calls `row(index, record)` for each row, until it returns false.
    fn rows(&self, row: &mut dyn FnMut(usize, &csv::StringRecord) -> bool) -> Result<(), String> {
        let mut reader = reader(&self.path, self.layout.delimiter).map_err(|e| format!("{e:#}"))?;
        reader.headers().map_err(|e| e.to_string())?;
        let mut record = csv::StringRecord::new();
        let mut index = 0;
        while reader
            .read_record(&mut record)
            .map_err(|e| format!("CSV row {}: {e}", index + 2))?
        {
            if !row(index, &record) {
                break;
            }
            index += 1;
        }
        Ok(())
    }
}

impl TextSource for CsvFile {
    fn len_hint(&self) -> Option<usize> {
        None
    }

    fn read(&mut self, batch: &mut dyn FnMut(&[&str])) -> Result<(), String> {
        let layout = self.layout;
        let mut ids = std::mem::take(&mut self.ids);
        let mut texts = Batches::new(BATCH, batch);
        self.rows(&mut |index, record| {
            texts.push(record.get(layout.text).unwrap_or_default().to_owned());
            match layout.id {
                Some(i) => ids.push(record.get(i).unwrap_or_default()),
                None => ids.push(&(index + 1).to_string()),
            }
            true
        })?;
        texts.finish();
        self.ids = ids;
        Ok(())
    }

    fn fetch(&mut self, indices: &[usize]) -> Result<Vec<String>, String> {
        let text = self.layout.text;
        let mut found = Vec::with_capacity(indices.len());
        self.rows(&mut |index, record| {
            if indices.get(found.len()) == Some(&index) {
                found.push(record.get(text).unwrap_or_default().to_owned());
            }
            found.len() < indices.len()
        })?;
        Ok(found)
    }
}

/// The JSON written by the command.
#[derive(Debug, Serialize)]
pub struct Output<'a> {
    pub themes: Vec<OutputTheme<'a>>,
    pub assignments: Vec<Assignment<'a>>,
    pub duplicates: Vec<Vec<&'a str>>,
    /// How the number of themes was chosen, in words.
    pub theme_count: &'a str,
    /// Rows with no word to go by (theme `null`).
    pub unclassified: usize,
}

#[derive(Debug, Serialize)]
pub struct OutputTheme<'a> {
    pub id: usize,
    pub label: &'a str,
    pub key_phrases: &'a [String],
    pub size: usize,
    pub representatives: Vec<Representative<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Representative<'a> {
    pub id: &'a str,
    pub text: &'a str,
}

#[derive(Debug, Serialize)]
pub struct Assignment<'a> {
    pub id: &'a str,
    pub theme: Option<usize>,
}

impl<'a> Output<'a> {
    pub fn new(ids: &'a Ids, analysis: &'a Analysis) -> Self {
        Output {
            themes: analysis
                .themes
                .iter()
                .enumerate()
                .map(|(id, t)| OutputTheme {
                    id,
                    label: &t.label,
                    key_phrases: &t.key_phrases,
                    size: t.size,
                    representatives: t
                        .representatives
                        .iter()
                        .zip(&t.samples)
                        .map(|(&r, text)| Representative { id: ids.get(r), text })
                        .collect(),
                })
                .collect(),
            assignments: (0..ids.len())
                .zip(&analysis.assignment)
                .map(|(i, &theme)| Assignment { id: ids.get(i), theme })
                .collect(),
            duplicates: analysis
                .duplicates
                .iter()
                .map(|g| g.iter().map(|&i| ids.get(i)).collect())
                .collect(),
            theme_count: &analysis.choice.explanation,
            unclassified: analysis.unclassified(),
        }
    }
}

/// A progress bar on stderr: redrawn in place on a terminal, one line per step otherwise.
pub struct ProgressLine {
    start: Instant,
    terminal: bool,
    last: Option<Stage>,
}

impl Default for ProgressLine {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressLine {
    pub fn new() -> Self {
        ProgressLine {
            start: Instant::now(),
            terminal: std::io::stderr().is_terminal(),
            last: None,
        }
    }

    pub fn update(&mut self, stage: Stage, done: f32) {
        let new_stage = self.last != Some(stage);
        if !self.terminal && !new_stage {
            return;
        }
        self.last = Some(stage);
        let width = 30;
        let filled = ((done.clamp(0.0, 1.0)) * width as f32) as usize;
        let bar = format!("{}{}", "#".repeat(filled), ".".repeat(width - filled));
        let line = format!(
            "[{bar}] {:3.0} %  {} ({:.1} s)",
            done * 100.0,
            stage.describe(),
            self.start.elapsed().as_secs_f32()
        );
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let _ = write!(err, "\r\x1b[2K{line}");
        } else {
            let _ = writeln!(err, "{line}");
        }
    }

    pub fn finish(&mut self, message: &str) {
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let _ = write!(err, "\r\x1b[2K");
        }
        let _ = writeln!(err, "{message} ({:.1} s)", self.start.elapsed().as_secs_f32());
    }
}

/// Runs the command: read, analyse, write JSON to `out` (stdout when `None`). A file is
/// streamed: read once for the analysis, then again for the texts it quotes. Anything else (a
/// pipe, `/dev/stdin`) can be read once only, so it is read whole first.
pub fn run(file: &Path, options: &Options, out: Option<&Path>) -> anyhow::Result<()> {
    let mut progress = ProgressLine::new();
    let params = Params {
        themes: options.themes,
        ..Params::default()
    };
    let (text_column, id_column) = (options.text_column.as_deref(), options.id_column.as_deref());
    let regular = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .is_file();
    let (ids, analysis) = if regular {
        let mut source = CsvFile::open(file, text_column, id_column)?;
        let analysis = analyse_source(&mut source, &params, &mut |stage, done| progress.update(stage, done));
        (source.ids, analysis)
    } else {
        let rows = read_csv(file, text_column, id_column)?;
        let mut ids = Ids::default();
        rows.ids.iter().for_each(|id| ids.push(id));
        let analysis = analyse_source(&mut Slice(&rows.texts), &params, &mut |stage, done| {
            progress.update(stage, done)
        });
        (ids, analysis)
    };
    let analysis = match analysis {
        Err(AnalysisError::NoText) if ids.is_empty() => bail!("{} has no rows", file.display()),
        Err(AnalysisError::Source(error)) => bail!("{}: {error}", file.display()),
        other => other?,
    };
    progress.finish(&format!(
        "{} rows, {} themes, {} groups of near-duplicates",
        ids.len(),
        analysis.themes.len(),
        analysis.duplicates.len()
    ));
    let output = Output::new(&ids, &analysis);
    match out {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            let mut writer = std::io::BufWriter::new(file);
            serde_json::to_writer_pretty(&mut writer, &output)?;
            writer.flush()?;
        }
        None => {
            let mut writer = std::io::BufWriter::new(std::io::stdout().lock());
            serde_json::to_writer_pretty(&mut writer, &output)?;
            writeln!(writer)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_semicolon_files_with_a_bom_and_numbers_rows_without_ids() {
        let dir = std::env::temp_dir().join(format!("ecoute-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("idees.csv");
        std::fs::write(
            &path,
            "\u{feff}auteur;texte\nA;Plus de crèches\nB;\"Des horaires; plus souples\"\n",
        )
        .unwrap();
        let rows = read_csv(&path, None, None).unwrap();
        assert_eq!(rows.ids, ["1", "2"]);
        assert_eq!(rows.texts[1], "Des horaires; plus souples");
        let missing = read_csv(&path, Some("corps"), None).err().unwrap().to_string();
        assert!(missing.contains("auteur, texte"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
