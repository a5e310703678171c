//! `GET /api/v1/campaigns/{slug}/results`: results, decisions and synthesis as JSON.

use crate::campaigns::cache::CampaignCache;
use crate::web::json::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::cache::ResultsCache;
use crate::error::ApiError;
use crate::tenancy::CurrentTenant;
use crate::web::Ground;

pub async fn get_results(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    State(results): State<ResultsCache>,
    tenant: CurrentTenant,
    crate::accounts::session::MaybeAccount(account): crate::accounts::session::MaybeAccount,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let campaign = campaigns
        .find(&state.db, &tenant, &slug)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !campaign.admits(&tenant, account.as_ref()) {
        return Err(ApiError::NotFound);
    }
    let published = super::pages::published(&state, &results, &tenant, &campaign, "fr")
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut body = serde_json::to_value(&published).map_err(anyhow::Error::from)?;
    // Charts are for pages; the API gives the figures.
    if let Some(questions) = body["results"]["questions"].as_array_mut() {
        for q in questions {
            if let Some(q) = q.as_object_mut() {
                q.remove("chart");
            }
        }
    }
    body["campaign"] = serde_json::json!({
        "slug": campaign.summary.slug,
        "title": campaign.summary.title,
        "results_published_at": campaign.results_published_at,
    });
    Ok(Json(body).into_response())
}

/// `GET /api/v1/campaigns/{slug}/news`: the project's news, newest first.
pub async fn get_news(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    tenant: CurrentTenant,
    crate::accounts::session::MaybeAccount(account): crate::accounts::session::MaybeAccount,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let campaign = campaigns
        .find(&state.db, &tenant, &slug)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !campaign.admits(&tenant, account.as_ref()) {
        return Err(ApiError::NotFound);
    }
    let mut tx = state.db.begin(&tenant).await?;
    let posts = super::news::list(&mut tx, campaign.summary.tenant_id, campaign.summary.id).await?;
    tx.commit().await?;
    Ok(Json(posts).into_response())
}
