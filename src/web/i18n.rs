//! Interface languages: French first, English second.
//!
//! Texts live in `locales/fr.toml` and `locales/en.toml` (nested tables, flattened to
//! dotted keys). Templates receive the whole table of the request's language as `t`, so they
//! write `{{ t.home.title }}`. A test checks both files have the same keys.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use serde::Serialize;

/// Name of the cookie that remembers a visitor's language choice.
pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().get(..2)? {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The plural form that goes with `n`: `one` or `other` (French takes the singular for 0
    /// and 1, English for 1 only). The locales give such words as `{ one = …, other = … }`.
    pub fn plural_form(self, n: i64) -> &'static str {
        let one = match self {
            Lang::Fr => (-1..=1).contains(&n),
            Lang::En => n == 1 || n == -1,
        };
        if one { "one" } else { "other" }
    }

    /// A counted text (`key` with `one`/`other` forms and a `{n}`), for `n`.
    pub fn count_text(self, key: &str, n: i64) -> String {
        self.text(&format!("{key}.{}", self.plural_form(n)))
            .replace("{n}", &n.to_string())
    }

    /// The text of `key` with its `{name}` placeholders filled in, in one pass (a value that
    /// holds `{…}` itself, such as a title someone wrote, is left as it is).
    pub fn fill(self, key: &str, values: &[(&str, &str)]) -> String {
        let text = self.text(key);
        let mut out = String::with_capacity(text.len() + 32);
        let mut rest = text.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| {
                values
                    .iter()
                    .find(|(name, _)| *name == &after[..close])
                    .map(|v| (close, v.1))
            });
            match value {
                Some((close, value)) => {
                    out.push_str(value);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Words a text stored by key (see [`stored_text`]) in this language. A number among its
    /// values is written for the language (`0.83` → `0,83`, `12345` → `12 345`). A stored text
    /// that is not a known key (a row written before texts were stored by key, in French) is
    /// shown as it is.
    pub fn stored(self, stored: &str) -> String {
        let mut parts = stored.split('|');
        let key = parts.next().unwrap_or_default();
        if !key.contains('.') || self.text(key) == key {
            return stored.to_owned();
        }
        let values: Vec<(&str, String)> = parts
            .filter_map(|p| p.split_once('='))
            .map(|(name, value)| {
                let shown = if let Ok(n) = value.parse::<i64>() {
                    super::format::integer(self, n)
                } else if let Ok(x) = value.parse::<f64>() {
                    let decimals = value.split_once('.').map_or(0, |(_, d)| d.len());
                    super::format::decimal(self, x, decimals)
                } else {
                    value.to_owned()
                };
                (name, shown)
            })
            .collect();
        let refs: Vec<(&str, &str)> = values.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.fill(key, &refs)
    }

    /// The other language, for the switcher.
    pub fn other(self) -> Self {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }

    /// The visitor's choice (cookie), else their browser's first supported language, else French.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let from_cookie = headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == LANG_COOKIE)
            .and_then(|(_, value)| Lang::parse(value));
        if let Some(lang) = from_cookie {
            return lang;
        }
        let accept = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
        // The highest q wins; among equals, the first listed (no allocation: this runs on
        // every page).
        accept
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let lang = Lang::parse(pieces.next()?)?;
                let q: f32 = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                Some((q, lang))
            })
            .fold(None, |best: Option<(f32, Lang)>, (q, lang)| match best {
                Some((best_q, _)) if best_q >= q => best,
                _ => Some((q, lang)),
            })
            .map(|(_, lang)| lang)
            .unwrap_or_default()
    }

    /// All texts of this language, as a nested value for templates.
    pub fn texts(self) -> &'static toml::Table {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// The same texts as a template value, built once: a page passes it by reference instead
    /// of serialising the whole locale at each render.
    pub fn template_texts(self) -> minijinja::Value {
        match self {
            Lang::Fr => FR_VALUE.clone(),
            Lang::En => EN_VALUE.clone(),
        }
    }

    /// One text by dotted key (`error.not_found.title`); the key itself if missing.
    pub fn text(self, key: &str) -> String {
        let flat = match self {
            Lang::Fr => &*FR_FLAT,
            Lang::En => &*EN_FLAT,
        };
        flat.get(key).cloned().unwrap_or_else(|| key.to_owned())
    }
}

static FR: LazyLock<toml::Table> =
    LazyLock::new(|| include_str!("locales/fr.toml").parse().expect("fr.toml is valid TOML"));
static EN: LazyLock<toml::Table> =
    LazyLock::new(|| include_str!("locales/en.toml").parse().expect("en.toml is valid TOML"));
static FR_FLAT: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| flatten(&FR));
static EN_FLAT: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| flatten(&EN));
static FR_VALUE: LazyLock<minijinja::Value> = LazyLock::new(|| minijinja::Value::from(minijinja::value::Serde(&*FR)));
static EN_VALUE: LazyLock<minijinja::Value> = LazyLock::new(|| minijinja::Value::from(minijinja::value::Serde(&*EN)));

fn flatten(table: &toml::Table) -> BTreeMap<String, String> {
    fn walk(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>) {
        for (key, value) in table {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::Table(t) => walk(&path, t, out),
                toml::Value::String(s) => {
                    out.insert(path, s.clone());
                }
                other => {
                    out.insert(path, other.to_string());
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", table, &mut out);
    out
}

/// A text to store (in a database row) and word later in the reader's language, with
/// [`Lang::stored`]: `key|name=value|…`. Values are numbers or codes (no `|`).
pub fn stored_text(key: &str, values: &[(&str, String)]) -> String {
    let mut out = key.to_owned();
    for (name, value) in values {
        out.push('|');
        out.push_str(name);
        out.push('=');
        out.push_str(&value.replace('|', "/"));
    }
    out
}

/// `3 février 2027`, `1er mars 2027` / `3 February 2027`, in Paris time (see
/// [`super::format::date`]).
pub fn format_date(lang: Lang, date: chrono::DateTime<chrono::Utc>) -> String {
    super::format::date(lang, date)
}

/// `du 3 février 2027 au 30 mars 2027`.
pub fn format_period(lang: Lang, from: chrono::DateTime<chrono::Utc>, to: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{} {} {} {}",
        lang.text("date.from"),
        format_date(lang, from),
        lang.text("date.to"),
        format_date(lang, to)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let fr: Vec<_> = flatten(&FR).into_keys().collect();
        let en: Vec<_> = flatten(&EN).into_keys().collect();
        assert_eq!(fr, en);
        assert!(fr.len() > 20);
    }

    #[test]
    fn counted_words_agree_with_their_number() {
        assert_eq!(Lang::Fr.plural_form(0), "one", "« 0 soutien » in French");
        assert_eq!(Lang::Fr.plural_form(1), "one");
        assert_eq!(Lang::Fr.plural_form(2), "other");
        assert_eq!(Lang::En.plural_form(0), "other", "“0 supports” in English");
        assert_eq!(Lang::En.plural_form(1), "one");
        assert_eq!(Lang::Fr.count_text("console.staff_added", 1), "1 adresse ajoutée.");
        assert_eq!(Lang::Fr.count_text("console.staff_added", 3), "3 adresses ajoutées.");
    }

    /// No text hedges its plural with "(s)": a counted word has `one` and `other` forms, which
    /// the templates' `plural()` and `Lang::count_text` choose. Walks every text of both locales.
    #[test]
    fn no_text_hedges_its_plural() {
        for (lang, table) in [("fr", &*FR), ("en", &*EN)] {
            let hedged: Vec<_> = flatten(table)
                .into_iter()
                .filter(|(_, text)| ["(s)", "(es)", "(e)"].iter().any(|h| text.contains(h)))
                .collect();
            assert!(hedged.is_empty(), "{lang}: {hedged:?}");
        }
    }

    #[test]
    fn placeholders_are_filled_once() {
        let text = Lang::Fr.fill("follow_mail.subject", &[("title", "{title} & co")]);
        assert_eq!(text, "Du nouveau sur « {title} & co »");
        let text = Lang::En.fill("moderation_mail.reason", &[("reason", "spam"), ("article", "7")]);
        assert_eq!(text, "Reason: spam (participation charter, article 7).");
    }

    #[test]
    fn stored_texts_are_worded_when_shown() {
        let stored = stored_text("analysis_text.choice.fixed", &[("chosen", "12".into())]);
        assert_eq!(stored, "analysis_text.choice.fixed|chosen=12");
        assert!(
            Lang::En.stored(&stored).starts_with("12 themes"),
            "{}",
            Lang::En.stored(&stored)
        );
        assert!(
            Lang::Fr.stored(&stored).starts_with("12 thèmes"),
            "{}",
            Lang::Fr.stored(&stored)
        );
        let auto = stored_text(
            "analysis_text.choice.auto",
            &[
                ("chosen", "5".into()),
                ("sample", "12345".into()),
                ("from", "2".into()),
                ("to", "8".into()),
                ("stability", "0.83".into()),
            ],
        );
        let fr = Lang::Fr.stored(&auto);
        assert!(fr.contains("12\u{202f}345") && fr.contains("0,83"), "{fr}");
        assert!(Lang::En.stored(&auto).contains("0.83"));
        // Older rows, written out: as they are.
        assert_eq!(Lang::En.stored("lecture des textes"), "lecture des textes");
    }

    #[test]
    fn negotiation() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::from_headers(&h), Lang::Fr);
        h.insert(ACCEPT_LANGUAGE, "de-DE, en-GB;q=0.8, fr;q=0.5".parse().unwrap());
        assert_eq!(Lang::from_headers(&h), Lang::En);
        // Equal weights: the first listed; a later, higher weight wins.
        h.insert(ACCEPT_LANGUAGE, "en-US, fr".parse().unwrap());
        assert_eq!(Lang::from_headers(&h), Lang::En);
        h.insert(ACCEPT_LANGUAGE, "fr;q=0.4, en;q=0.9, fr-FR;q=0.9".parse().unwrap());
        assert_eq!(Lang::from_headers(&h), Lang::En);
        h.insert(ACCEPT_LANGUAGE, "en;q=0.1, fr-CA".parse().unwrap());
        assert_eq!(Lang::from_headers(&h), Lang::Fr);
        h.insert(COOKIE, "a=b; lang=fr".parse().unwrap());
        assert_eq!(Lang::from_headers(&h), Lang::Fr);
    }

    #[test]
    fn dates_in_both_languages() {
        let date = chrono::DateTime::parse_from_rfc3339("2027-02-03T09:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(format_date(Lang::Fr, date), "3 février 2027");
        assert_eq!(format_date(Lang::En, date), "3 February 2027");
    }
}
