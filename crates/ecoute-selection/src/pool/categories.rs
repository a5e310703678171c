//! The categories file: features, their values and the bounds in seats.

use std::collections::HashMap;

use super::{Bounds, Feature, InputErrors, Lines, Problems, key, next_row, reader};

/// Which column holds what.
struct Layout {
    feature: usize,
    value: usize,
    min: usize,
    max: usize,
    min_flex: Option<usize>,
    max_flex: Option<usize>,
}

/// The columns by their (folded) names; sortition-algorithms' names and the Nature 2021
/// replication's (`category` = feature, `feature` = value) are understood.
fn layout(headers: &[String], problems: &mut Problems) -> Option<Layout> {
    let find = |names: &[&str]| names.iter().find_map(|n| headers.iter().position(|h| h == n));
    let (feature, value) = match (
        find(&["feature", "category"]),
        find(&["value", "name", "category value", "category_value", "category-value"]),
    ) {
        (Some(f), Some(v)) => (Some(f), Some(v)),
        // The replication's files: `category,feature,min,max`.
        (Some(_), None) if find(&["category"]).is_some() => (find(&["category"]), find(&["feature"])),
        (f, v) => (f, v),
    };
    let (min, max) = (find(&["min"]), find(&["max"]));
    for (found, name) in [(feature, "feature"), (value, "value"), (min, "min"), (max, "max")] {
        if found.is_none() {
            problems.add(
                Some(1),
                format!(
                    "no column {name:?}: the header must be feature,value,min,max (optionally \
                     min_flex,max_flex); it is {}",
                    headers.join(",")
                ),
            );
        }
    }
    Some(Layout {
        feature: feature?,
        value: value?,
        min: min?,
        max: max?,
        min_flex: find(&["min_flex"]),
        max_flex: find(&["max_flex"]),
    })
}

/// A whole, non-negative number of seats, or what is wrong with the cell.
fn seats(cell: &str, column: &str) -> Result<u32, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Err(format!("{column} is empty: give a number of seats"));
    }
    cell.parse::<u32>()
        .map_err(|_| format!("{column} is {cell:?}: give a whole number of seats (0 or more)"))
}

/// Features and their bounds, or every problem found.
pub(super) fn parse(file: &str, bytes: &[u8]) -> Result<(Vec<Feature>, Vec<Vec<Bounds>>), InputErrors> {
    let mut problems = Problems::new(file);
    let (mut csv, read_bytes) = reader(bytes);
    let mut lines = Lines::new(read_bytes);
    let headers: Vec<String> = match csv.headers() {
        Ok(h) => h.iter().map(key).collect(),
        Err(e) => {
            problems.add_csv(&e, &mut lines);
            return Err(problems.into_result().unwrap_err());
        }
    };
    let Some(layout) = layout(&headers, &mut problems) else {
        return Err(problems.into_result().unwrap_err());
    };
    let mut features: Vec<Feature> = Vec::new();
    let mut quotas: Vec<Vec<Bounds>> = Vec::new();
    // (feature, value) folded -> line, to name duplicates.
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    let mut records = csv.records();
    while let Some((line, record)) = next_row(&mut records, &mut lines, &mut problems) {
        let cell = |i: usize| record.get(i).unwrap_or("").trim();
        let (feature, value) = (cell(layout.feature), cell(layout.value));
        if feature.is_empty() || value.is_empty() {
            let missing = if feature.is_empty() { "feature" } else { "value" };
            problems.add(Some(line), format!("the {missing} is empty"));
            continue;
        }
        let bound = |i: usize, name: &str| seats(cell(i), name);
        let (min, max) = match (bound(layout.min, "min"), bound(layout.max, "max")) {
            (Ok(min), Ok(max)) => (min, max),
            (a, b) => {
                for e in [a.err(), b.err()].into_iter().flatten() {
                    problems.add(Some(line), format!("{feature}: {value}: {e}"));
                }
                continue;
            }
        };
        if min > max {
            problems.add(
                Some(line),
                format!("{feature}: {value}: min ({min}) is above max ({max})"),
            );
        }
        check_flex(
            &layout,
            &record,
            (min, max),
            line,
            &mut problems,
            &format!("{feature}: {value}"),
        );
        if let Some(first) = seen.insert((key(feature), key(value)), line) {
            problems.add(Some(line), format!("{feature}: {value} is already on line {first}"));
            continue;
        }
        let f = match features.iter().position(|f| key(&f.name) == key(feature)) {
            Some(f) => f,
            None => {
                features.push(Feature {
                    name: feature.to_owned(),
                    values: Vec::new(),
                });
                quotas.push(Vec::new());
                features.len() - 1
            }
        };
        features[f].values.push(value.to_owned());
        quotas[f].push(Bounds { min, max });
    }
    if features.is_empty() && problems.found.is_empty() {
        problems.add(None, "no quota: one row per value of each feature is needed".into());
    }
    problems.into_result()?;
    Ok((features, quotas))
}

/// `min_flex ≤ min` and `max_flex ≥ max` when given (sortition-algorithms' relaxation limits:
/// read and checked, not used: ecoute explains an infeasible quota instead of relaxing it).
fn check_flex(
    layout: &Layout,
    record: &csv::StringRecord,
    (min, max): (u32, u32),
    line: u64,
    problems: &mut Problems,
    quota: &str,
) {
    let flex = |i: Option<usize>, name: &str| -> Option<Result<u32, String>> {
        let cell = record.get(i?).unwrap_or("").trim();
        (!cell.is_empty()).then(|| seats(cell, name))
    };
    match flex(layout.min_flex, "min_flex") {
        Some(Err(e)) => problems.add(Some(line), format!("{quota}: {e}")),
        Some(Ok(m)) if m > min => problems.add(Some(line), format!("{quota}: min_flex ({m}) is above min ({min})")),
        _ => {}
    }
    match flex(layout.max_flex, "max_flex") {
        Some(Err(e)) => problems.add(Some(line), format!("{quota}: {e}")),
        Some(Ok(m)) if m < max => problems.add(Some(line), format!("{quota}: max_flex ({m}) is below max ({max})")),
        _ => {}
    }
}
