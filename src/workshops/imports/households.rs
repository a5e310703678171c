//! The household rule on imported columns (as `ecoute panel --household`).

use std::collections::BTreeMap;

/// The households under the rule on `columns`, from each person's imported cells ((column,
/// cell) pairs): the groups of two or more people whose cells in those columns are all equal
/// (case and surrounding spaces aside). People whose cells are all empty, and web applicants
/// (who have none), are alone.
pub fn households(cells: &[Vec<(String, String)>], columns: &[String]) -> Vec<Vec<usize>> {
    if columns.is_empty() {
        return Vec::new();
    }
    let mut groups: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    for (i, person) in cells.iter().enumerate() {
        let key: Vec<String> = columns
            .iter()
            .map(|c| {
                person
                    .iter()
                    .find(|(k, _)| k == c)
                    .map_or(String::new(), |(_, v)| v.trim().to_lowercase())
            })
            .collect();
        if key.iter().any(|k| !k.is_empty()) {
            groups.entry(key).or_default().push(i);
        }
    }
    groups.into_values().filter(|g| g.len() > 1).collect()
}
