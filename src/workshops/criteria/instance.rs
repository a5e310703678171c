//! From the pool and the quotas to a selection problem: one dimension per choice criterion
//! (one per option of a multiple choice), quotas as percentages turned into seat bounds.

use super::*;

/// Quotas as the operator sets them: criterion key → option → (min %, max %). For a multiple
/// choice, the option's bounds are on the people who ticked it.
pub type PercentQuotas = BTreeMap<String, BTreeMap<String, (f64, f64)>>;

/// One criterion of the selection problem, for labelling its results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dimension {
    pub key: String,
    pub label: String,
    /// Labels of its values (for a multiple choice: "non", "oui").
    pub values: Vec<String>,
}

/// The selection problem for `seats` seats over `pool` (each volunteer's answers), with a
/// dimension per quota-bearing criterion: criteria with at least one quota set. A volunteer who
/// did not answer a single-choice criterion counts as a value of its own ("sans réponse").
pub fn build_instance(
    criteria: &[Criterion],
    quotas: &PercentQuotas,
    seats: u32,
    pool: &[Answers],
) -> (Instance, Vec<Dimension>) {
    let mut dimensions = Vec::new();
    let mut columns: Vec<Vec<usize>> = Vec::new();
    let mut bounds = Vec::new();
    for criterion in criteria {
        let Some(set) = quotas.get(&criterion.key).filter(|q| !q.is_empty()) else {
            continue;
        };
        match criterion.kind {
            CriterionKind::Single => {
                let mut values = criterion.options.clone();
                values.push("Sans réponse".into());
                let column = pool
                    .iter()
                    .map(|a| {
                        a.get(&criterion.key)
                            .and_then(Value::as_str)
                            .and_then(|s| criterion.options.iter().position(|o| o == s))
                            .unwrap_or(criterion.options.len())
                    })
                    .collect();
                let row = values
                    .iter()
                    .map(|v| {
                        set.get(v)
                            .map_or(Bounds::free(seats), |&(lo, hi)| Bounds::from_percent(seats, lo, hi))
                    })
                    .collect();
                dimensions.push(Dimension {
                    key: criterion.key.clone(),
                    label: criterion.label.clone(),
                    values,
                });
                columns.push(column);
                bounds.push(row);
            }
            CriterionKind::Multiple => {
                for option in &criterion.options {
                    let Some(&(lo, hi)) = set.get(option) else { continue };
                    let column = pool
                        .iter()
                        .map(|a| {
                            let ticked = a
                                .get(&criterion.key)
                                .and_then(Value::as_array)
                                .is_some_and(|l| l.iter().any(|v| v.as_str() == Some(option)));
                            usize::from(ticked)
                        })
                        .collect();
                    dimensions.push(Dimension {
                        key: format!("{}:{option}", criterion.key),
                        label: format!("{} : {option}", criterion.label),
                        values: vec!["non".into(), "oui".into()],
                    });
                    columns.push(column);
                    bounds.push(vec![Bounds::free(seats), Bounds::from_percent(seats, lo, hi)]);
                }
            }
            CriterionKind::Text => {}
        }
    }
    let profiles = (0..pool.len())
        .map(|i| columns.iter().map(|c| c[i]).collect())
        .collect();
    let instance = Instance {
        seats,
        values: dimensions.iter().map(|d| d.values.len()).collect(),
        profiles,
        quotas: bounds,
        households: Vec::new(),
    };
    (instance, dimensions)
}
