//! JSON API for what a citizen can do with campaigns and ideas, under `/api/v1`.
//!
//! Authentication is the session cookie. Cross-site requests cannot forge these calls: writes
//! take `application/json` bodies, which a foreign page cannot send without a CORS preflight
//! (and none is allowed).

use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::queries::{
    CommentProblem, Inserted, find_idea, insert_comment, insert_idea, like, list_comments, list_ideas, report, unlike,
};
use super::{CommentView, FieldError, IdeaOrder, IdeaView, NewIdea, PAGE_SIZE, parse_comment, parse_reason};
use crate::accounts::Account;
use crate::accounts::session::MaybeAccount;
use crate::campaigns::CampaignSummary;
use crate::campaigns::queries::{CampaignDetail, find_campaign, list_home_campaigns};
use crate::error::{ApiError, FieldProblem};
use crate::tenancy::{CurrentTenant, TenantTx};
use crate::web::AppState;
use crate::web::i18n::Lang;

/// The signed-in account, or 401.
pub struct ApiAccount(pub Account);

impl FromRequestParts<AppState> for ApiAccount {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match MaybeAccount::from_request_parts(parts, state).await {
            Ok(MaybeAccount(Some(account))) => Ok(ApiAccount(account)),
            Ok(MaybeAccount(None)) => Err(ApiError::Unauthorized),
            Err(_) => Err(ApiError::Internal(anyhow::anyhow!("session lookup failed"))),
        }
    }
}

fn invalid(errors: Vec<FieldError>) -> ApiError {
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

async fn campaign(tx: &mut TenantTx, slug: &str) -> Result<CampaignDetail, ApiError> {
    find_campaign(tx, slug).await?.ok_or(ApiError::NotFound)
}

/// Why a staff-only campaign refuses someone (shared by the ideas and survey APIs).
pub const STAFF_ONLY: &str =
    "Cette consultation est réservée aux agents de cette Caf, identifiés par leur adresse professionnelle.";

fn check_audience(found: &CampaignDetail, tenant: &CurrentTenant, account: Option<&Account>) -> Result<(), ApiError> {
    if found.admits(tenant, account) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(STAFF_ONLY.into()))
    }
}

/// `GET /api/v1/campaigns`.
pub async fn list_campaigns(
    State(state): State<AppState>,
    tenant: CurrentTenant,
) -> Result<Json<Vec<CampaignSummary>>, ApiError> {
    let mut tx = state.db.begin(&tenant).await?;
    let campaigns = list_home_campaigns(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(campaigns))
}

/// `GET /api/v1/campaigns/{slug}`.
pub async fn get_campaign(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    Path(slug): Path<String>,
) -> Result<Json<CampaignDetail>, ApiError> {
    let mut tx = state.db.begin(&tenant).await?;
    let found = campaign(&mut tx, &slug).await?;
    tx.commit().await?;
    // The description of a staff-only campaign is not secret; its contributions are.
    Ok(Json(found))
}

#[derive(Deserialize)]
pub struct IdeasQuery {
    order: Option<String>,
    page: Option<i64>,
    /// Seed of the random order; pass the same one to page through a stable order.
    seed: Option<String>,
    /// Full-text search (French, accent-insensitive; words, "phrases", -excluded).
    q: Option<String>,
}

#[derive(Serialize)]
pub struct IdeaPage {
    pub ideas: Vec<IdeaView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    pub order: IdeaOrder,
}

/// `GET /api/v1/campaigns/{slug}/ideas?order=random|most-liked|newest|most-commented&page=N&seed=S`.
pub async fn list_campaign_ideas(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    MaybeAccount(account): MaybeAccount,
    Path(slug): Path<String>,
    Query(query): Query<IdeasQuery>,
) -> Result<Json<IdeaPage>, ApiError> {
    let order = IdeaOrder::parse(query.order.as_deref());
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let mut tx = state.db.begin(&tenant).await?;
    let found = campaign(&mut tx, &slug).await?;
    check_audience(&found, &tenant, account.as_ref())?;
    let seed = query.seed.unwrap_or_default();
    let (ideas, total) = list_ideas(
        &mut tx,
        &found,
        order,
        &seed,
        page,
        account.map(|a| a.id),
        query.q.as_deref(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(IdeaPage {
        ideas,
        total,
        page,
        page_size: PAGE_SIZE,
        order,
    }))
}

#[derive(Deserialize)]
pub struct NewIdeaBody {
    kind: String,
    title: String,
    body: String,
    theme: Option<String>,
    /// Optional idempotency key: the same key twice stores one idea.
    submission_key: Option<Uuid>,
}

/// `POST /api/v1/campaigns/{slug}/ideas` → 201 with the idea (200 if the key was already used).
pub async fn create_idea(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path(slug): Path<String>,
    Json(body): Json<NewIdeaBody>,
) -> Result<Response, ApiError> {
    let mut tx = state.db.begin(&tenant).await?;
    let found = campaign(&mut tx, &slug).await?;
    check_audience(&found, &tenant, Some(&account))?;
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
    let inserted = insert_idea(
        &mut tx,
        &found,
        account.id,
        &idea,
        body.submission_key.unwrap_or_else(Uuid::new_v4),
    )
    .await?;
    let stored = find_idea(&mut tx, inserted.id(), Some(account.id))
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    let status = if matches!(inserted, Inserted::New(_)) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(stored)).into_response())
}

/// The idea, if visible from this space and if its campaign admits this person.
async fn idea(
    tx: &mut TenantTx,
    id: Uuid,
    tenant: &CurrentTenant,
    account: Option<&Account>,
) -> Result<IdeaView, ApiError> {
    let found = find_idea(tx, id, account.map(|a| a.id))
        .await?
        .ok_or(ApiError::NotFound)?;
    let audience: Option<String> =
        sqlx::query_scalar("SELECT audience FROM campaigns WHERE tenant_id = $1 AND id = $2")
            .bind(found.tenant_id)
            .bind(found.campaign_id)
            .fetch_optional(&mut **tx)
            .await?;
    let is_staff = account.is_some_and(|a| tenant.is_staff_email(&a.email));
    if audience.as_deref() == Some("staff") && !is_staff {
        return Err(ApiError::Forbidden(STAFF_ONLY.into()));
    }
    Ok(found)
}

/// The idea must be in an open campaign to be liked or commented.
async fn open_idea(
    tx: &mut TenantTx,
    id: Uuid,
    tenant: &CurrentTenant,
    account: &Account,
) -> Result<IdeaView, ApiError> {
    let found = idea(tx, id, tenant, Some(account)).await?;
    let open: bool = sqlx::query_scalar(
        "SELECT published_at IS NOT NULL AND now() BETWEEN opens_at AND closes_at AND results_published_at IS NULL
           FROM campaigns WHERE tenant_id = $1 AND id = $2",
    )
    .bind(found.tenant_id)
    .bind(found.campaign_id)
    .fetch_optional(&mut **tx)
    .await?
    .unwrap_or(false);
    if !open {
        return Err(ApiError::Conflict("La consultation est fermée.".into()));
    }
    if found.status != "published" {
        return Err(ApiError::Conflict("Cette contribution n’est pas publiée.".into()));
    }
    Ok(found)
}

/// `GET /api/v1/ideas/{id}`.
pub async fn get_idea(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    MaybeAccount(account): MaybeAccount,
    Path(id): Path<Uuid>,
) -> Result<Json<IdeaView>, ApiError> {
    let mut tx = state.db.begin(&tenant).await?;
    let found = idea(&mut tx, id, &tenant, account.as_ref()).await?;
    tx.commit().await?;
    Ok(Json(found))
}

/// `POST /api/v1/ideas/{id}/like` → 201; 409 for a second like or one's own idea.
pub async fn like_idea(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.db.begin(&tenant).await?;
    let found = open_idea(&mut tx, id, &tenant, &account).await?;
    if found.is_mine {
        return Err(ApiError::Conflict(
            "Vous ne pouvez pas soutenir votre propre contribution.".into(),
        ));
    }
    if !like(&mut tx, &found, account.id).await? {
        return Err(ApiError::Conflict("Vous soutenez déjà cette contribution.".into()));
    }
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}

/// `DELETE /api/v1/ideas/{id}/like` → 204; 404 when there was no like.
pub async fn unlike_idea(
    State(state): State<AppState>,
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
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/ideas/{id}/comments`: threaded, one level of replies.
pub async fn get_comments(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    MaybeAccount(account): MaybeAccount,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<CommentView>>, ApiError> {
    let mut tx = state.db.begin(&tenant).await?;
    let found = idea(&mut tx, id, &tenant, account.as_ref()).await?;
    let comments = list_comments(&mut tx, &found).await?;
    tx.commit().await?;
    Ok(Json(comments))
}

#[derive(Deserialize)]
pub struct NewCommentBody {
    body: String,
    parent_id: Option<Uuid>,
    submission_key: Option<Uuid>,
}

/// `POST /api/v1/ideas/{id}/comments` → 201 `{ "id": … }`.
pub async fn create_comment(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
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
    let status = if matches!(inserted, Inserted::New(_)) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(serde_json::json!({ "id": inserted.id() }))).into_response())
}

#[derive(Deserialize)]
pub struct NewReportBody {
    reason: String,
    comment_id: Option<Uuid>,
}

/// `POST /api/v1/ideas/{id}/reports` → 202 (queued for moderators); 409 if already reported.
pub async fn create_report(
    State(state): State<AppState>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path(id): Path<Uuid>,
    Json(body): Json<NewReportBody>,
) -> Result<StatusCode, ApiError> {
    let reason = parse_reason(&body.reason).map_err(invalid)?;
    let mut tx = state.db.begin(&tenant).await?;
    let found = idea(&mut tx, id, &tenant, Some(&account)).await?;
    if !report(&mut tx, &found, body.comment_id, account.id, &reason).await? {
        return Err(ApiError::Conflict("Vous avez déjà signalé ce contenu.".into()));
    }
    tx.commit().await?;
    Ok(StatusCode::ACCEPTED)
}
