//! Storing what the editor checked: a draft created or updated (a slug taken is refused), the
//! console's list, one campaign, its cover and its publication.

use super::*;

/// What could not be stored.
#[derive(Debug, PartialEq, Eq)]
pub enum StoreProblem {
    SlugTaken,
}

/// Creates a draft in the transaction's space (national scope on the national space).
pub async fn create(
    tx: &mut TenantTx,
    draft: &CampaignDraft,
    national: bool,
) -> Result<Result<Uuid, StoreProblem>, sqlx::Error> {
    let result = sqlx::query_scalar!(
        "INSERT INTO campaigns (tenant_id, slug, scope, audience, title, summary, body_md, themes, opens_at, closes_at,
                                has_ideas, has_survey, premoderation, anonymous_responses, cover_image_url, cover_image_alt)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        tx.tenant_id(),
        &draft.slug,
        if national { "national" } else { "local" },
        draft.audience,
        &draft.title,
        &draft.summary,
        &draft.body_md,
        &draft.themes,
        draft.opens_at,
        draft.closes_at,
        draft.has_ideas,
        draft.has_survey,
        draft.premoderation,
        draft.anonymous_responses,
        draft.cover_image_url.as_deref(),
        &draft.cover_image_alt,
    )
    .fetch_one(&mut **tx)
    .await;
    match result {
        Ok(id) => Ok(Ok(id)),
        Err(e) if crate::db::is_duplicate(&e) => Ok(Err(StoreProblem::SlugTaken)),
        Err(e) => Err(e),
    }
}

pub async fn update(
    tx: &mut TenantTx,
    id: Uuid,
    draft: &CampaignDraft,
) -> Result<Result<(), StoreProblem>, sqlx::Error> {
    let result = sqlx::query!(
        "UPDATE campaigns SET slug = $3, audience = $4, title = $5, summary = $6, body_md = $7, themes = $8,
                opens_at = $9, closes_at = $10, has_ideas = $11, has_survey = $12, premoderation = $13,
                anonymous_responses = $14, cover_image_url = $15, cover_image_alt = $16
          WHERE tenant_id = $1 AND id = $2",
        tx.tenant_id(),
        id,
        &draft.slug,
        draft.audience,
        &draft.title,
        &draft.summary,
        &draft.body_md,
        &draft.themes,
        draft.opens_at,
        draft.closes_at,
        draft.has_ideas,
        draft.has_survey,
        draft.premoderation,
        draft.anonymous_responses,
        draft.cover_image_url.as_deref(),
        &draft.cover_image_alt,
    )
    .execute(&mut **tx)
    .await;
    match result {
        Ok(_) => Ok(Ok(())),
        Err(e) if crate::db::is_duplicate(&e) => Ok(Err(StoreProblem::SlugTaken)),
        Err(e) => Err(e),
    }
}

/// A campaign of this space as the console lists it.
#[derive(Debug, Serialize)]
pub struct ConsoleCampaign {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub status: crate::campaigns::Lifecycle,
    pub audience: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub ideas: i64,
    pub responses: i64,
}

/// Every campaign of this space (drafts included), newest first, with their counts. One query.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<ConsoleCampaign>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT c.id, c.slug, c.title, c.audience, c.opens_at, c.closes_at, c.published_at, c.results_published_at,
                (SELECT count(*) FROM ideas i WHERE i.tenant_id = c.tenant_id AND i.campaign_id = c.id) AS "ideas!",
                (SELECT count(DISTINCT respondent_key) FROM survey_responses r
                  WHERE r.tenant_id = c.tenant_id AND r.campaign_id = c.id) AS "responses!"
           FROM campaigns c WHERE c.tenant_id = $1 ORDER BY c.created_at DESC"#,
        tx.tenant_id(),
    )
    .fetch_all(&mut **tx)
    .await?;
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(|r| ConsoleCampaign {
            id: r.id,
            slug: r.slug,
            title: r.title,
            status: crate::campaigns::Lifecycle::at(
                now,
                r.published_at,
                r.opens_at,
                r.closes_at,
                r.results_published_at,
            ),
            audience: r.audience,
            opens_at: r.opens_at,
            closes_at: r.closes_at,
            ideas: r.ideas,
            responses: r.responses,
        })
        .collect())
}

/// One campaign of this space, whatever its state.
pub async fn find(tx: &mut TenantTx, id: Uuid) -> Result<Option<CampaignDetail>, sqlx::Error> {
    let slug: Option<String> = sqlx::query_scalar!(
        "SELECT slug FROM campaigns WHERE tenant_id = $1 AND id = $2",
        tx.tenant_id(),
        id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    match slug {
        Some(slug) => crate::campaigns::queries::find_own_campaign(tx, &slug).await,
        None => Ok(None),
    }
}

/// Publishes (now) or withdraws a campaign. Publishing a survey needs questions.
/// Sets the campaign's cover image (an uploaded file's URL) and its text alternative.
pub async fn set_cover(tx: &mut TenantTx, id: Uuid, url: &str, alt: &str) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id();
    sqlx::query!(
        "UPDATE campaigns SET cover_image_url = $3, cover_image_alt = $4 WHERE tenant_id = $1 AND id = $2",
        tenant,
        id,
        url,
        alt,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_published(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    publish: bool,
) -> Result<Result<(), &'static str>, sqlx::Error> {
    if publish && campaign.has_survey {
        let questions: i64 = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM survey_questions WHERE tenant_id = $1 AND campaign_id = $2"#,
            tx.tenant_id(),
            campaign.summary.id,
        )
        .fetch_one(&mut **tx)
        .await?;
        if questions == 0 {
            return Ok(Err("authoring.survey_empty"));
        }
    }
    sqlx::query!(
        "UPDATE campaigns SET published_at = CASE WHEN $3 THEN COALESCE(published_at, now()) END
          WHERE tenant_id = $1 AND id = $2",
        tx.tenant_id(),
        campaign.summary.id,
        publish,
    )
    .execute(&mut **tx)
    .await?;
    Ok(Ok(()))
}
