//! Published campaigns by (space, slug), cached per instance.
//!
//! Every campaign page, idea submission and like needs the campaign; reading it once per
//! request would be the largest part of their database work. Entries live [`TTL`] at most, and
//! every instance drops them all when `ecoute_campaign_changed` is notified (a trigger on
//! `campaigns`; see [`crate::db::changes`]). The lifecycle is recomputed from the dates on each
//! lookup, so a campaign closes on time whatever the cache holds.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use moka::future::Cache;
use uuid::Uuid;

use super::Lifecycle;
use super::queries::{CampaignDetail, find_campaign};
use crate::tenancy::{Tenant, TenantDb};

/// A safety net behind the notifications.
const TTL: Duration = Duration::from_secs(60);
/// Unknown slugs are cached too (as `None`), so the bound keeps a flood of them in check.
const CAPACITY: u64 = 20_000;

#[derive(Clone)]
pub struct CampaignCache {
    cache: Cache<(Uuid, String), Option<Arc<CampaignDetail>>>,
}

impl Default for CampaignCache {
    fn default() -> Self {
        CampaignCache {
            cache: Cache::builder().max_capacity(CAPACITY).time_to_live(TTL).build(),
        }
    }
}

impl CampaignCache {
    /// The published campaign `slug` as seen from `tenant`'s space (see [`find_campaign`]).
    ///
    /// Call it before opening the request's own transaction: a miss takes a connection of its
    /// own, and holding one while waiting for another could drain the pool under load.
    pub async fn find(
        &self,
        db: &TenantDb,
        tenant: &Tenant,
        slug: &str,
    ) -> Result<Option<Arc<CampaignDetail>>, sqlx::Error> {
        let key = (tenant.id, slug.to_owned());
        let found = crate::caching::get_or_load(&self.cache, "campaigns", &key, || async {
            let mut tx = db.begin(tenant).await?;
            let found = find_campaign(&mut tx, slug).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(found.map(Arc::new))
        })
        .await?;
        Ok(found.map(|campaign| {
            let now = campaign.lifecycle_at(Utc::now());
            if now == campaign.summary.status {
                campaign
            } else {
                let mut moved = (*campaign).clone();
                moved.summary.status = now;
                Arc::new(moved)
            }
        }))
    }

    pub fn forget_all(&self) {
        self.cache.invalidate_all();
    }
}

impl CampaignDetail {
    pub fn lifecycle_at(&self, now: chrono::DateTime<Utc>) -> Lifecycle {
        Lifecycle::at(
            now,
            self.published_at,
            self.summary.opens_at,
            self.summary.closes_at,
            self.results_published_at,
        )
    }
}
