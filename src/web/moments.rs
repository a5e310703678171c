//! Instants as people read them: "le 1er décembre 2026 à 14 h 30" in Paris time, and the
//! machine form for `<time datetime="…">`. Templates call them as `when(x)` and `iso(x)`.

use chrono::{DateTime, Utc};

use super::format::date_time;
use super::i18n::Lang;

/// `1er décembre 2026 à 14 h 30` / `1 December 2026 at 14:30`, in Paris time (see
/// [`super::format`], which writes every date and time of the site).
pub fn format_moment(lang: Lang, at: DateTime<Utc>) -> String {
    date_time(lang, at)
}

/// `2026-12-01T13:30:00Z`: a valid `datetime` attribute (whole seconds, UTC).
pub fn format_iso(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn parse(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value).ok().map(|d| d.with_timezone(&Utc))
}

/// `when(instant)` in a template: [`format_moment`] in the page's language; empty for a value
/// that is not an instant (a missing `edited_at`).
pub fn when(state: &minijinja::State, value: Option<String>) -> String {
    let lang = state
        .lookup("lang")
        .and_then(|l| l.as_str().and_then(Lang::parse))
        .unwrap_or_default();
    value
        .as_deref()
        .and_then(parse)
        .map(|at| format_moment(lang, at))
        .unwrap_or_default()
}

/// `iso(instant)` in a template: [`format_iso`].
pub fn iso(value: Option<String>) -> String {
    value.as_deref().and_then(parse).map(format_iso).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::format::paris;
    use chrono::{TimeZone, Timelike};

    #[test]
    fn moments_read_in_paris_time_with_french_typography() {
        let winter = Utc.with_ymd_and_hms(2026, 12, 1, 13, 30, 5).unwrap();
        assert_eq!(format_moment(Lang::Fr, winter), "1er décembre 2026 à 14 h 30");
        assert_eq!(format_moment(Lang::En, winter), "1 December 2026 at 14:30");
        let summer = Utc.with_ymd_and_hms(2027, 7, 14, 7, 5, 0).unwrap();
        assert_eq!(format_moment(Lang::Fr, summer), "14 juillet 2027 à 9 h 05");
        // 2027's changes: 28 March and 31 October, at 01:00 UTC.
        let before = Utc.with_ymd_and_hms(2027, 3, 28, 0, 59, 0).unwrap();
        let after = Utc.with_ymd_and_hms(2027, 3, 28, 1, 0, 0).unwrap();
        assert_eq!(paris(before).hour(), 1);
        assert_eq!(paris(after).hour(), 3);
        let back = Utc.with_ymd_and_hms(2027, 10, 31, 1, 0, 0).unwrap();
        assert_eq!(paris(back).hour(), 2);
        assert_eq!(format_iso(winter), "2026-12-01T13:30:05Z");
        assert_eq!(iso(Some("2026-12-01T13:30:05.123456Z".into())), "2026-12-01T13:30:05Z");
        assert_eq!(iso(None), "");
    }
}
