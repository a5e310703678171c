//! Why a contribution may be hidden: a closed list of reasons, each resting on a numbered
//! article of the participation charter. A moderator who hides something picks one; the author
//! (by mail and on the contribution) and the public (in the placeholder) are told which, with a
//! link to that article.
//!
//! The charter page itself belongs to the rules of the space (`crate::rules`), which checks that
//! every reason here names one of its articles. Labels are in the locales, under
//! `moderation_reasons.<code>` (short, lower case, to follow "Masquée par la modération : ").

use serde::Serialize;

/// Where the participation charter is published in every space; an article is at
/// `#article-<n>`.
pub const CHARTER_PATH: &str = "/charte-de-participation";

/// A reason to hide a contribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CharterReason {
    /// Insults, threats, harassment, defamation.
    Insults,
    /// Discrimination, hate speech, incitement to violence.
    Hate,
    /// Personal data of oneself or someone else (benefit number, address, health).
    PersonalData,
    /// Off topic: nothing to do with the campaign.
    OffTopic,
    /// One's own file with the Caf, which the platform cannot deal with.
    IndividualCase,
    /// Advertising, spam, political or commercial propaganda.
    Advertising,
    /// Otherwise unlawful content (copyright, illegal activity).
    Unlawful,
}

impl CharterReason {
    pub const ALL: [CharterReason; 7] = [
        CharterReason::Insults,
        CharterReason::Hate,
        CharterReason::PersonalData,
        CharterReason::OffTopic,
        CharterReason::IndividualCase,
        CharterReason::Advertising,
        CharterReason::Unlawful,
    ];

    /// The code stored with the decision and on the contribution.
    pub fn code(self) -> &'static str {
        match self {
            CharterReason::Insults => "insults",
            CharterReason::Hate => "hate",
            CharterReason::PersonalData => "personal_data",
            CharterReason::OffTopic => "off_topic",
            CharterReason::IndividualCase => "individual_case",
            CharterReason::Advertising => "advertising",
            CharterReason::Unlawful => "unlawful",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        CharterReason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The article of the charter this reason rests on.
    pub fn article(self) -> u8 {
        match self {
            CharterReason::Insults => 3,
            CharterReason::Hate => 4,
            CharterReason::PersonalData => 5,
            CharterReason::OffTopic | CharterReason::IndividualCase => 6,
            CharterReason::Advertising => 7,
            CharterReason::Unlawful => 8,
        }
    }

    /// The locale key of its label ("propos injurieux").
    pub fn label_key(self) -> String {
        format!("moderation_reasons.{}", self.code())
    }

    /// The path of its article on the charter page.
    pub fn article_path(self) -> String {
        format!("{CHARTER_PATH}#article-{}", self.article())
    }
}

/// The article of the charter that says how a decision may be contested.
pub const CONTEST_ARTICLE: u8 = 10;

/// Who hid a contribution: `hidden_by` on its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HiddenBy {
    Moderation,
    /// The author withdrew it (when they deleted their account).
    Author,
}

impl HiddenBy {
    pub fn code(self) -> &'static str {
        match self {
            HiddenBy::Moderation => "moderation",
            HiddenBy::Author => "author",
        }
    }
}

/// What the placeholder of a hidden contribution says: who hid it and, for moderation, why
/// (the charter reason and its article). The moderator's note is shown to the author only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HiddenNotice {
    pub by: HiddenBy,
    /// The charter reason's code (for its label, `moderation_reasons.<code>`).
    pub reason: Option<CharterReason>,
    pub article: Option<u8>,
    /// `/charte-de-participation#article-<n>`.
    pub article_path: Option<String>,
    /// The moderator's words to the author: only when the author is the one reading.
    pub note: Option<String>,
}

impl HiddenNotice {
    /// The notice of a contribution in `status`, from its `hidden_*` columns; `None` unless it
    /// is hidden. A hidden row without `hidden_by` (written by hand) reads as moderation, without
    /// a reason: the wording of the placeholder before reasons were shown.
    pub fn of(
        status: &str,
        hidden_by: Option<&str>,
        reason: Option<&str>,
        note: Option<String>,
        to_author: bool,
    ) -> Option<HiddenNotice> {
        if status != "hidden" {
            return None;
        }
        let by = match hidden_by {
            Some("author") => HiddenBy::Author,
            _ => HiddenBy::Moderation,
        };
        let reason = reason
            .and_then(CharterReason::parse)
            .filter(|_| by == HiddenBy::Moderation);
        Some(HiddenNotice {
            by,
            reason,
            article: reason.map(CharterReason::article),
            article_path: reason.map(CharterReason::article_path),
            note: note.filter(|_| to_author && by == HiddenBy::Moderation),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_what_the_database_accepts() {
        for reason in CharterReason::ALL {
            assert_eq!(CharterReason::parse(reason.code()), Some(reason));
            let code = reason.code();
            assert!(
                (2..=40).contains(&code.len()) && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code} matches the column's CHECK"
            );
        }
        assert_eq!(CharterReason::parse("autre"), None);
        assert_eq!(
            CharterReason::Insults.article_path(),
            "/charte-de-participation#article-3"
        );
    }

    #[test]
    fn the_notice_says_who_hid_it_and_keeps_the_note_for_the_author() {
        assert_eq!(HiddenNotice::of("published", None, None, None, false), None);
        let public =
            HiddenNotice::of("hidden", Some("moderation"), Some("insults"), Some("Mot".into()), false).unwrap();
        assert_eq!(
            (public.by, public.article, public.note),
            (HiddenBy::Moderation, Some(3), None)
        );
        let author = HiddenNotice::of("hidden", Some("moderation"), Some("insults"), Some("Mot".into()), true).unwrap();
        assert_eq!(author.note.as_deref(), Some("Mot"));
        // A withdrawal never carries a moderation reason.
        let withdrawn = HiddenNotice::of("hidden", Some("author"), Some("insults"), None, true).unwrap();
        assert_eq!((withdrawn.by, withdrawn.reason), (HiddenBy::Author, None));
        let older = HiddenNotice::of("hidden", None, None, None, false).unwrap();
        assert_eq!((older.by, older.reason), (HiddenBy::Moderation, None));
    }
}
