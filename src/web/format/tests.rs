use chrono::TimeZone;

use super::*;

const N: char = NARROW_NBSP;

#[test]
fn integers_group_thousands() {
    assert_eq!(integer(Lang::Fr, 0), "0");
    assert_eq!(integer(Lang::Fr, 999), "999");
    assert_eq!(integer(Lang::Fr, 12_345), format!("12{N}345"));
    assert_eq!(integer(Lang::Fr, 13_500_000), format!("13{N}500{N}000"));
    assert_eq!(integer(Lang::En, 1_234_567), "1,234,567");
    assert_eq!(integer(Lang::Fr, -4_200), format!("−4{N}200"));
}

#[test]
fn decimals_take_a_comma_in_french() {
    assert_eq!(decimal(Lang::Fr, 3.5, 1), "3,5");
    assert_eq!(decimal(Lang::En, 3.5, 1), "3.5");
    assert_eq!(decimal(Lang::Fr, 12_345.678, 2), format!("12{N}345,68"));
    assert_eq!(decimal(Lang::Fr, 2.0, 1), "2,0", "a column lines up");
    assert_eq!(decimal(Lang::Fr, 7.0, 0), "7");
    assert_eq!(decimal(Lang::Fr, -0.04, 1), "0,0", "no sign for a rounded zero");
    assert_eq!(decimal(Lang::Fr, -1.26, 1), "−1,3");
    assert_eq!(decimal(Lang::Fr, f64::NAN, 1), "–");
}

#[test]
fn percentages_keep_their_space_in_french() {
    assert_eq!(percent(Lang::Fr, 0.42, 0), format!("42{N}%"));
    assert_eq!(percent(Lang::En, 0.42, 0), "42%");
    assert_eq!(percent(Lang::Fr, 0.125, 1), format!("12,5{N}%"));
    assert_eq!(percent_of(Lang::Fr, 8.6, 1), format!("8,6{N}%"));
}

#[test]
fn the_first_of_the_month_is_an_ordinal_in_french() {
    let first = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    assert_eq!(day(Lang::Fr, first), "1er décembre 2026");
    assert_eq!(day(Lang::En, first), "1 December 2026");
    let seventh = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    assert_eq!(day(Lang::Fr, seventh), "7 décembre 2026");
}

#[test]
fn hours_read_as_french_writes_them() {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 13, 30, 0).unwrap();
    assert_eq!(time(Lang::Fr, at), "14 h 30");
    assert_eq!(time(Lang::En, at), "14:30");
    let on_the_hour = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
    assert_eq!(time(Lang::Fr, on_the_hour), "9 h");
    assert_eq!(date_time(Lang::Fr, at), "1er décembre 2026 à 14 h 30");
    // Paris time: 23:30 UTC on 30 November is already 1 December; in summer, UTC+2.
    let late = Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap();
    assert_eq!(date(Lang::Fr, late), "1er décembre 2026");
    let summer = Utc.with_ymd_and_hms(2027, 7, 1, 7, 15, 0).unwrap();
    assert_eq!(date_time(Lang::Fr, summer), "1er juillet 2027 à 9 h 15");
}

#[test]
fn filters_follow_the_page_language() {
    let mut env = minijinja::Environment::new();
    add_filters(&mut env);
    let render = |lang: &str, source: &str| {
        env.render_str(
            source,
            minijinja::context! { lang => lang, n => 12345, share => 0.425, at => "2026-12-01T13:30:00Z" },
        )
        .unwrap()
    };
    let source = "{{ n | number }} · {{ share | percent(1) }} · {{ 3.25 | decimal(2) }} · {{ at | date_time }}";
    assert_eq!(
        render("fr", source),
        format!("12{N}345 · 42,5{N}% · 3,25 · 1er décembre 2026 à 14 h 30")
    );
    assert_eq!(render("en", source), "12,345 · 42.5% · 3.25 · 1 December 2026 at 14:30");
}
