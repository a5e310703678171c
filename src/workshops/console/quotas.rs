//! The quota table of the draw form: per answer, the volunteers who gave it, the minimum and
//! maximum typed, in percent of the seats or in seats (the form's `unite`), the other form
//! beside each ("soit 3 places", "soit 25 %"), and after the draw the composition reached.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::web::format::percent_of;
use crate::web::page::Page;
use crate::workshops::applications::Recruitment;
use crate::workshops::criteria::{CriterionKind, PercentQuotas};
use crate::workshops::queries::Volunteer;
use crate::workshops::selection::Bounds;

#[derive(Serialize)]
pub(super) struct OptionCount {
    pub(super) option: String,
    pub(super) count: usize,
    /// Field names of the quota inputs.
    pub(super) min_field: String,
    pub(super) max_field: String,
    pub(super) min: String,
    pub(super) max: String,
    /// The other form of what is typed (seats for a percentage and the reverse), or empty.
    pub(super) min_other: String,
    pub(super) max_other: String,
    /// After the draw: how many of the panel gave this answer, and their share of the seats.
    pub(super) panel: Option<(usize, f64)>,
}

#[derive(Serialize)]
pub(super) struct CriterionCounts {
    pub(super) key: String,
    pub(super) label: String,
    pub(super) options: Vec<OptionCount>,
}

pub(super) fn quota_field(kind: &str, key: &str, index: usize) -> String {
    format!("q-{kind}-{key}-{index}")
}

/// How the quotas are typed: the form's `unite`, `pourcentage` (the default) or `places`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Unit {
    Percent,
    Seats,
}

impl Unit {
    pub(super) fn of(fields: &BTreeMap<String, String>) -> Unit {
        match fields.get("unite").map(String::as_str) {
            Some("places") => Unit::Seats,
            _ => Unit::Percent,
        }
    }
}

/// A quota field as a percentage of `seats`: `Ok(None)` when empty, `Err` when it is not a
/// number in range (0 to 100 %, or 0 to the seats).
fn read(value: Option<&str>, unit: Unit, seats: Option<u32>) -> Result<Option<f64>, ()> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    match unit {
        Unit::Percent => v
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|p| (0.0..=100.0).contains(p))
            .map(Some)
            .ok_or(()),
        Unit::Seats => {
            let seats = seats.ok_or(())?;
            let n = v.parse::<u32>().ok().filter(|&n| n <= seats).ok_or(())?;
            Ok(Some(100.0 * f64::from(n) / f64::from(seats)))
        }
    }
}

/// The quotas typed, as percentages of the seats (a count of seats `n` becomes `100·n/seats`,
/// which the draw turns back into exactly `n`), or each refused one in words.
pub(super) fn read_quotas(
    page: &Page,
    recruitment: &Recruitment,
    f: &BTreeMap<String, String>,
    seats: Option<u32>,
) -> Result<PercentQuotas, Vec<String>> {
    let unit = Unit::of(f);
    let mut quotas = PercentQuotas::new();
    let mut bad = Vec::new();
    for c in recruitment.criteria.iter().filter(|c| c.kind != CriterionKind::Text) {
        for (i, o) in c.options.iter().enumerate() {
            let field = |kind: &str| read(f.get(&quota_field(kind, &c.key, i)).map(String::as_str), unit, seats);
            match (field("min"), field("max")) {
                (Ok(None), Ok(None)) => {}
                (Ok(lo), Ok(hi)) => {
                    quotas
                        .entry(c.key.clone())
                        .or_default()
                        .insert(o.clone(), (lo.unwrap_or(0.0), hi.unwrap_or(100.0)));
                }
                _ => bad.push(format!(
                    "{} : {o} — {}",
                    c.label,
                    page.text(match unit {
                        Unit::Percent => "workshops_console.percent_invalid",
                        Unit::Seats => "workshops_console.count_invalid",
                    })
                )),
            }
        }
    }
    if bad.is_empty() { Ok(quotas) } else { Err(bad) }
}

/// The other form of a quota field: in seats for a percentage (the minimum rounded up and the
/// maximum down, as the draw does), in percent for a count. Empty when it cannot be said.
fn other_form(page: &Page, value: &str, is_min: bool, unit: Unit, seats: Option<u32>) -> String {
    let (Some(seats), Ok(Some(p))) = (seats, read(Some(value), unit, seats)) else {
        return String::new();
    };
    let said = match unit {
        Unit::Percent => {
            let n = if is_min {
                Bounds::from_percent(seats, p, 100.0).min
            } else {
                Bounds::from_percent(seats, 0.0, p).max
            };
            page.lang.count_text("workshops_console.seat_count", i64::from(n))
        }
        Unit::Seats => {
            let decimals = if (p * 10.0).round() % 10.0 == 0.0 { 0 } else { 1 };
            percent_of(page.lang, p, decimals)
        }
    };
    page.text("workshops_console.other_form").replace("{value}", &said)
}

/// The quotas a draw asked, as the seat counts the draw used (the fields then read in seats,
/// with the percentage beside), so that after the draw the table reads the quotas asked beside
/// the composition reached.
pub(super) fn asked_fields(recruitment: &Recruitment, quotas: &Value, seats: u32) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::from([("unite".to_owned(), "places".to_owned())]);
    for c in &recruitment.criteria {
        for (i, o) in c.options.iter().enumerate() {
            if let Some([lo, hi]) = quotas
                .get(&c.key)
                .and_then(|q| q.get(o))
                .and_then(|b| serde_json::from_value::<[f64; 2]>(b.clone()).ok())
            {
                let bounds = Bounds::from_percent(seats, lo, hi);
                fields.insert(quota_field("min", &c.key, i), bounds.min.to_string());
                fields.insert(quota_field("max", &c.key, i), bounds.max.to_string());
            }
        }
    }
    fields
}

/// Each choice criterion's answers with their counts and quota fields. `panel`: the
/// applications holding a seat (invited or confirmed), after a draw; `seats`: the seats typed
/// or drawn, for the other form of each quota.
pub(super) fn counts(
    page: &Page,
    recruitment: &Recruitment,
    pool: &[Volunteer],
    fields: &BTreeMap<String, String>,
    panel: Option<&[Uuid]>,
    seats: Option<u32>,
) -> Vec<CriterionCounts> {
    let unit = Unit::of(fields);
    let answered = |v: &Volunteer, key: &str, o: &str| match v.answers.get(key) {
        Some(Value::String(s)) => s == o,
        Some(Value::Array(items)) => items.iter().any(|x| x.as_str() == Some(o)),
        _ => false,
    };
    recruitment
        .criteria
        .iter()
        .filter(|c| c.kind != CriterionKind::Text)
        .map(|c| CriterionCounts {
            key: c.key.clone(),
            label: c.label.clone(),
            options: c
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let count = pool.iter().filter(|v| answered(v, &c.key, o)).count();
                    let panel = panel.map(|seated| {
                        let n = pool
                            .iter()
                            .filter(|v| seated.contains(&v.application_id) && answered(v, &c.key, o))
                            .count();
                        let share = 100.0 * n as f64 / seated.len().max(1) as f64;
                        (n, share)
                    });
                    let (min_field, max_field) = (quota_field("min", &c.key, i), quota_field("max", &c.key, i));
                    let min = fields.get(&min_field).cloned().unwrap_or_default();
                    let max = fields.get(&max_field).cloned().unwrap_or_default();
                    OptionCount {
                        option: o.clone(),
                        count,
                        min_other: other_form(page, &min, true, unit, seats),
                        max_other: other_form(page, &max, false, unit, seats),
                        min,
                        max,
                        min_field,
                        max_field,
                        panel,
                    }
                })
                .collect(),
        })
        .collect()
}
