//! A page of a campaign's ideas: the in-memory snapshot for the list and its order, plus, only
//! when needed, one short transaction for search results, the viewer's own facts and, for a
//! large campaign, the page's ideas themselves.

use uuid::Uuid;

use super::queries::{liked_among, own_pending_ideas, published_by_id};
use super::searches::SearchResults;
use super::snapshot::IdeaSnapshot;
use super::{IdeaOrder, IdeaView};
use crate::campaigns::queries::CampaignDetail;
use crate::tenancy::{Tenant, TenantDb};

/// What a list request asks for.
pub struct ListRequest<'a> {
    pub order: IdeaOrder,
    /// The random order's seed (the visitor cookie, or the API's `seed`).
    pub seed: &'a str,
    pub page: i64,
    pub viewer: Option<Uuid>,
    pub search: Option<&'a str>,
    /// Where searches are shared, and queued.
    pub searches: &'a SearchResults,
}

/// One page of published ideas (the viewer's pending ones first, on the first page of an
/// unfiltered list), and the number of published ideas listed.
///
/// Anonymous and unfiltered, from a full snapshot: no query at all, once the snapshot is
/// loaded. Otherwise one transaction with at most three small queries, whatever the number of
/// ideas; from a compact snapshot, one of them reads the page's ideas by id (published ones
/// only: an idea hidden since the snapshot's load is left out at once).
pub async fn list_ideas(
    db: &TenantDb,
    snapshot: &IdeaSnapshot,
    tenant: &Tenant,
    campaign: &CampaignDetail,
    request: ListRequest<'_>,
) -> Result<(Vec<IdeaView>, i64), sqlx::Error> {
    // Cut here too, whoever calls: the cost of a full-text query grows with its words.
    let search = request
        .search
        .map(|s| super::bounded_search(s.trim()))
        .filter(|s| !s.is_empty());
    if request.viewer.is_none() && search.is_none() && !snapshot.is_compact() {
        let (page, total) = snapshot.page(request.order, request.seed, request.page, None);
        return Ok((page.iter().filter_map(|i| i.view_for(None)).collect(), total as i64));
    }
    let only = match search {
        Some(q) => Some(
            request
                .searches
                .matching(db, tenant, campaign, snapshot.generation(), q)
                .await?,
        ),
        None => None,
    };
    let mut tx = db.begin(tenant).await?;
    let (page, total) = snapshot.page(request.order, request.seed, request.page, only.as_deref());
    let mut ideas: Vec<IdeaView> = if snapshot.is_compact() {
        let ids: Vec<Uuid> = page.iter().map(|i| i.id()).collect();
        published_by_id(&mut tx, campaign, &ids, request.viewer).await?
    } else {
        let mut ideas: Vec<IdeaView> = page.iter().filter_map(|i| i.view_for(request.viewer)).collect();
        if let Some(viewer) = request.viewer {
            let ids: Vec<Uuid> = ideas.iter().map(|i| i.id).collect();
            let liked = liked_among(&mut tx, campaign, viewer, &ids).await?;
            for idea in &mut ideas {
                idea.liked_by_me = liked.contains(&idea.id);
            }
        }
        ideas
    };
    if let Some(viewer) = request.viewer
        && request.page <= 1
        && search.is_none()
    {
        let mut pending = own_pending_ideas(&mut tx, campaign, viewer).await?;
        pending.append(&mut ideas);
        ideas = pending;
    }
    tx.commit().await?;
    Ok((ideas, total as i64))
}
