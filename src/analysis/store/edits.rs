//! What operators changed in an analysis (themes renamed, merged, split; contributions merged
//! as near-duplicates), kept across runs and replayed on each new one.

use super::*;

/// The campaign's edits, oldest first.
pub async fn edits(tx: &mut TenantTx, campaign: Uuid) -> Result<Vec<Edit>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT kind, theme_key, other_key, name, phrase FROM analysis_edits
          WHERE tenant_id = $1 AND campaign_id = $2 ORDER BY created_at, id",
        tx.tenant_id(),
        campaign,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let key = r.theme_key;
        out.push(match (r.kind.as_str(), r.other_key, r.name, r.phrase) {
            ("rename", _, Some(name), _) => Edit::Rename { key, name },
            ("merge", Some(from), _, _) => Edit::Merge { into: key, from },
            ("split", Some(new_key), Some(name), Some(phrase)) => Edit::Split {
                key,
                new_key,
                phrase,
                name,
            },
            ("drop", _, _, _) => Edit::Drop { key },
            ("restore", _, _, _) => Edit::Restore { key },
            ("assign", Some(contribution), _, _) => Edit::Assign { key, contribution },
            _ => continue,
        });
    }
    Ok(out)
}

/// Records an edit of the campaign's themes.
pub async fn add_edit(tx: &mut TenantTx, campaign: Uuid, edit: &Edit, operator: Uuid) -> Result<(), sqlx::Error> {
    let (kind, key, other, name, phrase) = match edit {
        Edit::Rename { key, name } => ("rename", *key, None, Some(name.as_str()), None),
        Edit::Merge { into, from } => ("merge", *into, Some(*from), None, None),
        Edit::Drop { key } => ("drop", *key, None, None, None),
        Edit::Restore { key } => ("restore", *key, None, None, None),
        Edit::Assign { key, contribution } => ("assign", *key, Some(*contribution), None, None),
        Edit::Split {
            key,
            new_key,
            phrase,
            name,
        } => (
            "split",
            *key,
            Some(*new_key),
            Some(name.as_str()),
            Some(phrase.as_str()),
        ),
    };
    sqlx::query(
        "INSERT INTO analysis_edits (tenant_id, campaign_id, kind, theme_key, other_key, name, phrase, operator_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(tx.tenant_id())
    .bind(campaign)
    .bind(kind)
    .bind(key)
    .bind(other)
    .bind(name)
    .bind(phrase)
    .bind(operator)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Merged contributions of the campaign: merged id → kept id.
pub async fn merges(tx: &mut TenantTx, campaign: Uuid) -> Result<HashMap<Uuid, Uuid>, sqlx::Error> {
    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT contribution_id, into_contribution_id FROM analysis_merges WHERE tenant_id = $1 AND campaign_id = $2",
    )
    .bind(tx.tenant_id())
    .bind(campaign)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Merges `others` into `kept` (all contributions of `campaign`: ideas or answers); earlier
/// merges into any of `others` follow. Returns how many were merged.
pub async fn merge_contributions(
    tx: &mut TenantTx,
    campaign: Uuid,
    kept: Uuid,
    others: &[Uuid],
    operator: Uuid,
) -> Result<u64, sqlx::Error> {
    let tenant = tx.tenant_id();
    // Only contributions of this campaign, and never the kept one.
    let mut ids = others.to_vec();
    ids.push(kept);
    let known = crate::analysis::contributions::among(tx, campaign, &ids).await?;
    if !known.contains(&kept) {
        return Ok(0);
    }
    let others: Vec<Uuid> = known.into_iter().filter(|&id| id != kept).collect();
    sqlx::query("DELETE FROM analysis_merges WHERE tenant_id = $1 AND contribution_id = $2")
        .bind(tenant)
        .bind(kept)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE analysis_merges SET into_contribution_id = $2 WHERE tenant_id = $1 AND into_contribution_id = ANY($3)",
    )
    .bind(tenant)
    .bind(kept)
    .bind(&others)
    .execute(&mut **tx)
    .await?;
    let merged = sqlx::query(
        "INSERT INTO analysis_merges (tenant_id, campaign_id, contribution_id, into_contribution_id, operator_id)
         SELECT $1, $2, id, $3, $4 FROM unnest($5::uuid[]) AS u(id)
         ON CONFLICT (tenant_id, contribution_id) DO UPDATE SET into_contribution_id = EXCLUDED.into_contribution_id,
                operator_id = EXCLUDED.operator_id, merged_at = now()",
    )
    .bind(tenant)
    .bind(campaign)
    .bind(kept)
    .bind(operator)
    .bind(&others)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(merged)
}
