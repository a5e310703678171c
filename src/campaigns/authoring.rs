//! Writing campaigns from the console: validated drafts of a campaign, and the queries that
//! store them (its survey questions: `surveys::authoring`). Everything runs in the space's own
//! transaction: a space writes only its own campaigns (RLS), national ones from the national
//! space.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::queries::CampaignDetail;
use crate::tenancy::TenantTx;

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
    #[serde(default)]
    pub cover_image_url: String,
    #[serde(default)]
    pub cover_image_alt: String,
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

fn paris_midnight(day: NaiveDate, end_of_day: bool) -> DateTime<Utc> {
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
            cover_image_url: c.summary.cover_image_url.clone().unwrap_or_default(),
            cover_image_alt: c.summary.cover_image_alt.clone(),
        }
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
        let mut themes: Vec<String> = Vec::new();
        for theme in self.themes.lines().map(str::trim).filter(|t| !t.is_empty()) {
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
        let (has_ideas, has_survey) = (checked(&self.has_ideas), checked(&self.has_survey));
        if !has_ideas && !has_survey {
            problems.push(problem("has_ideas", "authoring.no_mode"));
        }
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
            cover_image_url,
            cover_image_alt: self.cover_image_alt.trim().to_owned(),
        })
    }
}

/// What could not be stored.
#[derive(Debug, PartialEq, Eq)]
pub enum StoreProblem {
    SlugTaken,
}

/// Creates a draft in the transaction's space (national scope on the national space).
pub async fn create(
    tx: &mut TenantTx,
    draft: &CampaignDraft,
    national: bool,
) -> Result<Result<Uuid, StoreProblem>, sqlx::Error> {
    let result = sqlx::query_scalar!(
        "INSERT INTO campaigns (tenant_id, slug, scope, audience, title, summary, body_md, themes, opens_at, closes_at,
                                has_ideas, has_survey, premoderation, anonymous_responses, cover_image_url, cover_image_alt)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        tx.tenant_id(),
        &draft.slug,
        if national { "national" } else { "local" },
        draft.audience,
        &draft.title,
        &draft.summary,
        &draft.body_md,
        &draft.themes,
        draft.opens_at,
        draft.closes_at,
        draft.has_ideas,
        draft.has_survey,
        draft.premoderation,
        draft.anonymous_responses,
        draft.cover_image_url.as_deref(),
        &draft.cover_image_alt,
    )
    .fetch_one(&mut **tx)
    .await;
    match result {
        Ok(id) => Ok(Ok(id)),
        Err(e) if crate::db::is_duplicate(&e) => Ok(Err(StoreProblem::SlugTaken)),
        Err(e) => Err(e),
    }
}

pub async fn update(
    tx: &mut TenantTx,
    id: Uuid,
    draft: &CampaignDraft,
) -> Result<Result<(), StoreProblem>, sqlx::Error> {
    let result = sqlx::query!(
        "UPDATE campaigns SET slug = $3, audience = $4, title = $5, summary = $6, body_md = $7, themes = $8,
                opens_at = $9, closes_at = $10, has_ideas = $11, has_survey = $12, premoderation = $13,
                anonymous_responses = $14, cover_image_url = $15, cover_image_alt = $16
          WHERE tenant_id = $1 AND id = $2",
        tx.tenant_id(),
        id,
        &draft.slug,
        draft.audience,
        &draft.title,
        &draft.summary,
        &draft.body_md,
        &draft.themes,
        draft.opens_at,
        draft.closes_at,
        draft.has_ideas,
        draft.has_survey,
        draft.premoderation,
        draft.anonymous_responses,
        draft.cover_image_url.as_deref(),
        &draft.cover_image_alt,
    )
    .execute(&mut **tx)
    .await;
    match result {
        Ok(_) => Ok(Ok(())),
        Err(e) if crate::db::is_duplicate(&e) => Ok(Err(StoreProblem::SlugTaken)),
        Err(e) => Err(e),
    }
}

/// A campaign of this space as the console lists it.
#[derive(Debug, Serialize)]
pub struct ConsoleCampaign {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub status: super::Lifecycle,
    pub audience: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub ideas: i64,
    pub responses: i64,
}

/// Every campaign of this space (drafts included), newest first, with their counts. One query.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<ConsoleCampaign>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT c.id, c.slug, c.title, c.audience, c.opens_at, c.closes_at, c.published_at, c.results_published_at,
                (SELECT count(*) FROM ideas i WHERE i.tenant_id = c.tenant_id AND i.campaign_id = c.id) AS "ideas!",
                (SELECT count(DISTINCT respondent_key) FROM survey_responses r
                  WHERE r.tenant_id = c.tenant_id AND r.campaign_id = c.id) AS "responses!"
           FROM campaigns c WHERE c.tenant_id = $1 ORDER BY c.created_at DESC"#,
        tx.tenant_id(),
    )
    .fetch_all(&mut **tx)
    .await?;
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(|r| ConsoleCampaign {
            id: r.id,
            slug: r.slug,
            title: r.title,
            status: super::Lifecycle::at(now, r.published_at, r.opens_at, r.closes_at, r.results_published_at),
            audience: r.audience,
            opens_at: r.opens_at,
            closes_at: r.closes_at,
            ideas: r.ideas,
            responses: r.responses,
        })
        .collect())
}

/// One campaign of this space, whatever its state.
pub async fn find(tx: &mut TenantTx, id: Uuid) -> Result<Option<CampaignDetail>, sqlx::Error> {
    let slug: Option<String> = sqlx::query_scalar!(
        "SELECT slug FROM campaigns WHERE tenant_id = $1 AND id = $2",
        tx.tenant_id(),
        id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    match slug {
        Some(slug) => super::queries::find_own_campaign(tx, &slug).await,
        None => Ok(None),
    }
}

/// Publishes (now) or withdraws a campaign. Publishing a survey needs questions.
/// Sets the campaign's cover image (an uploaded file's URL) and its text alternative.
pub async fn set_cover(tx: &mut TenantTx, id: Uuid, url: &str, alt: &str) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id();
    sqlx::query!(
        "UPDATE campaigns SET cover_image_url = $3, cover_image_alt = $4 WHERE tenant_id = $1 AND id = $2",
        tenant,
        id,
        url,
        alt,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_published(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    publish: bool,
) -> Result<Result<(), &'static str>, sqlx::Error> {
    if publish && campaign.has_survey {
        let questions: i64 = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM survey_questions WHERE tenant_id = $1 AND campaign_id = $2"#,
            tx.tenant_id(),
            campaign.summary.id,
        )
        .fetch_one(&mut **tx)
        .await?;
        if questions == 0 {
            return Ok(Err("authoring.survey_empty"));
        }
    }
    sqlx::query!(
        "UPDATE campaigns SET published_at = CASE WHEN $3 THEN COALESCE(published_at, now()) END
          WHERE tenant_id = $1 AND id = $2",
        tx.tenant_id(),
        campaign.summary.id,
        publish,
    )
    .execute(&mut **tx)
    .await?;
    Ok(Ok(()))
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
