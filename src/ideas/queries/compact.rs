//! The queries of a large campaign's list (see [`crate::ideas::snapshot`]): how many published
//! ideas, up to a bound; their ids and counters in order; one page of them by id.

use std::collections::HashMap;

use uuid::Uuid;

use super::IdeaRow;
use crate::campaigns::queries::CampaignDetail;
use crate::ideas::IdeaView;
use crate::ideas::snapshot::SnapshotIdea;
use crate::tenancy::TenantTx;

/// The campaign's published ideas, counted up to `bound` at most (a large campaign costs no
/// more than `bound` index entries).
pub async fn count_published_upto(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    bound: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM (
               SELECT 1 FROM ideas
                WHERE tenant_id = $1 AND campaign_id = $2 AND status = 'published'
                LIMIT $3) AS published"#,
        campaign.summary.tenant_id,
        campaign.summary.id,
        bound,
    )
    .fetch_one(&mut **tx)
    .await
}

/// Every published idea of a campaign, newest first, as a compact snapshot holds it: its id
/// and counters. Read along the partial index `ideas_published_recent`.
pub async fn published_counters(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
) -> Result<Vec<SnapshotIdea>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, like_count, comment_count FROM ideas
          WHERE tenant_id = $1 AND campaign_id = $2 AND status = 'published'
          ORDER BY created_at DESC, id",
        campaign.summary.tenant_id,
        campaign.summary.id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SnapshotIdea::compact(r.id, r.like_count, r.comment_count))
        .collect())
}

/// The published ideas among `ids`, in the order of `ids`, as `viewer` sees them (own likes
/// included). An idea hidden, withdrawn or moved since the snapshot was loaded is left out.
pub async fn published_by_id(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    ids: &[Uuid],
    viewer: Option<Uuid>,
) -> Result<Vec<IdeaView>, sqlx::Error> {
    let rows = sqlx::query_as!(
        IdeaRow,
        r#"SELECT i.id, i.tenant_id, i.campaign_id, i.origin_tenant_id, i.kind, i.title, i.body, i.theme, i.status,
                i.like_count, i.comment_count, i.created_at, i.edited_at, i.account_id,
                COALESCE(account_pseudonym(i.account_id), 'Anonyme') AS "author!",
                ($4::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM idea_likes l
                         WHERE l.tenant_id = i.tenant_id AND l.idea_id = i.id AND l.account_id = $4)) AS "liked_by_me!",
                NULL::text AS hidden_by, NULL::text AS hidden_reason, NULL::text AS hidden_note
           FROM ideas i
          WHERE i.tenant_id = $1 AND i.campaign_id = $2 AND i.id = ANY($3) AND i.status = 'published'"#,
        campaign.summary.tenant_id,
        campaign.summary.id,
        ids,
        viewer,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut found: HashMap<Uuid, IdeaRow> = rows.into_iter().map(|r| (r.id, r)).collect();
    Ok(ids
        .iter()
        .filter_map(|id| found.remove(id))
        .map(|r| r.into_view(viewer))
        .collect())
}
