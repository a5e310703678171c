//! Campaign pages.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Html;
use serde::Serialize;

use super::CampaignSummary;
use super::queries::list_home_campaigns;
use crate::error::PageError;
use crate::tenancy::CurrentTenant;
use crate::web::AppState;
use crate::web::i18n::{Lang, format_period};
use crate::web::templates::{PageFrame, render};

#[derive(Serialize)]
struct HomeCampaign<'a> {
    #[serde(flatten)]
    campaign: &'a CampaignSummary,
    period: String,
}

/// `GET /`: the space's welcome and its campaigns (local ones and national ones).
#[tracing::instrument(skip_all, fields(tenant = %tenant.slug))]
pub async fn home(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Html<String>, PageError> {
    let lang = Lang::from_headers(&headers);
    let mut tx = state.db.begin(&tenant).await?;
    let campaigns = list_home_campaigns(&mut tx).await?;
    tx.commit().await?;

    #[derive(Serialize)]
    struct Home<'a> {
        campaigns: Vec<HomeCampaign<'a>>,
        welcome_paragraphs: Vec<&'a str>,
    }
    let home = Home {
        campaigns: campaigns
            .iter()
            .map(|c| HomeCampaign {
                campaign: c,
                period: format_period(lang, c.opens_at, c.closes_at),
            })
            .collect(),
        welcome_paragraphs: tenant
            .branding
            .welcome_text
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect(),
    };
    let frame = PageFrame::new(lang, Some(&tenant), uri.path());
    Ok(Html(
        render("home.html", &frame, home).map_err(anyhow::Error::from)?,
    ))
}
