//! Numbers, dates and times written as each language writes them, in one place: the pages (as
//! template filters), the mail, the charts, the exports meant for people and the infographic.
//!
//! French (the Imprimerie nationale's rules, as the administration writes them):
//! - thousands grouped by a narrow no-break space: `12 345` (U+202F, which never breaks a line);
//! - a decimal comma: `3,5`;
//! - a space before the percent sign, no-break: `42 %`;
//! - the first of the month as an ordinal: `1er décembre 2026`;
//! - hours as `14 h 30`, `9 h` on the hour.
//!
//! English: `12,345`, `3.5`, `42%`, `1 December 2026`, `14:30`.
//!
//! Dates and times are shown in Paris time (see [`paris`]).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

use super::i18n::Lang;

/// The narrow no-break space French puts between thousands and before `%`.
pub const NARROW_NBSP: char = '\u{202F}';

/// An integer with its thousands grouped: `12 345` / `12,345`.
pub fn integer(lang: Lang, n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let separator = match lang {
        Lang::Fr => NARROW_NBSP,
        Lang::En => ',',
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3 + 1);
    if n < 0 {
        out.push('−');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// A number with `decimals` digits after the decimal sign (trailing zeros kept, so a column
/// lines up): `3,5` / `3.5`; thousands grouped. Not a number reads `–`.
pub fn decimal(lang: Lang, x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    let fixed = format!("{:.*}", decimals, x.abs());
    let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
    // Rounding may give "-0.0": no sign for zero.
    let negative = x < 0.0 && fixed.chars().any(|c| c.is_ascii_digit() && c != '0');
    let mut out = integer(lang, whole.parse::<i64>().unwrap_or(0));
    if negative {
        out.insert(0, '−');
    }
    if !fraction.is_empty() {
        out.push(match lang {
            Lang::Fr => ',',
            Lang::En => '.',
        });
        out.push_str(fraction);
    }
    out
}

/// A percentage of `share` (0.42 → `42 %` / `42%`), with `decimals` digits.
pub fn percent(lang: Lang, share: f64, decimals: usize) -> String {
    percent_of(lang, share * 100.0, decimals)
}

/// A value already in percent (42.0 → `42 %` / `42%`).
pub fn percent_of(lang: Lang, value: f64, decimals: usize) -> String {
    let number = decimal(lang, value, decimals);
    match lang {
        Lang::Fr => format!("{number}{NARROW_NBSP}%"),
        Lang::En => format!("{number}%"),
    }
}

/// Paris time for an instant, without a time-zone database: the EU rule is fixed (summer time,
/// UTC+2, from the last Sunday of March to the last Sunday of October at 01:00 UTC; UTC+1
/// otherwise).
pub fn paris(at: DateTime<Utc>) -> NaiveDateTime {
    use chrono::{TimeZone, Weekday};
    let last_sunday = |month: u32| {
        let mut day = NaiveDate::from_ymd_opt(at.year(), month, 31).expect("March and October have 31 days");
        while day.weekday() != Weekday::Sun {
            day = day.pred_opt().expect("not the first day");
        }
        Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).expect("valid time"))
    };
    let summer = at >= last_sunday(3) && at < last_sunday(10);
    let offset = if summer { 2 } else { 1 };
    (at + chrono::Duration::hours(offset)).naive_utc()
}

/// A calendar day: `1er décembre 2026`, `7 décembre 2026` / `1 December 2026`.
pub fn day(lang: Lang, date: NaiveDate) -> String {
    let months = lang.text("date.months");
    let month = months.split(',').nth(date.month0() as usize).unwrap_or("");
    let number = match (lang, date.day()) {
        (Lang::Fr, 1) => "1er".to_owned(),
        (_, d) => d.to_string(),
    };
    format!("{number} {month} {}", date.year())
}

/// The day of an instant, in Paris time.
pub fn date(lang: Lang, at: DateTime<Utc>) -> String {
    day(lang, paris(at).date())
}

/// The time of day of an instant, in Paris time: `14 h 30`, `9 h` / `14:30`, `09:00`.
pub fn time(lang: Lang, at: DateTime<Utc>) -> String {
    clock(lang, paris(at).time())
}

/// A time of day already local: `14 h 30`, `9 h` / `14:30`, `09:00`.
pub fn clock(lang: Lang, t: NaiveTime) -> String {
    match (lang, t.minute()) {
        (Lang::Fr, 0) => format!("{} h", t.hour()),
        (Lang::Fr, m) => format!("{} h {m:02}", t.hour()),
        (Lang::En, m) => format!("{:02}:{m:02}", t.hour()),
    }
}

/// A day and a time: `1er décembre 2026 à 14 h 30` / `1 December 2026 at 14:30`.
pub fn date_time(lang: Lang, at: DateTime<Utc>) -> String {
    local_date_time(lang, paris(at))
}

/// A local day and time (a session's start, read in Paris time by the database).
pub fn local_date_time(lang: Lang, at: NaiveDateTime) -> String {
    let at_word = match lang {
        Lang::Fr => "à",
        Lang::En => "at",
    };
    format!("{} {at_word} {}", day(lang, at.date()), clock(lang, at.time()))
}

/// The template filters: `{{ n | number }}`, `{{ x | decimal(1) }}`, `{{ share | percent }}`
/// (a share of one), `{{ value | percent_of(1) }}` (already in percent), `{{ at | date }}`,
/// `{{ at | time }}`, `{{ at | date_time }}` (RFC 3339 strings, as instants serialise). The
/// language is the page's (`lang`).
pub fn add_filters(env: &mut minijinja::Environment<'static>) {
    env.add_filter("number", |state: &minijinja::State, n: f64| {
        integer(lang_of(state), n.round() as i64)
    });
    env.add_filter(
        "decimal",
        |state: &minijinja::State, x: f64, decimals: Option<usize>| decimal(lang_of(state), x, decimals.unwrap_or(1)),
    );
    env.add_filter(
        "percent",
        |state: &minijinja::State, x: f64, decimals: Option<usize>| percent(lang_of(state), x, decimals.unwrap_or(0)),
    );
    env.add_filter(
        "percent_of",
        |state: &minijinja::State, x: f64, decimals: Option<usize>| {
            percent_of(lang_of(state), x, decimals.unwrap_or(0))
        },
    );
    env.add_filter("date", |state: &minijinja::State, at: String| {
        instant(&at).map(|at| date(lang_of(state), at))
    });
    env.add_filter("time", |state: &minijinja::State, at: String| {
        instant(&at).map(|at| time(lang_of(state), at))
    });
    env.add_filter("date_time", |state: &minijinja::State, at: String| {
        instant(&at).map(|at| date_time(lang_of(state), at))
    });
}

fn lang_of(state: &minijinja::State) -> Lang {
    state
        .lookup("lang")
        .and_then(|l| l.as_str().and_then(Lang::parse))
        .unwrap_or_default()
}

fn instant(text: &str) -> Result<DateTime<Utc>, minijinja::Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("not an instant: {e}")))
}

#[cfg(test)]
mod tests;
