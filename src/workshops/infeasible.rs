//! Why no panel meets the quotas, in an operator's words: one text for the console's draw and
//! for `ecoute panel`, which name the quotas each in their own way.

use super::selection::Infeasibility;

/// `reason` as a sentence: `text` gives the locale's texts (`workshops_console.infeasible.*`),
/// `quota(criterion, value)` and `criterion(criterion)` name what the reason is about.
pub fn explain(
    reason: &Infeasibility,
    text: &dyn Fn(&str) -> String,
    quota: &dyn Fn(usize, usize) -> String,
    criterion: &dyn Fn(usize) -> String,
) -> String {
    use Infeasibility::*;
    let t = |key: &str| text(&format!("workshops_console.infeasible.{key}"));
    match reason {
        SeatsExceedPool { seats, pool } => t("seats_exceed_pool")
            .replace("{seats}", &seats.to_string())
            .replace("{pool}", &pool.to_string()),
        SeatsExceedHouseholds { seats, households } => t("seats_exceed_households")
            .replace("{seats}", &seats.to_string())
            .replace("{households}", &households.to_string()),
        MinAboveMax {
            criterion: c,
            value,
            min,
            max,
        } => t("min_above_max")
            .replace("{quota}", &quota(*c, *value))
            .replace("{min}", &min.to_string())
            .replace("{max}", &max.to_string()),
        NotEnoughVolunteers {
            criterion: c,
            value,
            min,
            available,
        } => t("not_enough")
            .replace("{quota}", &quota(*c, *value))
            .replace("{min}", &min.to_string())
            .replace("{available}", &available.to_string())
            .replace("{by}", &reason.shortfall().to_string()),
        MinimumsExceedSeats {
            criterion: c,
            total,
            seats,
        } => t("minimums_exceed")
            .replace("{criterion}", &criterion(*c))
            .replace("{total}", &total.to_string())
            .replace("{seats}", &seats.to_string()),
        MaximumsBelowSeats {
            criterion: c,
            total,
            seats,
        } => t("maximums_below")
            .replace("{criterion}", &criterion(*c))
            .replace("{total}", &total.to_string())
            .replace("{seats}", &seats.to_string()),
        Combined { relaxations } => {
            let changes: Vec<String> = relaxations
                .iter()
                .map(|r| {
                    t(if r.lower_min { "lower_min" } else { "raise_max" })
                        .replace("{quota}", &quota(r.criterion, r.value))
                        .replace("{by}", &r.by.to_string())
                })
                .collect();
            format!("{} {}", t("combined"), changes.join(" ; "))
        }
    }
}
