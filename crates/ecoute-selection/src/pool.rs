//! A pool from the field's two CSV files, as `ecoute panel` reads them: the quotas
//! (`categories.csv`, the format of the Sortition Foundation's sortition-algorithms) and the
//! respondents (`respondents.csv`, one row per volunteer).
//!
//! - **Categories:** a header `feature,value,min,max`, optionally `min_flex,max_flex`; one row
//!   per value of each feature, bounds in seats. sortition-algorithms' older names are read too
//!   (`category` for `feature`, `name` for `value`), and so is the Nature 2021 replication's
//!   `category,feature,min,max` (where `feature` holds the value).
//! - **Respondents:** one column per feature (named as in the categories), an id column (`id`
//!   unless told otherwise; without one, the line number), any other columns (kept for the
//!   outputs). Values match the categories' up to case and surrounding spaces.
//! - **Households:** the columns named (an address, a postcode) group the respondents whose
//!   values are all the same, case aside; a respondent whose columns are all empty is alone.
//!
//! The separator is `,` or `;` (whichever the header line has more of) and a UTF-8 byte-order
//! mark is skipped, as in `ecoute analyse`. Every problem is reported with its file and line
//! ([`InputError`]), all of a file at once (up to [`MAX_ERRORS`]).

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use super::{Bounds, Instance};

mod categories;
mod respondents;
#[cfg(test)]
mod tests;

/// At most this many problems are listed per file; the count of the others follows.
pub const MAX_ERRORS: usize = 20;

/// A feature (criterion) and its values, in the categories file's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Feature {
    pub name: String,
    pub values: Vec<String>,
}

/// A pool read from the two files.
#[derive(Clone, Debug)]
pub struct Pool {
    pub features: Vec<Feature>,
    /// Bounds in seats, `quotas[feature][value]`.
    pub quotas: Vec<Vec<Bounds>>,
    /// The respondents file's header, as written.
    pub headers: Vec<String>,
    /// Each respondent's row, as written.
    pub rows: Vec<Vec<String>>,
    /// Each respondent's id (the line number when the file has no id column).
    pub ids: Vec<String>,
    /// Each respondent's value index per feature.
    pub profiles: Vec<Vec<usize>>,
    /// Groups of two or more respondents sharing a household.
    pub households: Vec<Vec<usize>>,
}

/// Which respondents' columns have a role beyond the features.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    /// The id column; `None`: `id` when there is one, else the line number.
    pub id: Option<String>,
    /// The columns that make a household (empty: no household rule).
    pub household: Vec<String>,
}

/// One problem in an input file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct InputError {
    /// The file as named on the command line.
    pub file: String,
    /// From 1 (the header); `None` for the file as a whole.
    pub line: Option<u64>,
    pub message: String,
}

/// Every problem found, one per line when shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct InputErrors(pub Vec<InputError>);

impl Pool {
    /// Reads the two files. The problems of the categories come alone (the respondents are
    /// checked against them).
    pub fn read(categories: &Path, respondents: &Path, columns: &Columns) -> Result<Pool, InputErrors> {
        let load = |path: &Path| {
            std::fs::read(path).map_err(|e| {
                InputErrors(vec![InputError {
                    file: path.display().to_string(),
                    line: None,
                    message: format!("cannot read: {e}"),
                }])
            })
        };
        let (categories_text, respondents_text) = (load(categories)?, load(respondents)?);
        Pool::parse(
            (&categories.display().to_string(), &categories_text),
            (&respondents.display().to_string(), &respondents_text),
            columns,
        )
    }

    /// [`Pool::read`] from bytes: `(file name, contents)` of each file.
    pub fn parse(
        categories: (&str, &[u8]),
        respondents: (&str, &[u8]),
        columns: &Columns,
    ) -> Result<Pool, InputErrors> {
        let (features, quotas) = categories::parse(categories.0, categories.1)?;
        let read = respondents::parse(respondents.0, respondents.1, categories.0, &features, columns)?;
        Ok(Pool {
            features,
            quotas,
            headers: read.headers,
            households: households(&read.household_keys),
            rows: read.rows,
            ids: read.ids,
            profiles: read.profiles,
        })
    }

    /// The selection problem for `seats` seats.
    pub fn instance(&self, seats: u32) -> Instance {
        Instance {
            seats,
            values: self.features.iter().map(|f| f.values.len()).collect(),
            profiles: self.profiles.clone(),
            quotas: self.quotas.clone(),
            households: self.households.clone(),
        }
    }

    /// `feature: value`, as an explanation names a quota.
    pub fn quota_name(&self, feature: usize, value: usize) -> String {
        let f = &self.features[feature];
        format!("{}: {}", f.name, f.values.get(value).map_or("?", String::as_str))
    }
}

/// Groups of two or more respondents with the same household key.
fn households(keys: &[Option<String>]) -> Vec<Vec<usize>> {
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut order = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        if let Some(key) = key {
            let group = groups.entry(key).or_default();
            if group.is_empty() {
                order.push(key.as_str());
            }
            group.push(i);
        }
    }
    order
        .into_iter()
        .filter_map(|key| groups.remove(key).filter(|g| g.len() > 1))
        .collect()
}

/// A CSV reader over `bytes`: BOM skipped, `;` or `,` from the header line, rows of any length
/// (the callers say which field is missing). Also the bytes it reads, for [`Lines`].
fn reader(bytes: &[u8]) -> (csv::Reader<&[u8]>, &[u8]) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let header_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let count = |c: u8| header_line.iter().filter(|&&b| b == c).count();
    let delimiter = if count(b';') > count(b',') { b';' } else { b',' };
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    (reader, bytes)
}

/// Line numbers from byte offsets, counted in `\n` (the csv crate's own line count is one
/// short per line on CRLF files, which spreadsheets write).
struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Lines<'a> {
        Lines { bytes, at: 0, line: 1 }
    }

    /// The line (from 1) of the byte at `offset`; offsets come in increasing order.
    fn of(&mut self, position: Option<&csv::Position>) -> u64 {
        let Some(mut offset) = position.map(|p| p.byte() as usize) else {
            return self.line;
        };
        // After a CRLF the csv crate places the next record on its `\n`: a record never
        // starts with a line end, so skip them.
        while matches!(self.bytes.get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        if offset < self.at {
            (self.at, self.line) = (0, 1);
        }
        let end = offset.min(self.bytes.len());
        self.line += self.bytes[self.at..end].iter().filter(|&&b| b == b'\n').count() as u64;
        self.at = end;
        self.line
    }
}

/// The next row that is not blank, with its line; a row the csv crate cannot read (bad UTF-8,
/// an unclosed quote) is a problem at its line, and skipped.
fn next_row(
    records: &mut csv::StringRecordsIter<&[u8]>,
    lines: &mut Lines,
    problems: &mut Problems,
) -> Option<(u64, csv::StringRecord)> {
    for record in records.by_ref() {
        match record {
            Ok(record) if record.iter().all(|c| c.trim().is_empty()) => {}
            Ok(record) => return Some((lines.of(record.position()), record)),
            Err(e) => problems.add_csv(&e, lines),
        }
    }
    None
}

/// Problems of one file, capped at [`MAX_ERRORS`].
struct Problems {
    file: String,
    found: Vec<InputError>,
    more: usize,
}

impl Problems {
    fn new(file: &str) -> Problems {
        Problems {
            file: file.to_owned(),
            found: Vec::new(),
            more: 0,
        }
    }

    fn add(&mut self, line: Option<u64>, message: String) {
        if self.found.len() < MAX_ERRORS {
            self.found.push(InputError {
                file: self.file.clone(),
                line,
                message,
            });
        } else {
            self.more += 1;
        }
    }

    /// A CSV error (bad UTF-8, unclosed quote) at its line.
    fn add_csv(&mut self, error: &csv::Error, lines: &mut Lines) {
        let line = error.position().map(|p| lines.of(Some(p)));
        let message = match error.kind() {
            csv::ErrorKind::Utf8 { .. } => "not UTF-8 text: save the file as CSV UTF-8".to_owned(),
            _ => error.to_string(),
        };
        self.add(line, message);
    }

    fn into_result(mut self) -> Result<(), InputErrors> {
        if self.found.is_empty() {
            return Ok(());
        }
        if self.more > 0 {
            self.found.push(InputError {
                file: self.file.clone(),
                line: None,
                message: format!("and {} more problems", self.more),
            });
        }
        Err(InputErrors(self.found))
    }
}

/// A cell as compared: spaces around it trimmed, case folded.
fn key(cell: &str) -> String {
    cell.trim().to_lowercase()
}
