//! `GET /api/v1/campaigns/{slug}/results`: results, decisions and synthesis as JSON.

use crate::campaigns::cache::CampaignCache;
use crate::web::json::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::cache::ResultsCache;
use crate::error::ApiError;
use crate::tenancy::CurrentTenant;
use crate::web::Ground;
use crate::web::openapi::Reading;

/// The campaign of `slug`, if it admits the person (a staff-only campaign is not found
/// otherwise).
async fn admitted(
    state: &Ground,
    campaigns: &CampaignCache,
    tenant: &CurrentTenant,
    account: Option<&crate::accounts::Account>,
    slug: &str,
) -> Result<std::sync::Arc<crate::campaigns::queries::CampaignDetail>, ApiError> {
    campaigns
        .find(&state.db, tenant, slug)
        .await?
        .filter(|campaign| campaign.admits(tenant, account))
        .ok_or(ApiError::NotFound)
}

/// The published results as the API gives them: the results page's (see
/// [`super::pages::Published`]) without the charts, and the campaign.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ResultsBody {
    #[serde(flatten)]
    pub shared: super::pages::SharedResults,
    #[serde(flatten)]
    pub viewer: super::pages::ViewerResults,
    pub campaign: ResultsCampaign,
}

/// The campaign the results are of.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ResultsCampaign {
    pub slug: String,
    pub title: String,
    pub results_published_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Published results: key figures, survey results, synthesis, decisions with the ideas they
/// answer; 404 while they are not published.
#[utoipa::path(get, path = "/api/v1/campaigns/{slug}/results", tag = "results",
    params(("slug" = String, Path, description = "The campaign's slug")),
    security((), ("session" = [])), responses(
    (status = 200, description = "The results", body = ResultsBody),
    Reading,
))]
pub async fn get_results(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    State(results): State<ResultsCache>,
    tenant: CurrentTenant,
    crate::accounts::session::MaybeAccount(account): crate::accounts::session::MaybeAccount,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let campaign = admitted(&state, &campaigns, &tenant, account.as_ref(), &slug).await?;
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
    body["campaign"] = serde_json::to_value(ResultsCampaign {
        slug: campaign.summary.slug.clone(),
        title: campaign.summary.title.clone(),
        results_published_at: campaign.results_published_at,
    })
    .map_err(anyhow::Error::from)?;
    Ok(Json(body).into_response())
}

/// News of the project after the campaign, newest first.
#[utoipa::path(get, path = "/api/v1/campaigns/{slug}/news", tag = "results",
    params(("slug" = String, Path, description = "The campaign's slug")),
    security((), ("session" = [])), responses(
    (status = 200, description = "The posts, newest first", body = Vec<super::news::NewsPost>),
    Reading,
))]
pub async fn get_news(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    tenant: CurrentTenant,
    crate::accounts::session::MaybeAccount(account): crate::accounts::session::MaybeAccount,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let campaign = admitted(&state, &campaigns, &tenant, account.as_ref(), &slug).await?;
    let mut tx = state.db.begin(&tenant).await?;
    let posts = super::news::list(&mut tx, campaign.summary.tenant_id, campaign.summary.id).await?;
    tx.commit().await?;
    Ok(Json(posts).into_response())
}
