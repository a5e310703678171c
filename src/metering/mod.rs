//! Usage metering: what each space uses, for billing and quotas.
//!
//! Events are written by database triggers in the same transaction as the action they count
//! (`migrations/…_metering.sql`), so this module only reads, rolls up and judges them:
//! - [`usage`]: a space's usage for a month, every space's at once (national console), the
//!   daily series behind the charts;
//! - [`rollup`]: folds pending events into daily rows (run by the worker);
//! - [`quotas`]: plan limits, the 80 % warning and the refusal at 100 %.
//!
//! Nothing here writes an event: a handler that forgot to meter cannot exist.

pub mod console;
pub mod quotas;
pub mod rollup;
pub mod usage;

/// The metering console's routes are the domain's.
pub use console::routes;

pub use quotas::{Quota, QuotaLevel, QuotaRefusal, Quotas};
pub use usage::{DayUsage, SpaceUsage, Usage};

/// The month containing `date` (its first day).
pub fn month_of(date: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::Datelike;
    date.with_day(1).expect("day 1 exists")
}

/// The current month in Paris, where the Caf's calendar is.
pub fn current_month() -> chrono::NaiveDate {
    month_of(paris_today())
}

/// Today's date in Paris (UTC+1 in winter, UTC+2 in summer: the last Sundays of March and
/// October at 01:00 UTC switch it).
pub fn paris_today() -> chrono::NaiveDate {
    paris_date(chrono::Utc::now())
}

/// The Paris calendar date of an instant (see [`crate::web::format::paris`]).
pub fn paris_date(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    crate::web::format::paris(at).date()
}

/// Parses `YYYY-MM` (a month in a query string or a form) to its first day.
pub fn parse_month(text: &str) -> Option<chrono::NaiveDate> {
    let (year, month) = text.trim().split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)
}

/// The first day of the month after `month`.
pub fn next_month(month: chrono::NaiveDate) -> chrono::NaiveDate {
    month
        .checked_add_months(chrono::Months::new(1))
        .expect("dates stay far from chrono's limits")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    #[test]
    fn paris_dates_follow_summer_time() {
        // 23:30 UTC is already the next day in Paris, by one hour in winter and two in summer.
        let winter = Utc.with_ymd_and_hms(2026, 1, 31, 23, 30, 0).unwrap();
        assert_eq!(paris_date(winter), NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        let summer = Utc.with_ymd_and_hms(2026, 7, 31, 22, 30, 0).unwrap();
        assert_eq!(paris_date(summer), NaiveDate::from_ymd_opt(2026, 8, 1).unwrap());
        let winter_evening = Utc.with_ymd_and_hms(2026, 12, 31, 22, 30, 0).unwrap();
        assert_eq!(
            paris_date(winter_evening),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        let before = Utc.with_ymd_and_hms(2026, 10, 24, 22, 30, 0).unwrap();
        assert_eq!(paris_date(before), NaiveDate::from_ymd_opt(2026, 10, 25).unwrap());
        let after = Utc.with_ymd_and_hms(2026, 10, 25, 22, 30, 0).unwrap();
        assert_eq!(paris_date(after), NaiveDate::from_ymd_opt(2026, 10, 25).unwrap());
    }

    #[test]
    fn months_parse_and_advance() {
        assert_eq!(parse_month("2026-11"), NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("26-11"), None);
        assert_eq!(parse_month("novembre"), None);
        let december = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(next_month(december), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        assert_eq!(
            month_of(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()),
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()
        );
    }
}
