//! The accessibility statement's facts: the conformity state (RGAA 4.1), which follows from an
//! audit of the 106 criteria, and the automated checks this project runs.
//!
//! No audit has been made: [`AUDIT`] is `None`, so the state is "non conforme", as the RGAA
//! requires when no valid audit result exists (it says the conformity was not measured, not
//! that the service is inaccessible). When an audit is made, fill [`AUDIT`] in; the state, the
//! statement and the footer (a test holds the footer's words to the state) follow.

use chrono::{Months, NaiveDate};
use serde::Serialize;

/// An audit of the RGAA's criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audit {
    pub date: NaiveDate,
    /// Who made it (a firm, or the team).
    pub auditor: &'static str,
    /// The share of applicable criteria met, in percent.
    pub rate_percent: u8,
}

/// The last audit of the platform against the RGAA 4.1: none yet.
pub const AUDIT: Option<Audit> = None;

/// When this statement was written (it is redone at each substantial change, and three years
/// after an audit at the latest).
pub const STATEMENT_DATE: (i32, u32, u32) = (2026, 12, 7);

/// The version of axe-core the browser checks (`tests/browser/`) run; a test holds it to
/// `tests/browser/package.json`.
pub const AXE_VERSION: &str = "4.14.1";

/// The axe rule sets they apply; a test holds them to `tests/browser/harness.mjs`.
pub const AXE_TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// The conformity state a statement may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Conformity {
    /// Every criterion met, by an audit less than three years old.
    Full,
    /// At least half of them.
    Partial,
    /// Less than half, or no valid audit.
    NotConform,
}

impl Conformity {
    pub fn code(self) -> &'static str {
        match self {
            Conformity::Full => "full",
            Conformity::Partial => "partial",
            Conformity::NotConform => "not_conform",
        }
    }
}

/// The state `audit` supports on `today`: an audit is valid three years.
pub fn conformity(audit: Option<Audit>, today: NaiveDate) -> Conformity {
    match audit {
        Some(a)
            if a.date
                .checked_add_months(Months::new(36))
                .is_some_and(|end| today < end) =>
        {
            match a.rate_percent {
                100.. => Conformity::Full,
                50..=99 => Conformity::Partial,
                _ => Conformity::NotConform,
            }
        }
        _ => Conformity::NotConform,
    }
}

/// The state of the platform today.
pub fn current() -> Conformity {
    conformity(AUDIT, chrono::Utc::now().date_naive())
}

pub fn statement_date() -> NaiveDate {
    let (y, m, d) = STATEMENT_DATE;
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;

    fn on(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_state_follows_the_audit_and_no_audit_is_not_conform() {
        let audit = |rate| {
            Some(Audit {
                date: on(2027, 3, 1),
                auditor: "x",
                rate_percent: rate,
            })
        };
        assert_eq!(conformity(None, on(2026, 12, 7)), Conformity::NotConform);
        assert_eq!(conformity(audit(100), on(2027, 6, 1)), Conformity::Full);
        assert_eq!(conformity(audit(72), on(2027, 6, 1)), Conformity::Partial);
        assert_eq!(conformity(audit(49), on(2027, 6, 1)), Conformity::NotConform);
        assert_eq!(
            conformity(audit(100), on(2030, 3, 1)),
            Conformity::NotConform,
            "three years on"
        );
        assert_eq!(current(), Conformity::NotConform, "no audit has been made");
    }

    /// The footer of every page says the state the statement declares.
    #[test]
    fn the_footer_says_the_current_state() {
        for lang in [Lang::Fr, Lang::En] {
            let state = lang.text(&format!("rules.accessibility.states.{}", current().code()));
            let footer = lang.text("footer.accessibility");
            assert!(
                footer.ends_with(&state),
                "{} footer {footer:?} does not say {state:?}",
                lang.code()
            );
        }
    }

    #[test]
    fn the_automated_checks_are_described_as_the_browser_checks_run_them() {
        let root =
            std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
                .join("tests/browser");
        let package = std::fs::read_to_string(root.join("package.json")).unwrap();
        assert!(
            package.contains(&format!("\"axe-core\": \"{AXE_VERSION}\"")),
            "tests/browser/package.json runs another axe-core than {AXE_VERSION}"
        );
        let harness = std::fs::read_to_string(root.join("harness.mjs")).unwrap();
        let tags = AXE_TAGS.map(|t| format!("'{t}'")).join(", ");
        assert!(
            harness.contains(&format!("AXE_TAGS = [{tags}]")),
            "harness.mjs applies other rule sets"
        );
    }
}
