//! Filing ideas under a theme of the analysis by hand, from the contributions console's bulk
//! action: each filing is an edit ([`Edit::Assign`]) kept across runs and replayed like the
//! renames and merges, so a new run keeps what a moderator decided.

use std::collections::HashMap;

use uuid::Uuid;

use super::versions::{Edit, EffectiveTheme, apply_edits};
use super::{contributions, profiles, report, store};
use crate::tenancy::TenantTx;

/// The themes of the campaign's latest finished run, with the edits applied, not set aside;
/// none when there is no run or when it is too small to have themes.
async fn current_themes(tx: &mut TenantTx, campaign: Uuid) -> Result<Vec<EffectiveTheme>, sqlx::Error> {
    let Some(run) = store::latest_done(tx, campaign).await? else {
        return Ok(Vec::new());
    };
    if report::is_small(&run) {
        return Ok(Vec::new());
    }
    let stored = store::themes(tx, run.id).await?;
    let assignment = store::assignment(tx, run.id).await?;
    let edits = store::edits(tx, campaign).await?;
    // Only a split reads texts when replayed: the campaign's contributions are read for it
    // alone (the search page asks for these themes on every visit, whatever the size).
    let texts: HashMap<Uuid, String> = if edits.iter().any(|e| matches!(e, Edit::Split { .. })) {
        let profile = profiles::chosen(tx, campaign).await?;
        let read = contributions::read(tx, campaign, profile).await?;
        read.iter().map(|c| (c.id, c.text())).collect()
    } else {
        HashMap::new()
    };
    let themes = apply_edits(&stored, &assignment, &edits, &|id| texts.get(&id).cloned());
    Ok(themes.into_iter().filter(|t| !t.dropped).collect())
}

/// The themes an idea of `campaign` may be filed under: (key, name), by name.
pub async fn themes_to_file_under(tx: &mut TenantTx, campaign: Uuid) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    let mut themes: Vec<(Uuid, String)> = current_themes(tx, campaign)
        .await?
        .into_iter()
        .map(|t| (t.key, t.name))
        .collect();
    themes.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(themes)
}

/// Files the ideas `ideas` of `campaign` under the theme `key`, those not in it already, one
/// edit each. `None` when `key` is no current theme of the campaign; else the ideas filed.
/// Edits of one campaign are taken one transaction at a time, so a form sent twice at once
/// files each idea once.
pub async fn file_under(
    tx: &mut TenantTx,
    campaign: Uuid,
    key: Uuid,
    ideas: &[Uuid],
    operator: Uuid,
) -> Result<Option<Vec<Uuid>>, sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('analysis-edits:' || $1::text, 0))")
        .bind(campaign)
        .execute(&mut **tx)
        .await?;
    let themes = current_themes(tx, campaign).await?;
    let Some(theme) = themes.iter().find(|t| t.key == key) else {
        return Ok(None);
    };
    let own: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM ideas WHERE tenant_id = $1 AND campaign_id = $2 AND id = ANY($3) ORDER BY id",
    )
    .bind(tx.tenant_id())
    .bind(campaign)
    .bind(ideas)
    .fetch_all(&mut **tx)
    .await?;
    let filed: Vec<Uuid> = own.into_iter().filter(|id| !theme.members.contains(id)).collect();
    for &contribution in &filed {
        store::add_edit(tx, campaign, &Edit::Assign { key, contribution }, operator).await?;
    }
    Ok(Some(filed))
}
