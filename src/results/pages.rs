//! `GET /consultations/{slug}/resultats`: the public results page of a campaign.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::cache::ResultsCache;
use super::{Figures, Results, decisions};
use crate::campaigns::Scope;
use crate::campaigns::cache::CampaignCache;
use crate::campaigns::follows::{Followed, is_following, set_following};
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::tenancy::{TenantId, TenantKind};
use crate::web::Ground;
use crate::web::markdown::render_markdown;
use crate::web::page::Page;

/// What a results page shows, for the page and the API alike: the part every space sees and
/// the viewing space's own part (each cached on its own, see [`super::cache`]), serialised as one
/// object.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    #[serde(flatten)]
    pub shared: Arc<SharedResults>,
    #[serde(flatten)]
    pub viewer: Arc<ViewerResults>,
}

/// What every space sees of a campaign's results, computed in the owner's context.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SharedResults {
    pub results: Results,
    pub synthesis_md: String,
    pub early: bool,
    pub decisions: Vec<decisions::Decision>,
    /// The main themes of the latest analysis, ranked by priority, each with sample contributions.
    pub themes: Vec<ResultTheme>,
}

/// What only the viewing space sees.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ViewerResults {
    /// What came from the viewer's space, on a national campaign seen from a local space.
    pub from_this_space: Option<Figures>,
    /// The survey's results among what came from the viewer's space (same order as
    /// `results.questions`, without charts); empty unless `from_this_space` is set.
    pub own_questions: Vec<super::QuestionResult>,
    /// Contributions per space, on a national campaign seen from the national space.
    pub territories: Vec<super::Territory>,
}

/// A theme as the results page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultTheme {
    pub key: uuid::Uuid,
    pub name: String,
    pub key_phrases: Vec<String>,
    pub size: usize,
    pub share: f64,
    /// Sample contributions: (id, title).
    pub samples: Vec<(uuid::Uuid, String)>,
}

/// The campaign's published results as `viewer` sees them, or `None` while they are not
/// published, from the instance's cache ([`super::cache`]) when it has them.
pub async fn published(
    state: &Ground,
    results: &ResultsCache,
    viewer: &crate::tenancy::Tenant,
    campaign: &CampaignDetail,
    lang: &'static str,
) -> Result<Option<Published>, sqlx::Error> {
    if campaign.results_published_at.is_none() {
        return Ok(None);
    }
    let id = campaign.summary.id;
    let generation = results.generation();
    // Each part is computed in a task of its own (see `super::cache`), with its own copies,
    // made only on a miss.
    let load = || {
        let (state, campaign) = (state.clone(), campaign.clone());
        async move { compute_shared(&state, &campaign, lang).await }
    };
    let Some(shared) = results.shared(generation, id, lang, load).await? else {
        return Ok(None);
    };
    let load = || {
        let (state, viewer, campaign) = (state.clone(), viewer.clone(), campaign.clone());
        async move { compute_viewer(&state, &viewer, &campaign, lang).await }
    };
    let viewer = results.viewer(generation, id, viewer.id, lang, load).await?;
    Ok(Some(Published { shared, viewer }))
}

/// Everyone's results, computed in the campaign owner's context. The publication and the dates
/// are read here again, in the same snapshot as the figures: the campaign handed in may come
/// from a cache a moment behind.
async fn compute_shared(
    state: &Ground,
    campaign: &CampaignDetail,
    lang: &str,
) -> Result<Option<SharedResults>, sqlx::Error> {
    // The campaign's owner, as the campaign row read from the database gives it.
    let owner = TenantId::from_database(campaign.summary.tenant_id);
    let mut tx = state.db.begin_in(owner).await?;
    let current = sqlx::query!(
        "SELECT results_synthesis_md, results_early, opens_at, closes_at FROM campaigns
              WHERE tenant_id = $1 AND id = $2 AND results_published_at IS NOT NULL",
        owner.uuid(),
        campaign.summary.id,
    )
    .fetch_optional(&mut *tx)
    .await?
    .map(|r| (r.results_synthesis_md, r.results_early, r.opens_at, r.closes_at));
    let Some((synthesis_md, early, opens_at, closes_at)) = current else {
        return Ok(None);
    };
    let questions = crate::surveys::queries::list_questions(&mut tx, campaign).await?;
    let mut results = super::compute(&mut tx, campaign, &questions, lang).await?;
    results.figures.days = (closes_at - opens_at).num_days().max(1);
    let decisions = decisions::list(&mut tx, owner.uuid(), campaign.summary.id).await?;
    // The analysis is read where it was made: in the owner's context.
    let themes = match crate::analysis::report::public_report(&mut tx, campaign.summary.id).await? {
        Some(report) => report
            .themes
            .into_iter()
            .take(8)
            .map(|t| ResultTheme {
                key: t.theme.key,
                name: t.theme.name,
                key_phrases: t.theme.key_phrases.into_iter().take(5).collect(),
                size: t.size,
                share: t.share,
                samples: t.representatives.into_iter().take(3).map(|i| (i.id, i.title)).collect(),
            })
            .collect(),
        None => Vec::new(),
    };
    tx.commit().await?;
    Ok(Some(SharedResults {
        results,
        synthesis_md,
        early,
        decisions,
        themes,
    }))
}

/// The viewing space's part: its own share of a national campaign, computed in its own context
/// from the rows RLS lets it read, or, for the national space, each territory's counts.
async fn compute_viewer(
    state: &Ground,
    viewer: &crate::tenancy::Tenant,
    campaign: &CampaignDetail,
    lang: &str,
) -> Result<ViewerResults, sqlx::Error> {
    let mut part = ViewerResults {
        from_this_space: None,
        own_questions: Vec::new(),
        territories: Vec::new(),
    };
    if campaign.summary.scope != Scope::National {
        return Ok(part);
    }
    let mut tx = state.db.begin(viewer).await?;
    match viewer.kind {
        TenantKind::National => part.territories = super::territories(&mut tx, campaign).await?,
        TenantKind::Local => {
            let questions = crate::surveys::queries::list_questions(&mut tx, campaign).await?;
            let own = super::compute_origin(&mut tx, campaign, &questions, lang).await?;
            part.from_this_space = Some(own.figures);
            part.own_questions = own
                .questions
                .into_iter()
                .map(|q| super::QuestionResult { chart: None, ..q })
                .collect();
        }
    }
    tx.commit().await?;
    Ok(part)
}

/// `GET /consultations/{slug}/resultats`.
pub async fn results_page(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    State(results): State<ResultsCache>,
    page: Page,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let campaign = campaigns
        .find(&state.db, &page.tenant, &slug)
        .await?
        .ok_or(PageError::NotFound)?;
    if !campaign.admits(&page.tenant, page.account.as_ref()) {
        return Err(PageError::StaffOnly);
    }
    let Some(published) = published(&state, &results, &page.tenant, &campaign, page.lang.code()).await? else {
        return Err(PageError::NotFound);
    };
    #[derive(Serialize)]
    struct View<'a> {
        campaign: &'a CampaignDetail,
        published: &'a Published,
        space_name: &'a str,
        contributions: i64,
        own_contributions: Option<i64>,
        synthesis_html: String,
    }
    let view = View {
        campaign: &campaign,
        contributions: published.shared.results.figures.contributions(),
        own_contributions: published.viewer.from_this_space.map(|f| f.contributions()),
        synthesis_html: render_markdown(&published.shared.synthesis_md),
        space_name: &page.tenant.name,
        published: &published,
    };
    let mut response = Html(page.render("results.html", view)?).into_response();
    *response.status_mut() = StatusCode::OK;
    Ok(response)
}

/// `GET /consultations/{slug}/nouvelles`: the project's news, newest first, and (signed in) the
/// button to follow them by e-mail.
pub async fn news_page(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    page: Page,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let campaign = campaigns
        .find(&state.db, &page.tenant, &slug)
        .await?
        .ok_or(PageError::NotFound)?;
    if !campaign.admits(&page.tenant, page.account.as_ref()) {
        return Err(PageError::StaffOnly);
    }
    let owner = campaign.summary.tenant_id;
    let mut tx = state.db.begin(&page.tenant).await?;
    let posts = super::news::list(&mut tx, owner, campaign.summary.id).await?;
    let following = match &page.account {
        Some(account) => is_following(&mut tx, owner, Followed::Campaign(campaign.summary.id), account.id).await?,
        None => false,
    };
    tx.commit().await?;
    #[derive(Serialize)]
    struct Post {
        #[serde(flatten)]
        post: super::news::NewsPost,
        body_html: String,
        date: String,
    }
    #[derive(Serialize)]
    struct View<'a> {
        campaign: &'a CampaignDetail,
        posts: Vec<Post>,
        following: bool,
        signed_in: bool,
    }
    let view = View {
        campaign: &campaign,
        posts: posts
            .into_iter()
            .map(|post| Post {
                body_html: render_markdown(&post.body_md),
                date: crate::web::format::date(page.lang, post.published_at),
                post,
            })
            .collect(),
        following,
        signed_in: page.account.is_some(),
    };
    Ok(Html(page.render("news.html", view)?).into_response())
}

#[derive(Debug, serde::Deserialize)]
pub struct FollowForm {
    action: String,
}

/// `POST /consultations/{slug}/nouvelles`: follow or stop following (signed in).
pub async fn follow(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    page: Page,
    Path(slug): Path<String>,
    crate::web::csrf::CsrfForm(form): crate::web::csrf::CsrfForm<FollowForm>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.as_ref() else {
        return crate::web::pages::see_other(&format!("/connexion?retour=/consultations/{slug}/nouvelles"));
    };
    let campaign = campaigns
        .find(&state.db, &page.tenant, &slug)
        .await?
        .ok_or(PageError::NotFound)?;
    if !campaign.admits(&page.tenant, Some(account)) {
        return Err(PageError::StaffOnly);
    }
    let follow = match form.action.as_str() {
        "suivre" => true,
        "ne-plus-suivre" => false,
        _ => return Err(PageError::BadRequest),
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let followed = Followed::Campaign(campaign.summary.id);
    set_following(&mut tx, campaign.summary.tenant_id, followed, account.id, follow).await?;
    tx.commit().await?;
    crate::web::pages::see_other(&format!("/consultations/{slug}/nouvelles"))
}
