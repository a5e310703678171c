//! Campaign queries. Each takes a [`TenantTx`], so RLS decides what is visible.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{CampaignSummary, Lifecycle, Scope};
use crate::tenancy::TenantTx;

/// Published campaigns shown on a space's home page: its own, plus national ones (which, for
/// the national space, are its own). Open first, then upcoming, then past; newest first.
/// One query whatever the number of campaigns.
#[tracing::instrument(skip_all, fields(tenant = %tx.tenant_id()))]
pub async fn list_home_campaigns(tx: &mut TenantTx) -> Result<Vec<CampaignSummary>, sqlx::Error> {
    let tenant_id = tx.tenant_id();
    let rows = sqlx::query_as!(
        SummaryRow,
        "SELECT id, tenant_id, slug, scope, audience, title, summary, themes, cover_image_url, cover_image_alt, opens_at, closes_at,
                published_at, results_published_at
           FROM campaigns
          WHERE published_at IS NOT NULL
            AND (tenant_id = $1 OR scope = 'national')
          ORDER BY CASE WHEN now() BETWEEN opens_at AND closes_at THEN 0
                        WHEN now() < opens_at THEN 1 ELSE 2 END,
                   opens_at DESC
          LIMIT 100",
        tenant_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    let now = Utc::now();
    Ok(rows.into_iter().map(|r| r.into_summary(now)).collect())
}

/// The listing fields of a campaign row.
#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    tenant_id: Uuid,
    slug: String,
    scope: String,
    audience: String,
    title: String,
    summary: String,
    themes: Vec<String>,
    cover_image_url: Option<String>,
    cover_image_alt: String,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
    results_published_at: Option<DateTime<Utc>>,
}

impl SummaryRow {
    /// The campaign as listed, with its lifecycle at `now`.
    fn into_summary(self, now: DateTime<Utc>) -> CampaignSummary {
        CampaignSummary {
            id: self.id,
            tenant_id: self.tenant_id,
            slug: self.slug,
            scope: if self.scope == "national" {
                Scope::National
            } else {
                Scope::Local
            },
            audience: self.audience,
            title: self.title,
            summary: self.summary,
            themes: self.themes,
            cover_image_url: self.cover_image_url,
            cover_image_alt: self.cover_image_alt,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            status: Lifecycle::at(
                now,
                self.published_at,
                self.opens_at,
                self.closes_at,
                self.results_published_at,
            ),
        }
    }
}

/// A campaign as its own page shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CampaignDetail {
    #[serde(flatten)]
    pub summary: CampaignSummary,
    pub body_md: String,
    pub has_ideas: bool,
    pub has_survey: bool,
    pub premoderation: bool,
    /// Survey responses keep no account id.
    pub anonymous_responses: bool,
    /// Contributing requires a FranceConnect-verified identity; one voice per identity.
    pub verified_only: bool,
    pub published_at: Option<chrono::DateTime<Utc>>,
    pub results_published_at: Option<chrono::DateTime<Utc>>,
    /// The current space recruits workshop volunteers on it (`/consultations/{slug}/ateliers`).
    pub recruits_for_workshops: bool,
}

impl CampaignDetail {
    /// Contributions are accepted only while the campaign is open (now, not when it was read).
    pub fn is_open(&self) -> bool {
        self.lifecycle_at(Utc::now()) == Lifecycle::Open
    }

    /// Staff-only campaigns are for accounts verified as staff of the space (by e-mail domain;
    /// invitations come with the consoles).
    pub fn admits(&self, tenant: &crate::tenancy::Tenant, account: Option<&crate::accounts::Account>) -> bool {
        self.summary.audience != "staff" || account.is_some_and(|a| a.is_staff_of(tenant))
    }

    /// Whether `account` may contribute as far as identity goes: any account, unless the
    /// campaign requires a verified identity.
    pub fn hears(&self, account: &crate::accounts::Account) -> bool {
        !self.verified_only || account.verified
    }
}

/// The published campaign with this slug visible from the current space: its own first, then a
/// national one. `None` for drafts, unknown slugs, and other spaces' campaigns.
#[tracing::instrument(skip_all, fields(tenant = %tx.tenant_id()))]
pub async fn find_campaign(tx: &mut TenantTx, slug: &str) -> Result<Option<CampaignDetail>, sqlx::Error> {
    let tenant_id = tx.tenant_id();
    let row = sqlx::query_as!(
        DetailRow,
        r#"SELECT id, tenant_id, slug, scope, audience, title, summary, themes, cover_image_url, cover_image_alt, opens_at, closes_at,
                published_at, results_published_at, body_md, has_ideas, has_survey, premoderation,
                anonymous_responses, verified_only,
                EXISTS (SELECT 1 FROM workshop_recruitments w
                         WHERE w.tenant_id = $1 AND w.campaign_id = campaigns.id AND w.open AND w.purged_at IS NULL)
                  AS "recruits_for_workshops!"
           FROM campaigns
          WHERE slug = $2 AND published_at IS NOT NULL AND (tenant_id = $1 OR scope = 'national')
          ORDER BY (tenant_id = $1) DESC
          LIMIT 1"#,
        tenant_id,
        slug,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(DetailRow::into_detail))
}

/// A campaign of the current space by slug, whatever its state (drafts too): for the console.
pub async fn find_own_campaign(tx: &mut TenantTx, slug: &str) -> Result<Option<CampaignDetail>, sqlx::Error> {
    let row = sqlx::query_as!(
        DetailRow,
        r#"SELECT id, tenant_id, slug, scope, audience, title, summary, themes, cover_image_url, cover_image_alt, opens_at, closes_at,
                published_at, results_published_at, body_md, has_ideas, has_survey, premoderation,
                anonymous_responses, verified_only,
                EXISTS (SELECT 1 FROM workshop_recruitments w
                         WHERE w.tenant_id = $1 AND w.campaign_id = campaigns.id AND w.open AND w.purged_at IS NULL)
                  AS "recruits_for_workshops!"
           FROM campaigns WHERE tenant_id = $1 AND slug = $2"#,
        tx.tenant_id(),
        slug,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(DetailRow::into_detail))
}

/// Every field of a campaign row that its page shows.
#[derive(sqlx::FromRow)]
struct DetailRow {
    id: Uuid,
    tenant_id: Uuid,
    slug: String,
    scope: String,
    audience: String,
    title: String,
    summary: String,
    themes: Vec<String>,
    cover_image_url: Option<String>,
    cover_image_alt: String,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
    results_published_at: Option<DateTime<Utc>>,
    body_md: String,
    has_ideas: bool,
    has_survey: bool,
    premoderation: bool,
    anonymous_responses: bool,
    verified_only: bool,
    recruits_for_workshops: bool,
}

impl DetailRow {
    fn into_detail(self) -> CampaignDetail {
        let summary = SummaryRow {
            id: self.id,
            tenant_id: self.tenant_id,
            slug: self.slug,
            scope: self.scope,
            audience: self.audience,
            title: self.title,
            summary: self.summary,
            themes: self.themes,
            cover_image_url: self.cover_image_url,
            cover_image_alt: self.cover_image_alt,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            published_at: self.published_at,
            results_published_at: self.results_published_at,
        };
        CampaignDetail {
            summary: summary.into_summary(Utc::now()),
            body_md: self.body_md,
            has_ideas: self.has_ideas,
            has_survey: self.has_survey,
            premoderation: self.premoderation,
            anonymous_responses: self.anonymous_responses,
            verified_only: self.verified_only,
            published_at: self.published_at,
            results_published_at: self.results_published_at,
            recruits_for_workshops: self.recruits_for_workshops,
        }
    }
}
