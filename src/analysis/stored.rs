//! A campaign's contributions as the engine's source ([`TextSource`]): streamed from the
//! database in order, a batch at a time, keeping only their ids; the few texts the analysis
//! quotes are read again by id. At 2,000,000 contributions the job holds 32 MB of ids, not
//! 2 GB of texts (figures in `docs/performance.md`).
//!
//! The engine runs on a blocking thread; this source drives the database from there with the
//! runtime's handle.

use std::collections::HashMap;

use tokio::runtime::Handle;
use uuid::Uuid;

use super::contributions;
use super::source::{Batches, TextSource};
use crate::tenancy::{TenantDb, TenantId};

/// Texts handed to the engine at a time.
const BATCH: usize = 20_000;

pub struct Stored {
    db: TenantDb,
    tenant: TenantId,
    campaign: Uuid,
    handle: Handle,
    total: usize,
    /// The contributions read, in order.
    pub ids: Vec<Uuid>,
}

impl Stored {
    /// The campaign's contributions, counted (for progress); call from the runtime.
    pub async fn new(db: TenantDb, tenant: TenantId, campaign: Uuid) -> anyhow::Result<Stored> {
        let mut tx = db.begin_in(tenant).await?;
        let total = contributions::count(&mut tx, campaign).await?;
        tx.commit().await?;
        Ok(Stored {
            db,
            tenant,
            campaign,
            handle: Handle::current(),
            total: usize::try_from(total).unwrap_or(0),
            ids: Vec::new(),
        })
    }
}

impl TextSource for Stored {
    fn len_hint(&self) -> Option<usize> {
        Some(self.total)
    }

    fn read(&mut self, batch: &mut dyn FnMut(&[&str])) -> Result<(), String> {
        let (db, tenant, campaign) = (self.db.clone(), self.tenant, self.campaign);
        let mut ids = Vec::with_capacity(self.total);
        self.handle
            .block_on(async {
                let mut tx = db.begin_in(tenant).await?;
                let mut texts = Batches::new(BATCH, batch);
                contributions::texts(&mut tx, campaign, |id, text| {
                    ids.push(id);
                    texts.push(text);
                })
                .await?;
                texts.finish();
                tx.commit().await
            })
            .map_err(|e| e.to_string())?;
        self.ids = ids;
        Ok(())
    }

    fn fetch(&mut self, indices: &[usize]) -> Result<Vec<String>, String> {
        let ids: Vec<Uuid> = indices.iter().filter_map(|&i| self.ids.get(i).copied()).collect();
        let (db, tenant, campaign) = (self.db.clone(), self.tenant, self.campaign);
        let mut found: HashMap<Uuid, String> = self
            .handle
            .block_on(async {
                let mut tx = db.begin_in(tenant).await?;
                let found = contributions::texts_of(&mut tx, campaign, &ids).await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(found)
            })
            .map_err(|e| e.to_string())?;
        // A contribution withdrawn or moderated since the reading quotes as nothing.
        Ok(ids.iter().map(|id| found.remove(id).unwrap_or_default()).collect())
    }
}
