//! JSON API for what a citizen can do with campaigns and ideas, under `/api/v1`.
//!
//! Authentication is the session cookie. Cross-site requests cannot forge these calls: writes
//! take `application/json` bodies, which a foreign page cannot send without a CORS preflight
//! (and none is allowed).

use std::sync::Arc;

use crate::web::json::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::api_types::{
    CommentId, IdeaPage, IdeaParam, IdeasQuery, NewCommentBody, NewIdeaBody, NewReportBody, SlugParam,
};
use super::caches::IdeaCaches;
use super::likes::{LikeOutcome, LikeRequest};
use super::listing::{ListRequest, list_ideas};
use super::queries::{
    CommentProblem, IdeaCampaign, IdeaInserted, Inserted, find_idea, find_idea_in_campaign, insert_comment,
    insert_idea, list_comments, report, unlike,
};
use super::{CommentView, FieldError, IdeaOrder, IdeaView, NewIdea, PAGE_SIZE, parse_comment, parse_reason};
use crate::accounts::Account;
use crate::accounts::session::ApiAccount;
use crate::accounts::session::MaybeAccount;
use crate::campaigns::CampaignSummary;
use crate::campaigns::queries::{CampaignDetail, list_home_campaigns};
use crate::error::{ApiError, FieldProblem};
use crate::tenancy::{CurrentTenant, TenantTx};
use crate::web::Ground;
use crate::web::i18n::Lang;
use crate::web::openapi::{Reading, Writing, WritingJson};

pub(super) fn invalid(errors: Vec<FieldError>) -> ApiError {
    let lang = Lang::Fr;
    ApiError::Invalid(
        errors
            .into_iter()
            .map(|e| FieldProblem {
                field: e.field.into(),
                message: lang.text(e.message),
            })
            .collect(),
    )
}

/// The campaign from the cache (before any transaction is opened).
async fn campaign(
    state: &Ground,
    caches: &IdeaCaches,
    tenant: &CurrentTenant,
    slug: &str,
) -> Result<Arc<CampaignDetail>, ApiError> {
    caches
        .campaigns
        .find(&state.db, tenant, slug)
        .await?
        .ok_or(ApiError::NotFound)
}

fn check_audience(found: &CampaignDetail, tenant: &CurrentTenant, account: Option<&Account>) -> Result<(), ApiError> {
    if found.admits(tenant, account) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(crate::campaigns::STAFF_ONLY.into()))
    }
}

/// Published campaigns shown in this space (its own and national ones).
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", responses(
    (status = 200, description = "The campaigns", body = Vec<CampaignSummary>),
    Reading,
))]
pub async fn list_campaigns(
    State(state): State<Ground>,
    tenant: CurrentTenant,
) -> Result<Json<Vec<CampaignSummary>>, ApiError> {
    let mut tx = state.db.begin(&tenant).await?;
    let campaigns = list_home_campaigns(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(campaigns))
}

/// One campaign.
#[utoipa::path(get, path = "/api/v1/campaigns/{slug}", tag = "campaigns", params(SlugParam), responses(
    (status = 200, description = "The campaign", body = CampaignDetail),
    Reading,
))]
pub async fn get_campaign(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    tenant: CurrentTenant,
    Path(slug): Path<String>,
) -> Result<Json<CampaignDetail>, ApiError> {
    let found = campaign(&state, &caches, &tenant, &slug).await?;
    // The description of a staff-only campaign is not secret; its contributions are.
    Ok(Json((*found).clone()))
}

/// A page of ideas (order, page, seed, q).
#[utoipa::path(get, path = "/api/v1/campaigns/{slug}/ideas", tag = "ideas", params(SlugParam, IdeasQuery),
    security((), ("session" = [])), responses(
    (status = 200, description = "The page (`total`: every match)", body = IdeaPage),
    Reading,
))]
pub async fn list_campaign_ideas(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    tenant: CurrentTenant,
    MaybeAccount(account): MaybeAccount,
    Path(slug): Path<String>,
    Query(query): Query<IdeasQuery>,
) -> Result<Json<IdeaPage>, ApiError> {
    if query
        .q
        .as_deref()
        .is_some_and(|q| q.chars().count() > super::SEARCH_MAX_CHARS)
    {
        return Err(ApiError::Invalid(vec![FieldProblem {
            field: "q".into(),
            message: format!("La recherche tient en {} caractères au plus.", super::SEARCH_MAX_CHARS),
        }]));
    }
    let order = IdeaOrder::parse(query.order.as_deref());
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let found = campaign(&state, &caches, &tenant, &slug).await?;
    check_audience(&found, &tenant, account.as_ref())?;
    let request = ListRequest {
        order,
        seed: query.seed.as_deref().unwrap_or_default(),
        page,
        viewer: account.map(|a| a.id),
        search: query.q.as_deref(),
        searches: &caches.searches,
    };
    let snapshot = caches.snapshots.get(&state.db, &tenant, &found).await?;
    let (ideas, total) = list_ideas(&state.db, &snapshot, &tenant, &found, request).await?;
    Ok(Json(IdeaPage {
        ideas,
        total,
        page,
        page_size: PAGE_SIZE,
        order,
    }))
}

/// Post an idea (signed in).
#[utoipa::path(post, path = "/api/v1/campaigns/{slug}/ideas", tag = "ideas", params(SlugParam),
    request_body = NewIdeaBody, security(("session" = [])), responses(
    (status = 201, description = "The idea, as stored", body = IdeaView),
    (status = 200, description = "Same key again: the idea as first stored", body = IdeaView),
    WritingJson,
))]
pub async fn create_idea(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path(slug): Path<String>,
    Json(body): Json<NewIdeaBody>,
) -> Result<Response, ApiError> {
    let found = campaign(&state, &caches, &tenant, &slug).await?;
    check_audience(&found, &tenant, Some(&account))?;
    if !found.hears(&account) {
        return Err(ApiError::Forbidden(crate::campaigns::VERIFIED_ONLY.into()));
    }
    if !(found.is_open() && found.has_ideas) {
        return Err(ApiError::Conflict(
            "Cette consultation n’accepte pas de contribution pour le moment.".into(),
        ));
    }
    let idea = NewIdea::parse(
        &body.kind,
        &body.title,
        &body.body,
        body.theme.as_deref(),
        &found.summary.themes,
    )
    .map_err(invalid)?;
    let mut tx = state.db.begin(&tenant).await?;
    let inserted = insert_idea(
        &mut tx,
        &found,
        &account,
        &idea,
        body.submission_key.unwrap_or_else(Uuid::new_v4),
    )
    .await?;
    let (status, stored) = match inserted {
        IdeaInserted::New(stored) => (StatusCode::CREATED, *stored),
        // A repeated submission: the idea as first stored.
        IdeaInserted::Duplicate(id) => (
            StatusCode::OK,
            find_idea(&mut tx, id, Some(account.id))
                .await?
                .ok_or(ApiError::NotFound)?,
        ),
    };
    tx.commit().await?;
    if status == StatusCode::CREATED {
        crate::telemetry::metrics::contribution(&tenant.slug, "idea");
        caches.snapshots.forget_for_new_idea(found.summary.id).await;
    }
    Ok((status, Json(stored)).into_response())
}

/// The idea, if visible from this space and if its campaign admits this person. One query.
pub(super) async fn idea(
    tx: &mut TenantTx,
    id: Uuid,
    tenant: &CurrentTenant,
    account: Option<&Account>,
) -> Result<(IdeaView, IdeaCampaign), ApiError> {
    let (found, campaign) = find_idea_in_campaign(tx, id, account.map(|a| a.id))
        .await?
        .ok_or(ApiError::NotFound)?;
    let is_staff = account.is_some_and(|a| a.is_staff_of(tenant));
    if campaign.staff_only && !is_staff {
        return Err(ApiError::Forbidden(crate::campaigns::STAFF_ONLY.into()));
    }
    Ok((found, campaign))
}

/// The idea must be published, in an open campaign, to be liked or commented.
async fn open_idea(
    tx: &mut TenantTx,
    id: Uuid,
    tenant: &CurrentTenant,
    account: &Account,
) -> Result<IdeaView, ApiError> {
    let (found, campaign) = idea(tx, id, tenant, Some(account)).await?;
    if campaign.verified_only && !account.verified {
        return Err(ApiError::Forbidden(crate::campaigns::VERIFIED_ONLY.into()));
    }
    if !campaign.open {
        return Err(ApiError::Conflict("La consultation est fermée.".into()));
    }
    if found.status != "published" {
        return Err(ApiError::Conflict("Cette contribution n’est pas publiée.".into()));
    }
    Ok(found)
}

/// One idea.
#[utoipa::path(get, path = "/api/v1/ideas/{id}", tag = "ideas", params(IdeaParam),
    security((), ("session" = [])), responses(
    (status = 200, description = "The idea", body = IdeaView),
    Reading,
))]
pub async fn get_idea(
    State(state): State<Ground>,
    tenant: CurrentTenant,
    MaybeAccount(account): MaybeAccount,
    Path(id): Path<Uuid>,
) -> Result<Json<IdeaView>, ApiError> {
    let mut tx = state.db.begin(&tenant).await?;
    let (found, _) = idea(&mut tx, id, &tenant, account.as_ref()).await?;
    tx.commit().await?;
    Ok(Json(found))
}

/// Support an idea (once; not one's own).
#[utoipa::path(post, path = "/api/v1/ideas/{id}/like", tag = "ideas", params(IdeaParam),
    security(("session" = [])), responses(
    (status = 201, description = "Supported (no body)"),
    Writing,
))]
pub async fn like_idea(
    State(caches): State<IdeaCaches>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let request = LikeRequest {
        space: tenant.tenant_id(),
        idea: id,
        account: account.id,
        staff: account.is_staff_of(&tenant),
        verified: account.verified,
    };
    let conflict = |why: &str| Err(ApiError::Conflict(why.into()));
    match caches.likes.like(request).await? {
        LikeOutcome::Liked { campaign_id, .. } => {
            caches.snapshots.count_like(campaign_id, id, 1).await;
            Ok(StatusCode::CREATED)
        }
        LikeOutcome::AlreadyLiked => conflict("Vous soutenez déjà cette contribution."),
        LikeOutcome::OwnIdea => conflict("Vous ne pouvez pas soutenir votre propre contribution."),
        LikeOutcome::NotFound => Err(ApiError::NotFound),
        LikeOutcome::StaffOnly => Err(ApiError::Forbidden(crate::campaigns::STAFF_ONLY.into())),
        LikeOutcome::Unverified => Err(ApiError::Forbidden(crate::campaigns::VERIFIED_ONLY.into())),
        LikeOutcome::Closed => conflict("La consultation est fermée."),
        LikeOutcome::NotPublished => conflict("Cette contribution n’est pas publiée."),
    }
}

/// Withdraw my support (404: there was none).
#[utoipa::path(delete, path = "/api/v1/ideas/{id}/like", tag = "ideas", params(IdeaParam),
    security(("session" = [])), responses(
    (status = 204, description = "Support withdrawn"),
    Writing,
))]
pub async fn unlike_idea(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.db.begin(&tenant).await?;
    let found = open_idea(&mut tx, id, &tenant, &account).await?;
    if !unlike(&mut tx, &found, account.id).await? {
        return Err(ApiError::NotFound);
    }
    tx.commit().await?;
    caches.snapshots.count_like(found.campaign_id, found.id, -1).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Comments, with one level of replies.
#[utoipa::path(get, path = "/api/v1/ideas/{id}/comments", tag = "ideas", params(IdeaParam),
    security((), ("session" = [])), responses(
    (status = 200, description = "Top-level comments, each with its replies", body = Vec<CommentView>),
    Reading,
))]
pub async fn get_comments(
    State(state): State<Ground>,
    tenant: CurrentTenant,
    MaybeAccount(account): MaybeAccount,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<CommentView>>, ApiError> {
    let mut tx = state.db.begin(&tenant).await?;
    let (found, _) = idea(&mut tx, id, &tenant, account.as_ref()).await?;
    let comments = list_comments(&mut tx, &found, account.as_ref().map(|a| a.id)).await?;
    tx.commit().await?;
    Ok(Json(comments))
}

/// Comment, or reply to a top-level comment.
#[utoipa::path(post, path = "/api/v1/ideas/{id}/comments", tag = "ideas", params(IdeaParam),
    request_body = NewCommentBody, security(("session" = [])), responses(
    (status = 201, description = "The comment's id", body = CommentId),
    (status = 200, description = "Same key again: the comment as first stored", body = CommentId),
    WritingJson,
))]
pub async fn create_comment(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    axum::Extension(origin): axum::Extension<crate::tenancy::host::RequestOrigin>,
    Path(id): Path<Uuid>,
    Json(body): Json<NewCommentBody>,
) -> Result<Response, ApiError> {
    let text = parse_comment(&body.body).map_err(invalid)?;
    let mut tx = state.db.begin(&tenant).await?;
    let found = open_idea(&mut tx, id, &tenant, &account).await?;
    let inserted = match insert_comment(
        &mut tx,
        &found,
        body.parent_id,
        account.id,
        &text,
        body.submission_key.unwrap_or_else(Uuid::new_v4),
    )
    .await?
    {
        Ok(inserted) => inserted,
        Err(CommentProblem::BadParent) => {
            return Err(ApiError::Invalid(vec![FieldProblem {
                field: "parent_id".into(),
                message: "On ne peut répondre qu’à un commentaire de premier niveau de cette contribution.".into(),
            }]));
        }
    };
    tx.commit().await?;
    let status = if let Inserted::New(comment) = &inserted {
        crate::telemetry::metrics::contribution(&tenant.slug, "comment");
        caches.snapshots.count_comment(found.campaign_id, found.id).await;
        let base = super::follows::idea_space_base(&origin, &tenant, found.tenant_id);
        super::follows::tell_reply(&state.db, &found, *comment, &base).await;
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(CommentId { id: inserted.id() })).into_response())
}

/// Report an idea or one of its comments to moderators: 202; 409 if already reported.
#[utoipa::path(post, path = "/api/v1/ideas/{id}/reports", tag = "ideas", params(IdeaParam),
    request_body = NewReportBody, security(("session" = [])), responses(
    (status = 202, description = "Queued for the moderators (no body)"),
    WritingJson,
))]
pub async fn create_report(
    State(state): State<Ground>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path(id): Path<Uuid>,
    Json(body): Json<NewReportBody>,
) -> Result<StatusCode, ApiError> {
    let reason = parse_reason(&body.reason).map_err(invalid)?;
    let mut tx = state.db.begin(&tenant).await?;
    let (found, _) = idea(&mut tx, id, &tenant, Some(&account)).await?;
    if !report(&mut tx, &found, body.comment_id, account.id, &reason).await? {
        return Err(ApiError::Conflict("Vous avez déjà signalé ce contenu.".into()));
    }
    tx.commit().await?;
    Ok(StatusCode::ACCEPTED)
}
