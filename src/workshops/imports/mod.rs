//! Volunteers imported from a file (issue 21, item 2): people gathered by letter, phone or a
//! spreadsheet join a workshop recruitment's pool beside the web applicants.
//!
//! The file is a pool CSV as the field keeps it (the `respondents.csv` of `ecoute panel`):
//! UTF-8 (a byte-order mark is skipped), `,` or `;` (whichever the header line has more of),
//! quoted cells, CRLF or LF. [`read_sheet`] reads it; the operator maps its columns to the
//! recruitment's criteria, an e-mail column and an id column ([`Mapping`], guessed from the
//! header by [`Mapping::guess`]); [`preview`] checks every line and says which are refused and
//! why, with the line number: a cell that is not one of the criterion's answers, a required
//! answer missing, an invalid address, an address already in the pool (a web application, an
//! earlier import) or earlier in the file, an id already used, a line longer than the header.
//!
//! The console's pages are in `console::imports`, the queries in [`store`].

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::criteria::{Answers, Criterion, CriterionKind};

mod households;
pub mod store;

pub use households::households;
#[cfg(test)]
mod tests;

/// The largest file taken (the route's body limit, `web::limits::VOLUNTEER_IMPORT`).
pub const MAX_BYTES: usize = crate::web::limits::VOLUNTEER_IMPORT;

/// Most lines a file may hold: a pool of the engine's size with room to spare.
pub const MAX_LINES: usize = 50_000;

/// A file read: its header and its non-empty lines with their line numbers (1 is the header).
#[derive(Clone, Debug, Default)]
pub struct Sheet {
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Why a file cannot be read at all (a locale key of `workshop_import`, with its line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SheetError {
    NotUtf8,
    Empty,
    /// A header cell empty or repeated (the column's name).
    BadHeader(String),
    /// The CSV is malformed at this line.
    Malformed(usize),
    TooManyLines,
    /// A refused character (control) at this line.
    Control(usize),
}

/// Reads the uploaded bytes as a table.
pub fn read_sheet(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let text = std::str::from_utf8(bytes).map_err(|_| SheetError::NotUtf8)?;
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut sheet = Sheet::default();
    // Line numbers from the records' byte offsets (the reader's own count lags on CRLF):
    // newlines counted once, from the last record on.
    let (mut counted_to, mut newlines) = (0usize, 0usize);
    let mut line_at = |byte: usize| {
        let rest = &text[byte.min(text.len())..];
        let start = byte + (rest.len() - rest.trim_start_matches(['\r', '\n']).len());
        newlines += text.as_bytes()[counted_to.min(start)..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted_to = counted_to.max(start);
        newlines + 1
    };
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                return Err(SheetError::Malformed(line_at(
                    e.position().map_or(0, |p| p.byte() as usize),
                )));
            }
        };
        let line = line_at(record.position().map_or(0, |p| p.byte() as usize));
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        if cells.iter().any(|c| crate::web::text::clean(c).is_err()) {
            return Err(SheetError::Control(line));
        }
        if sheet.header.is_empty() {
            let mut seen = HashSet::new();
            if let Some(bad) = cells.iter().find(|c| c.is_empty() || !seen.insert(c.to_lowercase())) {
                return Err(SheetError::BadHeader(bad.clone()));
            }
            sheet.header = cells;
        } else if cells.iter().any(|c| !c.is_empty()) {
            if sheet.rows.len() == MAX_LINES {
                return Err(SheetError::TooManyLines);
            }
            sheet.rows.push((line, cells));
        }
    }
    if sheet.header.is_empty() || sheet.rows.is_empty() {
        return Err(SheetError::Empty);
    }
    Ok(sheet)
}

/// Which column of the file holds what (columns by their header name).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub email: Option<String>,
    pub id: Option<String>,
    /// Criterion key → column.
    pub criteria: BTreeMap<String, String>,
}

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

impl Mapping {
    /// The columns whose name is the criterion's label or key, an e-mail column (`email`,
    /// `e-mail`, `courriel`, `mail`) and an id column (`id`, `identifiant`).
    pub fn guess(header: &[String], criteria: &[Criterion]) -> Mapping {
        let find = |names: &[&str]| header.iter().find(|h| names.iter().any(|n| same(h, n))).cloned();
        Mapping {
            email: find(&["email", "e-mail", "courriel", "mail", "adresse électronique"]),
            id: find(&["id", "identifiant"]),
            criteria: criteria
                .iter()
                .filter_map(|c| find(&[&c.label, &c.key]).map(|col| (c.key.clone(), col)))
                .collect(),
        }
    }

    /// The mapping's columns that are not in `header` (an old mapping, a hand-made form).
    pub fn unknown_columns(&self, header: &[String]) -> Vec<String> {
        self.email
            .iter()
            .chain(self.id.iter())
            .chain(self.criteria.values())
            .filter(|c| !header.contains(c))
            .cloned()
            .collect()
    }
}

/// A line that becomes an application.
#[derive(Clone, Debug, PartialEq)]
pub struct Accepted {
    pub line: usize,
    /// Lower case; empty when the person has no address (contacted by phone or letter).
    pub email: String,
    pub external_id: Option<String>,
    pub answers: Answers,
    /// The line's cells, aligned with the header (padded with empty cells).
    pub cells: Vec<String>,
}

/// Why a line is left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// More cells than the header has columns.
    TooManyCells {
        found: usize,
        expected: usize,
    },
    /// Not one of the criterion's answers (its label, the value, the answers).
    NotAnAnswer {
        criterion: String,
        value: String,
        answers: String,
    },
    /// A required answer left empty.
    Missing {
        criterion: String,
    },
    InvalidEmail {
        value: String,
    },
    /// An address already in the recruitment's pool (web application or earlier import).
    EmailInPool {
        email: String,
    },
    /// An address already on an earlier line of the file.
    EmailRepeated {
        email: String,
        line: usize,
    },
    IdRepeated {
        id: String,
        line: usize,
    },
    IdInPool {
        id: String,
    },
}

impl Reason {
    /// Whether the line is a duplicate of someone (the preview lists those apart).
    pub fn is_duplicate(&self) -> bool {
        matches!(
            self,
            Reason::EmailInPool { .. }
                | Reason::EmailRepeated { .. }
                | Reason::IdRepeated { .. }
                | Reason::IdInPool { .. }
        )
    }

    /// The reason in words, from the `workshop_import.reason.*` texts.
    pub fn describe(&self, text: &dyn Fn(&str) -> String) -> String {
        let t = |key: &str| text(&format!("workshop_import.reason.{key}"));
        match self {
            Reason::TooManyCells { found, expected } => t("too_many_cells")
                .replace("{found}", &found.to_string())
                .replace("{expected}", &expected.to_string()),
            Reason::NotAnAnswer {
                criterion,
                value,
                answers,
            } => t("not_an_answer")
                .replace("{criterion}", criterion)
                .replace("{value}", value)
                .replace("{answers}", answers),
            Reason::Missing { criterion } => t("missing").replace("{criterion}", criterion),
            Reason::InvalidEmail { value } => t("invalid_email").replace("{value}", value),
            Reason::EmailInPool { email } => t("email_in_pool").replace("{email}", email),
            Reason::EmailRepeated { email, line } => t("email_repeated")
                .replace("{email}", email)
                .replace("{line}", &line.to_string()),
            Reason::IdRepeated { id, line } => t("id_repeated")
                .replace("{id}", id)
                .replace("{line}", &line.to_string()),
            Reason::IdInPool { id } => t("id_in_pool").replace("{id}", id),
        }
    }
}

/// Every line of a file, checked: those that become applications, those left out and why.
#[derive(Clone, Debug, Default)]
pub struct Preview {
    pub accepted: Vec<Accepted>,
    pub refused: Vec<(usize, Reason)>,
}

/// What the pool already holds: addresses (lower case) and ids of earlier imports.
#[derive(Clone, Debug, Default)]
pub struct Taken {
    pub emails: HashSet<String>,
    pub ids: HashSet<String>,
}

/// Checks every line of `sheet` under `mapping` against the criteria and what the pool holds.
/// Criteria not mapped are left unanswered (`Sans réponse` for the quotas).
pub fn preview(sheet: &Sheet, criteria: &[Criterion], mapping: &Mapping, taken: &Taken) -> Preview {
    let column = |name: &Option<String>| name.as_ref().and_then(|n| sheet.header.iter().position(|h| h == n));
    let (email_col, id_col) = (column(&mapping.email), column(&mapping.id));
    let mapped: Vec<(&Criterion, usize)> = criteria
        .iter()
        .filter_map(|c| {
            let col = mapping.criteria.get(&c.key)?;
            Some((c, sheet.header.iter().position(|h| h == col)?))
        })
        .collect();
    let mut out = Preview::default();
    let mut emails: HashMap<String, usize> = HashMap::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (line, cells) in &sheet.rows {
        let line = *line;
        if cells.len() > sheet.header.len() {
            let found = cells.len();
            out.refused.push((
                line,
                Reason::TooManyCells {
                    found,
                    expected: sheet.header.len(),
                },
            ));
            continue;
        }
        let mut cells = cells.clone();
        cells.resize(sheet.header.len(), String::new());
        match check_line(
            line,
            &cells,
            &mapped,
            (email_col, id_col),
            taken,
            (&mut emails, &mut ids),
        ) {
            Ok((email, external_id, answers)) => out.accepted.push(Accepted {
                line,
                email,
                external_id,
                answers,
                cells,
            }),
            Err(reason) => out.refused.push((line, reason)),
        }
    }
    out
}

type Checked = (String, Option<String>, Answers);

/// One line: its answers, then its address and id against the pool and the earlier lines.
fn check_line(
    line: usize,
    cells: &[String],
    mapped: &[(&Criterion, usize)],
    (email_col, id_col): (Option<usize>, Option<usize>),
    taken: &Taken,
    (emails, ids): (&mut HashMap<String, usize>, &mut HashMap<String, usize>),
) -> Result<Checked, Reason> {
    let mut answers = Answers::new();
    for (criterion, col) in mapped {
        if let Some(answer) = answer(criterion, &cells[*col])? {
            answers.insert(criterion.key.clone(), answer);
        }
    }
    let email = match email_col.map(|c| cells[c].as_str()).filter(|v| !v.is_empty()) {
        None => String::new(),
        Some(value) => crate::accounts::EmailAddress::parse(value)
            .map_err(|_| Reason::InvalidEmail {
                value: value.chars().take(80).collect(),
            })?
            .as_str()
            .to_owned(),
    };
    let external_id = id_col.map(|c| cells[c].clone()).filter(|v| !v.is_empty());
    if !email.is_empty() {
        if taken.emails.contains(&email) {
            return Err(Reason::EmailInPool { email });
        }
        if let Some(&first) = emails.get(&email) {
            return Err(Reason::EmailRepeated { email, line: first });
        }
    }
    if let Some(id) = &external_id {
        let id = id.chars().take(200).collect::<String>();
        if taken.ids.contains(&id) {
            return Err(Reason::IdInPool { id });
        }
        if let Some(&first) = ids.get(&id) {
            return Err(Reason::IdRepeated { id, line: first });
        }
        ids.insert(id, line);
    }
    if !email.is_empty() {
        emails.insert(email.clone(), line);
    }
    Ok((email, external_id.map(|i| i.chars().take(200).collect()), answers))
}

/// A cell as the criterion's answer: one of its answers up to case and spaces (a multiple
/// choice: answers separated by `|` or `;`), `None` when empty (refused if required).
fn answer(criterion: &Criterion, cell: &str) -> Result<Option<Value>, Reason> {
    let known = || Reason::NotAnAnswer {
        criterion: criterion.label.clone(),
        value: cell.chars().take(80).collect(),
        answers: criterion.options.join(", "),
    };
    let option = |v: &str| criterion.options.iter().find(|o| same(o, v)).cloned();
    if cell.is_empty() {
        return if criterion.required {
            Err(Reason::Missing {
                criterion: criterion.label.clone(),
            })
        } else {
            Ok(None)
        };
    }
    match criterion.kind {
        CriterionKind::Single => option(cell).map(|o| Some(Value::String(o))).ok_or_else(known),
        CriterionKind::Multiple => cell
            .split(['|', ';'])
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| option(v).map(Value::String).ok_or_else(known))
            .collect::<Result<Vec<_>, _>>()
            .map(|v| Some(Value::Array(v))),
        CriterionKind::Text => Ok(Some(Value::String(cell.chars().take(200).collect()))),
    }
}
