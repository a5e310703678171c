//! The respondents file: each volunteer's id, value of every feature, household and row.

use std::collections::HashMap;

use super::{Columns, Feature, InputErrors, Lines, Problems, key, next_row, reader};

/// What the respondents file gave.
pub(super) struct Read {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub ids: Vec<String>,
    pub profiles: Vec<Vec<usize>>,
    /// Each respondent's household key (`None`: alone).
    pub household_keys: Vec<Option<String>>,
}

/// Where the features, the id and the household are.
struct Layout {
    features: Vec<usize>,
    id: Option<usize>,
    household: Vec<usize>,
}

/// The column of each role, or a problem on line 1 for each one missing or named twice.
fn layout(
    headers: &[String],
    features: &[Feature],
    categories_file: &str,
    columns: &Columns,
    problems: &mut Problems,
) -> Option<Layout> {
    let folded: Vec<String> = headers.iter().map(|h| key(h)).collect();
    let mut find = |name: &str, role: &str| -> Option<usize> {
        let at: Vec<usize> = (0..folded.len()).filter(|&i| folded[i] == key(name)).collect();
        match at.as_slice() {
            [one] => Some(*one),
            [] => {
                problems.add(
                    Some(1),
                    format!("no column {name:?} ({role}); the columns are {}", headers.join(", ")),
                );
                None
            }
            _ => {
                problems.add(Some(1), format!("column {name:?} ({role}) appears {} times", at.len()));
                None
            }
        }
    };
    let feature_columns: Vec<Option<usize>> = features
        .iter()
        .map(|f| find(&f.name, &format!("a feature of {categories_file}")))
        .collect();
    let id = match &columns.id {
        Some(name) => Some(find(name, "the id column")),
        None if folded.iter().any(|h| h == "id") => Some(find("id", "the id column")),
        None => None,
    };
    let household: Vec<Option<usize>> = columns
        .household
        .iter()
        .map(|c| find(c, "a household column"))
        .collect();
    Some(Layout {
        features: feature_columns.into_iter().collect::<Option<_>>()?,
        id: id.map_or(Some(None), |found| found.map(Some))?,
        household: household.into_iter().collect::<Option<_>>()?,
    })
}

/// The respondents, checked against the categories' features.
pub(super) fn parse(
    file: &str,
    bytes: &[u8],
    categories_file: &str,
    features: &[Feature],
    columns: &Columns,
) -> Result<Read, InputErrors> {
    let mut problems = Problems::new(file);
    let (mut csv, read_bytes) = reader(bytes);
    let mut lines = Lines::new(read_bytes);
    let headers: Vec<String> = match csv.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_owned()).collect(),
        Err(e) => {
            problems.add_csv(&e, &mut lines);
            return Err(problems.into_result().unwrap_err());
        }
    };
    let Some(layout) = layout(&headers, features, categories_file, columns, &mut problems) else {
        return Err(problems.into_result().unwrap_err());
    };
    let values: Vec<HashMap<String, usize>> = features
        .iter()
        .map(|f| f.values.iter().enumerate().map(|(v, name)| (key(name), v)).collect())
        .collect();
    let mut read = Read {
        headers,
        rows: Vec::new(),
        ids: Vec::new(),
        profiles: Vec::new(),
        household_keys: Vec::new(),
    };
    let mut id_lines: HashMap<String, u64> = HashMap::new();
    let mut records = csv.records();
    while let Some((line, record)) = next_row(&mut records, &mut lines, &mut problems) {
        let cell = |i: usize| record.get(i).unwrap_or("").trim();
        let id = match layout.id {
            Some(i) => cell(i).to_owned(),
            None => line.to_string(),
        };
        if id.is_empty() {
            problems.add(
                Some(line),
                format!("the id ({}) is empty", read.headers[layout.id.unwrap_or(0)]),
            );
        } else if let Some(first) = id_lines.insert(id.clone(), line) {
            problems.add(Some(line), format!("id {id:?} is already on line {first}"));
            id_lines.insert(id.clone(), first);
        }
        let mut profile = Vec::with_capacity(features.len());
        for (f, feature) in features.iter().enumerate() {
            let value = cell(layout.features[f]);
            match values[f].get(&key(value)) {
                Some(&v) => profile.push(v),
                None => problems.add(
                    Some(line),
                    format!(
                        "{}: {value:?} is not a value of this feature in {categories_file} ({})",
                        feature.name,
                        feature.values.join(", ")
                    ),
                ),
            }
        }
        let household: Vec<String> = layout.household.iter().map(|&i| key(cell(i))).collect();
        read.household_keys
            .push((!household.iter().all(String::is_empty)).then(|| household.join("\u{1f}")));
        read.rows.push(record.iter().map(str::to_owned).collect());
        read.ids.push(id);
        read.profiles.push(profile);
    }
    if read.rows.is_empty() && problems.found.is_empty() {
        problems.add(None, "no respondent: one row per volunteer is needed".into());
    }
    problems.into_result()?;
    Ok(read)
}
