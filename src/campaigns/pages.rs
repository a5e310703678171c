//! Campaign pages.

use axum::extract::State;
use axum::response::Html;
use serde::Serialize;

use super::CampaignSummary;
use super::queries::list_home_campaigns;
use crate::error::PageError;
use crate::web::Ground;
use crate::web::i18n::format_period;
use crate::web::page::Page;

#[derive(Serialize)]
struct HomeCampaign<'a> {
    #[serde(flatten)]
    campaign: &'a CampaignSummary,
    period: String,
}

/// `GET /`: the space's welcome and its campaigns (local ones and national ones).
#[tracing::instrument(skip_all, fields(tenant = %page.tenant.slug))]
pub async fn home(State(state): State<Ground>, page: Page) -> Result<Html<String>, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
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
                period: format_period(page.lang, c.opens_at, c.closes_at),
            })
            .collect(),
        welcome_paragraphs: page
            .tenant
            .branding
            .welcome_text
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect(),
    };
    page.render("home.html", home)
}

/// A clear explanation (403) for a campaign that requires a verified identity, to someone
/// signed in without one: an invitation to sign in with FranceConnect, coming back to the
/// campaign `slug`.
pub fn verified_first(page: &Page, slug: &str) -> Result<axum::response::Response, PageError> {
    let back = format!("/consultations/{slug}");
    let href = format!(
        "/connexion/franceconnect?{}",
        serde_urlencoded::to_string([("retour", back.as_str())]).unwrap_or_default()
    );
    let mut response = crate::accounts::pages::message(
        page,
        "campaign.verified_only_title",
        &["campaign.verified_only_body", "campaign.verified_only_one_voice"],
        Some(("campaign.verified_only_sign_in", href)),
    )?;
    *response.status_mut() = axum::http::StatusCode::FORBIDDEN;
    Ok(response)
}
