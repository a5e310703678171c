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
        "SELECT id, tenant_id, slug, scope, audience, title, summary, themes, opens_at, closes_at,
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
    rows.into_iter()
        .map(|r| {
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
        })
        .collect()
}
