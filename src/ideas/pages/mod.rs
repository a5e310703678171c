//! The campaign page (ideas list and form) and the idea page (comments, likes, reports).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::caches::IdeaCaches;
use super::listing::{ListRequest, list_ideas};
use super::queries::{CommentProblem, Inserted, find_idea, insert_comment, insert_idea, like, report, unlike};
use super::snapshot::visitor_seed;
use super::{FieldError, IdeaOrder, IdeaView, NewIdea, PAGE_SIZE, parse_comment, parse_reason};
use crate::accounts::pages::{message, safe_return_path};
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::csrf::{CheckedForm, CsrfForm};
use crate::web::i18n::format_period;
use crate::web::markdown::render_markdown;
use crate::web::page::Page;
use crate::web::pages::{see_other, sign_in_first};

mod follow;
mod idea;
mod own;
mod shared;

pub use follow::*;
pub use idea::*;
pub use own::*;
pub use shared::{SharedPageKey, SharedPages};

#[derive(Deserialize, Default)]
pub struct ListQuery {
    ordre: Option<String>,
    page: Option<i64>,
    /// Full-text search within the campaign's ideas.
    recherche: Option<String>,
}

/// Form values and errors to show again after a refused submission.
#[derive(Serialize, Default)]
pub(super) struct IdeaFormState {
    kind: String,
    title: String,
    body: String,
    theme: String,
    errors: Vec<ShownError>,
}

#[derive(Serialize)]
pub(super) struct ShownError {
    field: &'static str,
    message: String,
}

pub(super) fn shown(page: &Page, errors: &[FieldError]) -> Vec<ShownError> {
    errors
        .iter()
        .map(|e| ShownError {
            field: e.field,
            message: page.text(e.message),
        })
        .collect()
}

/// The campaign from the cache (before any transaction is opened; see [`CampaignCache::find`]).
///
/// [`CampaignCache::find`]: crate::campaigns::cache::CampaignCache::find
pub(super) async fn campaign_or_404(
    state: &Ground,
    caches: &IdeaCaches,
    page: &Page,
    slug: &str,
) -> Result<Arc<CampaignDetail>, PageError> {
    caches
        .campaigns
        .find(&state.db, &page.tenant, slug)
        .await?
        .ok_or(PageError::NotFound)
}

/// `GET /consultations/{slug}`.
pub async fn campaign_page(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    page: Page,
    Path(slug): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    render_campaign(
        &state,
        &caches,
        &page,
        &slug,
        &query,
        IdeaFormState::default(),
        StatusCode::OK,
    )
    .await
}

/// Whether the signed-in person already answered the campaign's survey.
async fn has_answered(state: &Ground, page: &Page, campaign: &CampaignDetail) -> Result<bool, PageError> {
    match (&page.account, campaign.has_survey) {
        (Some(account), true) => {
            let key = crate::surveys::respondent_key(&state.csrf_key, campaign.summary.id, account.id);
            let mut tx = state.db.begin(&page.tenant).await?;
            let answered = crate::surveys::queries::has_response(&mut tx, campaign, &key).await?;
            tx.commit().await?;
            Ok(answered)
        }
        _ => Ok(false),
    }
}

/// What the campaign page shows.
#[derive(Serialize)]
struct CampaignView<'a> {
    campaign: &'a CampaignDetail,
    body_html: String,
    period: String,
    ideas: Vec<IdeaView>,
    total: i64,
    order: IdeaOrder,
    page_number: i64,
    pages: i64,
    can_contribute: bool,
    form: IdeaFormState,
    submission_key: Uuid,
    search: &'a str,
    /// The signed-in person already answered the survey.
    answered: bool,
    /// Query string to keep order and search across pages.
    keep: String,
}

pub(super) async fn render_campaign(
    state: &Ground,
    caches: &IdeaCaches,
    page: &Page,
    slug: &str,
    query: &ListQuery,
    form: IdeaFormState,
    status: StatusCode,
) -> Result<Response, PageError> {
    let campaign = campaign_or_404(state, caches, page, slug).await?;
    if !campaign.admits(&page.tenant, page.account.as_ref()) {
        return staff_only(page);
    }
    let order = IdeaOrder::parse(query.ordre.as_deref());
    let page_number = query.page.unwrap_or(1).clamp(1, 10_000);
    let viewer = page.account.as_ref().map(|a| a.id);
    let snapshot = caches.snapshots.get(&state.db, &page.tenant, &campaign).await?;
    let seed = visitor_seed(&page.visitor);
    let search = super::bounded_search(query.recherche.as_deref().unwrap_or("").trim());
    // What every anonymous visitor of the same seed bucket sees, byte for byte; a search's
    // pages too (its matches change only with the snapshot's generation, in the key).
    let shared = (page.account.is_none() && status == StatusCode::OK).then(|| SharedPageKey {
        generation: snapshot.generation(),
        tenant: page.tenant.id,
        tenant_version: page.tenant.version,
        status: campaign.summary.status,
        order,
        page: page_number,
        lang: page.lang,
        seed: seed.clone(),
        search: search.to_owned(),
    });
    if let Some(key) = shared.as_ref() {
        let cached = caches.pages.get(key);
        crate::telemetry::metrics::cache_lookup("pages", cached.is_some());
        if let Some(html) = cached {
            return Ok(Html(html).into_response());
        }
    }
    // The rest runs on a miss only. Boxed, so that the future of every request (cache hits
    // included) stays small (1.3 KB with the lookups of `crate::caching`, against 32 KB when
    // everything was inline): a future is copied by value on its way through the layers.
    Box::pin(async move {
        let answered = has_answered(state, page, &campaign).await?;
        let request = ListRequest {
            order,
            seed: &seed,
            page: page_number,
            viewer,
            search: Some(search),
            searches: &caches.searches,
        };
        let (ideas, total) = list_ideas(&state.db, &snapshot, &page.tenant, &campaign, request).await?;

        let keep =
            serde_urlencoded::to_string([("ordre", order_name(order)), ("recherche", search)]).unwrap_or_default();
        let view = CampaignView {
            answered,
            search,
            keep,
            body_html: render_markdown(&campaign.body_md),
            period: format_period(page.lang, campaign.summary.opens_at, campaign.summary.closes_at),
            can_contribute: campaign.is_open() && campaign.has_ideas,
            campaign: &campaign,
            ideas,
            total,
            order,
            page_number,
            pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
            form,
            submission_key: Uuid::new_v4(),
        };
        let Html(html) = page.render("campaign.html", view)?;
        let html = Bytes::from(html);
        if let Some(key) = shared {
            caches.pages.insert(key, html.clone());
        }
        let mut response = Html(html).into_response();
        *response.status_mut() = status;
        Ok(response)
    })
    .await
}

pub(super) fn order_name(order: IdeaOrder) -> &'static str {
    match order {
        IdeaOrder::Random => "random",
        IdeaOrder::MostLiked => "most-liked",
        IdeaOrder::Newest => "newest",
        IdeaOrder::MostCommented => "most-commented",
    }
}

/// The fields of an idea as typed: the new-idea form and the author's edit form.
#[derive(Deserialize)]
pub struct IdeaFields {
    kind: String,
    title: String,
    body: String,
    theme: Option<String>,
}

impl IdeaFields {
    /// The idea, or what is wrong with it. `refused`: a field that held a refused character (a
    /// NUL...), refused before anything else is checked.
    pub(super) fn parse(&self, refused: Option<String>, themes: &[String]) -> Result<NewIdea, Vec<FieldError>> {
        match refused {
            Some(field) => Err(vec![FieldError {
                field: match field.as_str() {
                    "body" => "body",
                    "kind" => "kind",
                    "theme" => "theme",
                    _ => "title",
                },
                message: "error.invalid_text.field",
            }]),
            None => NewIdea::parse(&self.kind, &self.title, &self.body, self.theme.as_deref(), themes),
        }
    }

    /// The form again, as typed, with the messages of `errors`.
    pub(super) fn kept(self, page: &Page, errors: &[FieldError]) -> IdeaFormState {
        IdeaFormState {
            errors: shown(page, errors),
            kind: self.kind,
            title: self.title,
            body: self.body,
            theme: self.theme.unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
pub struct IdeaForm {
    #[serde(flatten)]
    fields: IdeaFields,
    submission_key: Uuid,
}

/// `POST /consultations/{slug}/idees`.
pub async fn post_idea(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    page: Page,
    Path(slug): Path<String>,
    CheckedForm { form, refused }: CheckedForm<IdeaForm>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return sign_in_first(&page.path);
    };
    let campaign = campaign_or_404(&state, &caches, &page, &slug).await?;
    if !campaign.admits(&page.tenant, Some(&account)) {
        return staff_only(&page);
    }
    if !campaign.hears(&account) {
        return crate::campaigns::pages::verified_first(&page, &slug);
    }
    if !(campaign.is_open() && campaign.has_ideas) {
        let mut r = message(
            &page,
            "ideas.closed_title",
            &["ideas.closed_body"],
            Some(("error.back_home", format!("/consultations/{slug}"))),
        )?;
        *r.status_mut() = StatusCode::CONFLICT;
        return Ok(r);
    }
    // A refused character (a NUL...): the form again, the entry kept, nothing stored.
    match form.fields.parse(refused, &campaign.summary.themes) {
        Ok(idea) => {
            let mut tx = state.db.begin(&page.tenant).await?;
            let inserted = insert_idea(&mut tx, &campaign, &account, &idea, form.submission_key).await?;
            tx.commit().await?;
            if inserted.is_new() {
                crate::telemetry::metrics::contribution(&page.tenant.slug, "idea");
            }
            caches.snapshots.forget_for_new_idea(campaign.summary.id).await;
            see_other(&format!("/consultations/{slug}/idees/{}", inserted.id()))
        }
        Err(errors) => {
            let state_form = form.fields.kept(&page, &errors);
            render_campaign(
                &state,
                &caches,
                &page,
                &slug,
                &ListQuery::default(),
                state_form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A clear explanation (403) for a staff-only campaign seen by someone who is not staff.
pub(super) fn staff_only(page: &Page) -> Result<Response, PageError> {
    let signed_in = page.account.is_some();
    let body = if signed_in {
        "campaign.staff_only_body_signed_in"
    } else {
        "campaign.staff_only_body"
    };
    let link = (!signed_in).then(|| {
        (
            "account.sign_in",
            format!(
                "/connexion?retour={}",
                serde_urlencoded::to_string([("", page.path.as_str())])
                    .unwrap_or_default()
                    .trim_start_matches('=')
            ),
        )
    });
    let mut response = message(
        page,
        "campaign.staff_only_title",
        &[body, "campaign.staff_only_proconnect"],
        link,
    )?;
    *response.status_mut() = StatusCode::FORBIDDEN;
    Ok(response)
}

/// The campaign (if it admits the person) and one of its ideas, in a transaction begun after
/// the campaign lookup.
pub(super) async fn idea_in_campaign(
    state: &Ground,
    caches: &IdeaCaches,
    page: &Page,
    slug: &str,
    id: Uuid,
) -> Result<(Arc<CampaignDetail>, IdeaView, TenantTx), PageError> {
    let campaign = campaign_or_404(state, caches, page, slug).await?;
    if !campaign.admits(&page.tenant, page.account.as_ref()) {
        return Err(PageError::StaffOnly);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let idea = find_idea(&mut tx, id, page.account.as_ref().map(|a| a.id))
        .await?
        .filter(|i| i.campaign_id == campaign.summary.id)
        .ok_or(PageError::NotFound)?;
    Ok((campaign, idea, tx))
}

/// A page that says why a change to the idea cannot be made (409), with a link back to it.
pub(super) fn idea_conflict(
    page: &Page,
    title: &str,
    body: &str,
    (slug, id): (&str, Uuid),
) -> Result<Response, PageError> {
    let mut r = message(
        page,
        title,
        &[body],
        Some(("ideas.back_to_idea", format!("/consultations/{slug}/idees/{id}"))),
    )?;
    *r.status_mut() = StatusCode::CONFLICT;
    Ok(r)
}

/// An optional id of a form (an empty field: none); anything else than an id is refused.
pub(super) fn optional_id(field: Option<String>) -> Result<Option<Uuid>, PageError> {
    match field.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => c.parse::<Uuid>().map(Some).map_err(|_| PageError::BadRequest),
        None => Ok(None),
    }
}
