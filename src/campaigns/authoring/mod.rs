//! Writing campaigns from the console: validated drafts of a campaign, and the queries that
//! store them (its survey questions: `surveys::authoring`). Everything runs in the space's own
//! transaction: a space writes only its own campaigns (RLS), national ones from the national
//! space.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::campaigns::queries::CampaignDetail;
use crate::tenancy::TenantTx;

mod store;

pub use store::*;

/// A form problem: the field and a locale key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: &'static str,
    pub message: &'static str,
}

pub(crate) fn problem(field: &'static str, message: &'static str) -> Problem {
    Problem { field, message }
}

/// The problem to show when the boundary refused a character (a NUL...) in `field`, one of a
/// form's `fields`: the form comes back with the entry kept (without the character) and this
/// message beside it. `None` for a field the form does not show (a hidden or unknown one).
pub fn refused_text(fields: &[&'static str], field: &str) -> Option<Problem> {
    fields
        .iter()
        .find(|f| **f == field)
        .map(|f| problem(f, "error.invalid_text.field"))
}

/// The text fields of [`CampaignForm`].
pub const CAMPAIGN_TEXT_FIELDS: &[&str] = &[
    "title",
    "slug",
    "summary",
    "body_md",
    "opens_on",
    "closes_on",
    "audience",
    "themes",
    "cover_image_url",
    "cover_image_alt",
];

/// The campaign form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
pub struct CampaignForm {
    pub title: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub body_md: String,
    /// `YYYY-MM-DD` (Paris day, opening at 00:00 and closing at 23:59:59).
    pub opens_on: String,
    pub closes_on: String,
    #[serde(default)]
    pub audience: String,
    #[serde(default)]
    pub themes: String,
    pub has_ideas: Option<String>,
    pub has_survey: Option<String>,
    pub premoderation: Option<String>,
    pub anonymous_responses: Option<String>,
    pub verified_only: Option<String>,
    #[serde(default)]
    pub cover_image_url: String,
    #[serde(default)]
    pub cover_image_alt: String,
    /// The new-campaign form's key (a UUID): sent twice, it makes one draft. Empty when
    /// editing; anything else is ignored, so the form's own problems still show.
    #[serde(default)]
    pub creation_key: String,
}

/// A campaign ready to store.
#[derive(Debug, Clone)]
pub struct CampaignDraft {
    pub title: String,
    pub slug: String,
    pub summary: String,
    pub body_md: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub audience: &'static str,
    pub themes: Vec<String>,
    pub has_ideas: bool,
    pub has_survey: bool,
    pub premoderation: bool,
    pub anonymous_responses: bool,
    /// Contributing requires a FranceConnect-verified identity (one voice per identity).
    pub verified_only: bool,
    pub cover_image_url: Option<String>,
    pub cover_image_alt: String,
}

/// Default campaign window: eight weeks.
pub const DEFAULT_WEEKS: i64 = 8;

/// A URL-safe slug from a French title: "Accueil à Bordeaux !" → "accueil-a-bordeaux".
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.to_lowercase().chars() {
        let c = match c {
            'à' | 'â' | 'ä' | 'á' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'œ' => 'o',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 80 {
            break;
        }
    }
    slug.trim_end_matches('-').to_owned()
}

pub(super) fn paris_midnight(day: NaiveDate, end_of_day: bool) -> DateTime<Utc> {
    // Metropolitan France: UTC+1 in winter, +2 in summer; the day boundaries need not be exact to
    // the hour for a two-month campaign, but they must not fall on the wrong day: use +1.
    let time = if end_of_day {
        day.and_hms_opt(23, 59, 59)
    } else {
        day.and_hms_opt(0, 0, 0)
    };
    let local = time.unwrap_or_default() - chrono::Duration::hours(1);
    Utc.from_utc_datetime(&local)
}

pub(crate) fn checked(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| v == "on" || v == "1" || v == "true")
}

impl CampaignForm {
    /// A new campaign's form: opening today, closing after [`DEFAULT_WEEKS`].
    pub fn new_default(today: NaiveDate) -> Self {
        CampaignForm {
            opens_on: today.to_string(),
            closes_on: (today + chrono::Duration::weeks(DEFAULT_WEEKS)).to_string(),
            audience: "public".into(),
            has_ideas: Some("on".into()),
            has_survey: Some("on".into()),
            creation_key: Uuid::new_v4().to_string(),
            ..Default::default()
        }
    }

    /// The form of an existing campaign.
    pub fn from_campaign(c: &CampaignDetail) -> Self {
        let day = |t: DateTime<Utc>| (t + chrono::Duration::hours(1)).date_naive().to_string();
        let flag = |b: bool| b.then(|| "on".to_owned());
        CampaignForm {
            title: c.summary.title.clone(),
            slug: c.summary.slug.clone(),
            summary: c.summary.summary.clone(),
            body_md: c.body_md.clone(),
            opens_on: day(c.summary.opens_at),
            closes_on: day(c.summary.closes_at),
            audience: c.summary.audience.clone(),
            themes: c.summary.themes.join("\n"),
            has_ideas: flag(c.has_ideas),
            has_survey: flag(c.has_survey),
            premoderation: flag(c.premoderation),
            anonymous_responses: flag(c.anonymous_responses),
            verified_only: flag(c.verified_only),
            cover_image_url: c.summary.cover_image_url.clone().unwrap_or_default(),
            cover_image_alt: c.summary.cover_image_alt.clone(),
            creation_key: String::new(),
        }
    }

    /// The form's key, when it is one.
    pub fn creation_key(&self) -> Option<Uuid> {
        self.creation_key.trim().parse().ok()
    }

    pub fn parse(&self) -> Result<CampaignDraft, Vec<Problem>> {
        let mut problems = Vec::new();
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            problems.push(problem("title", "validation.required"));
        } else if title.chars().count() > 200 {
            problems.push(problem("title", "validation.too_long"));
        }
        let slug = if self.slug.trim().is_empty() {
            slugify(&title)
        } else {
            self.slug.trim().to_lowercase()
        };
        let slug_ok = !slug.is_empty()
            && slug.len() <= 80
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !slug.starts_with('-')
            && !slug.ends_with('-');
        if !slug_ok {
            problems.push(problem("slug", "authoring.slug_invalid"));
        }
        let summary = self.summary.trim().to_owned();
        if summary.chars().count() > 600 {
            problems.push(problem("summary", "validation.too_long"));
        }
        let body_md = self.body_md.trim().replace("\r\n", "\n");
        if body_md.chars().count() > 20_000 {
            problems.push(problem("body_md", "validation.too_long"));
        }
        let day = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let (opens, closes) = (day(&self.opens_on), day(&self.closes_on));
        if opens.is_none() {
            problems.push(problem("opens_on", "authoring.date_invalid"));
        }
        if closes.is_none() {
            problems.push(problem("closes_on", "authoring.date_invalid"));
        }
        if let (Some(o), Some(c)) = (opens, closes)
            && c < o
        {
            problems.push(problem("closes_on", "authoring.closes_before_opens"));
        }
        let audience = match self.audience.as_str() {
            "staff" => "staff",
            "public" | "" => "public",
            _ => {
                problems.push(problem("audience", "validation.required"));
                "public"
            }
        };
        let themes = themes(&self.themes, &mut problems);
        let (has_ideas, has_survey) = (checked(&self.has_ideas), checked(&self.has_survey));
        if !has_ideas && !has_survey {
            problems.push(problem("has_ideas", "authoring.no_mode"));
        }
        let cover_image_url = self.cover(&mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        let (opens, closes) = (opens.unwrap_or_default(), closes.unwrap_or_default());
        Ok(CampaignDraft {
            title,
            slug,
            summary,
            body_md,
            opens_at: paris_midnight(opens, false),
            closes_at: paris_midnight(closes, true),
            audience,
            themes,
            has_ideas,
            has_survey,
            premoderation: checked(&self.premoderation),
            anonymous_responses: checked(&self.anonymous_responses),
            verified_only: checked(&self.verified_only),
            cover_image_url,
            cover_image_alt: self.cover_image_alt.trim().to_owned(),
        })
    }

    /// The cover image's address (ours, or https), and its text alternative when there is one.
    fn cover(&self, problems: &mut Vec<Problem>) -> Option<String> {
        let url = self.cover_image_url.trim();
        let cover_image_url = (!url.is_empty()).then(|| url.to_owned());
        if let Some(url) = &cover_image_url {
            let safe =
                (url.starts_with("/static/") || url.starts_with("https://") || url.starts_with("/espace/images/"))
                    && !url.contains(|c: char| c.is_whitespace() || "\"'<>".contains(c));
            if !safe {
                problems.push(problem("cover_image_url", "authoring.cover_url"));
            }
            if self.cover_image_alt.trim().is_empty() {
                problems.push(problem("cover_image_alt", "authoring.cover_alt"));
            }
        }
        if self.cover_image_alt.chars().count() > 300 {
            problems.push(problem("cover_image_alt", "validation.too_long"));
        }
        cover_image_url
    }
}

/// The campaign's themes, one per line: each once, at most 20 of at most 60 characters.
fn themes(text: &str, problems: &mut Vec<Problem>) -> Vec<String> {
    let mut themes: Vec<String> = Vec::new();
    for theme in text.lines().map(str::trim).filter(|t| !t.is_empty()) {
        if theme.chars().count() > 60 {
            problems.push(problem("themes", "authoring.theme_too_long"));
            break;
        }
        if !themes.iter().any(|t| t == theme) {
            themes.push(theme.to_owned());
        }
    }
    if themes.len() > 20 {
        problems.push(problem("themes", "authoring.too_many_themes"));
    }
    themes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaign_forms_are_checked_field_by_field() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let mut form = CampaignForm::new_default(today);
        form.title = "L’accueil à Bordeaux !".into();
        let draft = form.parse().unwrap();
        assert_eq!(draft.slug, "l-accueil-a-bordeaux");
        assert_eq!(
            (draft.closes_at - draft.opens_at).num_days(),
            56,
            "eight weeks by default"
        );
        assert!(draft.has_ideas && draft.has_survey);

        let bad = CampaignForm {
            title: String::new(),
            slug: "Pas Bon".into(),
            opens_on: "2026-12-01".into(),
            closes_on: "2026-11-01".into(),
            cover_image_url: "javascript:alert(1)".into(),
            ..Default::default()
        };
        let fields: Vec<_> = bad.parse().unwrap_err().iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            vec![
                "title",
                "slug",
                "closes_on",
                "has_ideas",
                "cover_image_url",
                "cover_image_alt"
            ]
        );
    }
}
