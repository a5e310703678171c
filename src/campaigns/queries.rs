//! Campaign queries. Each takes a [`TenantTx`], so RLS decides what is visible.

use chrono::Utc;
use sqlx::Row;

use super::{CampaignSummary, Lifecycle, Scope};
use crate::tenancy::TenantTx;

/// Published campaigns shown on a space's home page: its own, plus national ones (which, for
/// the national space, are its own). Open first, then upcoming, then past; newest first.
/// One query whatever the number of campaigns.
#[tracing::instrument(skip_all, fields(tenant = %tx.tenant_id()))]
pub async fn list_home_campaigns(tx: &mut TenantTx) -> Result<Vec<CampaignSummary>, sqlx::Error> {
    let tenant_id = tx.tenant_id();
    let rows = sqlx::query(
        "SELECT id, tenant_id, slug, scope, audience, title, summary, themes, cover_image_url, cover_image_alt, opens_at, closes_at,
                published_at, results_published_at
           FROM campaigns
          WHERE published_at IS NOT NULL
            AND (tenant_id = $1 OR scope = 'national')
          ORDER BY CASE WHEN now() BETWEEN opens_at AND closes_at THEN 0
                        WHEN now() < opens_at THEN 1 ELSE 2 END,
                   opens_at DESC
          LIMIT 100",
    )
    .bind(tenant_id)
    .fetch_all(&mut **tx)
    .await?;
    let now = Utc::now();
    rows.iter().map(|r| summary_from_row(r, now)).collect()
}

/// The listing fields of a campaign row, with its lifecycle at `now`.
fn summary_from_row(r: &sqlx::postgres::PgRow, now: chrono::DateTime<Utc>) -> Result<CampaignSummary, sqlx::Error> {
    let scope: String = r.try_get("scope")?;
    Ok(CampaignSummary {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        slug: r.try_get("slug")?,
        scope: if scope == "national" {
            Scope::National
        } else {
            Scope::Local
        },
        audience: r.try_get("audience")?,
        title: r.try_get("title")?,
        summary: r.try_get("summary")?,
        themes: r.try_get("themes")?,
        cover_image_url: r.try_get("cover_image_url")?,
        cover_image_alt: r.try_get("cover_image_alt")?,
        opens_at: r.try_get("opens_at")?,
        closes_at: r.try_get("closes_at")?,
        status: Lifecycle::at(
            now,
            r.try_get("published_at")?,
            r.try_get("opens_at")?,
            r.try_get("closes_at")?,
            r.try_get("results_published_at")?,
        ),
    })
}

/// A campaign as its own page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CampaignDetail {
    #[serde(flatten)]
    pub summary: CampaignSummary,
    pub body_md: String,
    pub has_ideas: bool,
    pub has_survey: bool,
    pub premoderation: bool,
    /// Survey responses keep no account id.
    pub anonymous_responses: bool,
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
}

/// The published campaign with this slug visible from the current space: its own first, then a
/// national one. `None` for drafts, unknown slugs, and other spaces' campaigns.
#[tracing::instrument(skip_all, fields(tenant = %tx.tenant_id()))]
pub async fn find_campaign(tx: &mut TenantTx, slug: &str) -> Result<Option<CampaignDetail>, sqlx::Error> {
    let tenant_id = tx.tenant_id();
    let row = sqlx::query(
        "SELECT id, tenant_id, slug, scope, audience, title, summary, themes, cover_image_url, cover_image_alt, opens_at, closes_at,
                published_at, results_published_at, body_md, has_ideas, has_survey, premoderation,
                anonymous_responses,
                EXISTS (SELECT 1 FROM workshop_recruitments w
                         WHERE w.tenant_id = $1 AND w.campaign_id = campaigns.id AND w.open AND w.purged_at IS NULL)
                  AS recruits_for_workshops
           FROM campaigns
          WHERE slug = $2 AND published_at IS NOT NULL AND (tenant_id = $1 OR scope = 'national')
          ORDER BY (tenant_id = $1) DESC
          LIMIT 1",
    )
    .bind(tenant_id)
    .bind(slug)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| detail_from_row(&r)).transpose()
}

/// A campaign of the current space by slug, whatever its state (drafts too): for the console.
pub async fn find_own_campaign(tx: &mut TenantTx, slug: &str) -> Result<Option<CampaignDetail>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, tenant_id, slug, scope, audience, title, summary, themes, cover_image_url, cover_image_alt, opens_at, closes_at,
                published_at, results_published_at, body_md, has_ideas, has_survey, premoderation,
                anonymous_responses,
                EXISTS (SELECT 1 FROM workshop_recruitments w
                         WHERE w.tenant_id = $1 AND w.campaign_id = campaigns.id AND w.open AND w.purged_at IS NULL)
                  AS recruits_for_workshops
           FROM campaigns WHERE tenant_id = $1 AND slug = $2",
    )
    .bind(tx.tenant_id())
    .bind(slug)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| detail_from_row(&r)).transpose()
}

fn detail_from_row(r: &sqlx::postgres::PgRow) -> Result<CampaignDetail, sqlx::Error> {
    Ok(CampaignDetail {
        summary: summary_from_row(r, Utc::now())?,
        body_md: r.try_get("body_md")?,
        has_ideas: r.try_get("has_ideas")?,
        has_survey: r.try_get("has_survey")?,
        premoderation: r.try_get("premoderation")?,
        anonymous_responses: r.try_get("anonymous_responses")?,
        published_at: r.try_get("published_at")?,
        results_published_at: r.try_get("results_published_at")?,
        recruits_for_workshops: r.try_get("recruits_for_workshops")?,
    })
}
