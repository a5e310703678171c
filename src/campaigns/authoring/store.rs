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
    key: Option<Uuid>,
) -> Result<Result<Uuid, StoreProblem>, sqlx::Error> {
    let result = sqlx::query_scalar!(
        "INSERT INTO campaigns (tenant_id, slug, scope, audience, title, summary, body_md, themes, opens_at, closes_at,
                                has_ideas, has_survey, premoderation, anonymous_responses, cover_image_url, cover_image_alt,
                                creation_key, verified_only)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
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
        key,
        draft.verified_only,
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
                anonymous_responses = $14, cover_image_url = $15, cover_image_alt = $16, verified_only = $17
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
        draft.verified_only,
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

/// The campaign a console form with this key already created (a draft or a copy), if any.
/// Takes a transaction-long lock on the key first, so that the same form sent twice at once
/// waits for the first to finish and then finds what it made.
pub async fn created_with(tx: &mut TenantTx, key: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))",
        key.to_string()
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query_scalar!(
        "SELECT id FROM campaigns WHERE tenant_id = $1 AND creation_key = $2",
        tx.tenant_id(),
        key,
    )
    .fetch_optional(&mut **tx)
    .await
}

/// The first of `base`, `base-2`, `base-3`… that no campaign of this space uses as its address.
pub async fn free_slug(tx: &mut TenantTx, base: &str) -> Result<String, sqlx::Error> {
    let base: String = base
        .chars()
        .take(72)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned();
    let taken: Vec<String> = sqlx::query_scalar!(
        "SELECT slug FROM campaigns WHERE tenant_id = $1 AND (slug = $2 OR slug LIKE $2 || '-%')",
        tx.tenant_id(),
        &base,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut slug = base.clone();
    let mut n = 1;
    while taken.contains(&slug) {
        n += 1;
        slug = format!("{base}-{n}");
    }
    Ok(slug)
}

/// A new draft with the settings of campaign `from` (not its publication, contributions or
/// results), under `slug` and `title`, remembered as made by the form `key`.
pub async fn copy(
    tx: &mut TenantTx,
    from: Uuid,
    slug: &str,
    title: &str,
    key: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO campaigns (tenant_id, slug, scope, audience, title, summary, body_md, themes, opens_at, closes_at,
                                has_ideas, has_survey, premoderation, anonymous_responses, cover_image_url, cover_image_alt,
                                creation_key, verified_only)
         SELECT tenant_id, $3, scope, audience, $4, summary, body_md, themes, opens_at, closes_at,
                has_ideas, has_survey, premoderation, anonymous_responses, cover_image_url, cover_image_alt, $5, verified_only
           FROM campaigns WHERE tenant_id = $1 AND id = $2
         RETURNING id",
        tx.tenant_id(),
        from,
        slug,
        title,
        key,
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Why a draft could not be deleted.
#[derive(Debug, PartialEq, Eq)]
pub enum DeleteRefusal {
    /// It is published: withdraw it first.
    Published,
    /// Something refers to it (an idea, an answer, a workshop, news…): it is kept.
    InUse,
}

/// Deletes a draft of this space with its survey's questions. `Ok(None)`: no such campaign
/// (already deleted, or another space's). Run it in a transaction of its own: a refusal by a
/// reference leaves the transaction aborted.
pub async fn delete_draft(tx: &mut TenantTx, id: Uuid) -> Result<Option<Result<(), DeleteRefusal>>, sqlx::Error> {
    let tenant = tx.tenant_id();
    let published = sqlx::query_scalar!(
        "SELECT published_at IS NOT NULL AS \"published!\" FROM campaigns WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        tenant,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    match published {
        None => return Ok(None),
        Some(true) => return Ok(Some(Err(DeleteRefusal::Published))),
        Some(false) => {}
    }
    let deleted = async {
        // Conditions refer to other questions of the same survey: clear them first.
        sqlx::query!(
            "UPDATE survey_questions SET condition_question_id = NULL, condition_value = NULL
              WHERE tenant_id = $1 AND campaign_id = $2",
            tenant,
            id,
        )
        .execute(&mut **tx)
        .await?;
        sqlx::query!(
            "DELETE FROM survey_questions WHERE tenant_id = $1 AND campaign_id = $2",
            tenant,
            id
        )
        .execute(&mut **tx)
        .await?;
        sqlx::query!("DELETE FROM campaigns WHERE tenant_id = $1 AND id = $2", tenant, id)
            .execute(&mut **tx)
            .await
    }
    .await;
    match deleted {
        Ok(_) => Ok(Some(Ok(()))),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23503") => Ok(Some(Err(DeleteRefusal::InUse))),
        Err(e) => Err(e),
    }
}
