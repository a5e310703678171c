//! The participation charter: numbered articles (their words are in the locales, under
//! `rules.charter.articles.<key>`), which moderation reasons cite
//! ([`crate::moderation::reasons`]). A number, once published, keeps its meaning: placeholders
//! and mails already out link to `#article-<n>`.

use serde::Serialize;

use crate::moderation::CharterReason;

/// An article: its number (its anchor is `article-<number>`) and its key in the locales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Article {
    pub number: u8,
    pub key: &'static str,
}

/// The articles, in order, numbered from 1.
pub const ARTICLES: [Article; 11] = [
    Article {
        number: 1,
        key: "purpose",
    },
    Article {
        number: 2,
        key: "taking_part",
    },
    Article {
        number: 3,
        key: "respect",
    },
    Article {
        number: 4,
        key: "no_hate",
    },
    Article {
        number: 5,
        key: "privacy",
    },
    Article {
        number: 6,
        key: "on_topic",
    },
    Article {
        number: 7,
        key: "no_advertising",
    },
    Article {
        number: 8,
        key: "lawful",
    },
    Article {
        number: 9,
        key: "moderation",
    },
    Article {
        number: 10,
        key: "contest",
    },
    Article {
        number: 11,
        key: "withdrawal",
    },
];

/// The moderation reasons that rest on the article `number`.
pub fn reasons_of(number: u8) -> Vec<CharterReason> {
    CharterReason::ALL
        .into_iter()
        .filter(|r| r.article() == number)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::moderation::reasons::CONTEST_ARTICLE;
    use crate::web::i18n::Lang;

    #[test]
    fn articles_are_numbered_in_order_and_every_reason_cites_one() {
        for (k, article) in ARTICLES.iter().enumerate() {
            assert_eq!(usize::from(article.number), k + 1, "{article:?}");
        }
        for reason in CharterReason::ALL {
            assert!(
                ARTICLES.iter().any(|a| a.number == reason.article()),
                "{reason:?} cites article {}, which the charter does not have",
                reason.article()
            );
        }
        let contest = ARTICLES.iter().find(|a| a.number == CONTEST_ARTICLE).unwrap();
        assert_eq!(contest.key, "contest", "the mails' link to contest a decision");
    }

    #[test]
    fn every_article_has_a_title_and_a_text_in_both_languages() {
        for lang in [Lang::Fr, Lang::En] {
            for article in ARTICLES {
                for part in ["title", "body"] {
                    let key = format!("rules.charter.articles.{}.{part}", article.key);
                    assert_ne!(lang.text(&key), key, "{} {key}", lang.code());
                }
            }
        }
    }
}
