//! The profile dimension of a campaign's priority score: a single-choice survey question the
//! operator chose (`analysis_settings`), or none (profiles are then kinds of contribution).

use uuid::Uuid;

use crate::tenancy::TenantTx;

/// The question whose answers stand for profiles in the campaign's priority score, if one
/// was chosen.
pub async fn chosen(tx: &mut TenantTx, campaign: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
    let chosen: Option<Option<Uuid>> = sqlx::query_scalar(
        "SELECT profile_question_id FROM analysis_settings WHERE tenant_id = $1 AND campaign_id = $2",
    )
    .bind(tx.tenant_id())
    .bind(campaign)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(chosen.flatten())
}

/// Single-choice questions of the campaign that may stand for profiles: id and label, in order.
pub async fn candidates(tx: &mut TenantTx, campaign: Uuid) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, label FROM survey_questions
          WHERE tenant_id = $1 AND campaign_id = $2 AND kind = 'single_choice' ORDER BY position",
    )
    .bind(tx.tenant_id())
    .bind(campaign)
    .fetch_all(&mut **tx)
    .await
}

/// Chooses the profile question (or none). Returns false, changing nothing, when `question` is
/// not a single-choice question of the campaign.
pub async fn choose(
    tx: &mut TenantTx,
    campaign: Uuid,
    question: Option<Uuid>,
    operator: Uuid,
) -> Result<bool, sqlx::Error> {
    if let Some(question) = question
        && !candidates(tx, campaign).await?.iter().any(|(id, _)| *id == question)
    {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO analysis_settings (tenant_id, campaign_id, profile_question_id, updated_by)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, campaign_id) DO UPDATE SET profile_question_id = EXCLUDED.profile_question_id,
                updated_by = EXCLUDED.updated_by, updated_at = now()",
    )
    .bind(tx.tenant_id())
    .bind(campaign)
    .bind(question)
    .bind(operator)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}
