//! `ecoute analyse FILE.csv`: the engine on any CSV file, offline, writing JSON.
//!
//! The separator (`,` or `;`) is taken from the header line. The text column is `--text-column`,
//! or else the first of `text`, `texte`, `contribution`, `body`, `contenu` present; the id
//! column is `--id-column`, or `id` when present, or else the row number (from 1).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use serde::Serialize;

use super::engine::{Analysis, Params, Stage, ThemeCount, analyse};

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

/// Reads the id and text columns of a CSV file.
pub fn read_csv(path: &Path, text_column: Option<&str>, id_column: Option<&str>) -> anyhow::Result<Rows> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let header_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let comma = header_line.iter().filter(|&&b| b == b',').count();
    let semicolon = header_line.iter().filter(|&&b| b == b';').count();
    let delimiter = if semicolon > comma { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes);
    let headers: Vec<String> = reader.headers()?.iter().map(|h| h.trim().to_owned()).collect();
    let find = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let text_index = match text_column {
        Some(name) => find(name).with_context(|| format!("no column {name:?}; columns: {}", headers.join(", ")))?,
        None => TEXT_COLUMNS.iter().find_map(|c| find(c)).with_context(|| {
            format!(
                "no text column found (tried {}); name it with --text-column. Columns: {}",
                TEXT_COLUMNS.join(", "),
                headers.join(", ")
            )
        })?,
    };
    let id_index = match id_column {
        Some(name) => Some(find(name).with_context(|| format!("no column {name:?}; columns: {}", headers.join(", ")))?),
        None => find("id"),
    };
    let mut rows = Rows {
        ids: Vec::new(),
        texts: Vec::new(),
    };
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("CSV row {}", line + 2))?;
        rows.texts.push(record.get(text_index).unwrap_or_default().to_owned());
        rows.ids.push(match id_index {
            Some(i) => record.get(i).unwrap_or_default().to_owned(),
            None => (line + 1).to_string(),
        });
    }
    Ok(rows)
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
    pub fn new(rows: &'a Rows, analysis: &'a Analysis) -> Self {
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
                        .map(|&r| Representative {
                            id: &rows.ids[r],
                            text: &rows.texts[r],
                        })
                        .collect(),
                })
                .collect(),
            assignments: rows
                .ids
                .iter()
                .zip(&analysis.assignment)
                .map(|(id, &theme)| Assignment { id, theme })
                .collect(),
            duplicates: analysis
                .duplicates
                .iter()
                .map(|g| g.iter().map(|&i| rows.ids[i].as_str()).collect())
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

/// Runs the command: read, analyse, write JSON to `out` (stdout when `None`).
pub fn run(file: &Path, options: &Options, out: Option<&Path>) -> anyhow::Result<()> {
    let mut progress = ProgressLine::new();
    let rows = read_csv(file, options.text_column.as_deref(), options.id_column.as_deref())?;
    if rows.texts.is_empty() {
        bail!("{} has no rows", file.display());
    }
    let params = Params {
        themes: options.themes,
        ..Params::default()
    };
    let analysis = analyse(&rows.texts, &params, &mut |stage, done| progress.update(stage, done))?;
    progress.finish(&format!(
        "{} rows, {} themes, {} groups of near-duplicates",
        rows.texts.len(),
        analysis.themes.len(),
        analysis.duplicates.len()
    ));
    let output = Output::new(&rows, &analysis);
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
