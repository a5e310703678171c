//! The author's own ideas and comments through the API: `PUT /api/v1/ideas/{id}` (and
//! `…/comments/{comment}`) edits one while its campaign is open (the earlier text kept for the
//! moderators, likes kept), `DELETE` withdraws it (its place then reads "Retirée par son
//! auteur"). Refusals are problem documents.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

use super::api::{idea, invalid};
use super::api_types::{CommentParams, EditedComment, IdeaParam};
use super::queries::{campaign_rules, edit_comment, edit_idea, find_idea, withdraw};
use super::{IdeaView, NewIdea, parse_comment};
use crate::accounts::session::ApiAccount;
use crate::db::changes::Forget;
use crate::error::ApiError;
use crate::tenancy::{CurrentTenant, TenantId, TenantTx};
use crate::web::Ground;
use crate::web::json::Json;
use crate::web::openapi::{Writing, WritingJson};

/// The new text of my idea; the same text again changes nothing.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = IdeaText)]
pub struct IdeaTextBody {
    #[schema(value_type = super::IdeaKind)]
    kind: String,
    #[schema(min_length = 3, max_length = 140)]
    title: String,
    #[schema(min_length = 10, max_length = 4000)]
    body: String,
    /// One of the campaign's themes.
    theme: Option<String>,
}

/// What a change of the author's own asks of the idea. Of a comment, the query checks the
/// authorship; a withdrawal may come at any time; a new text needs the campaign open and the
/// idea still shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    IdeaText,
    CommentText,
    IdeaWithdrawal,
    CommentWithdrawal,
}

/// The preamble of every handler here: the idea (as this space sees it), whether `change` may
/// be made, and a transaction in the idea's space (where the change is written).
async fn own(
    state: &Ground,
    tenant: &CurrentTenant,
    account: &crate::accounts::Account,
    id: Uuid,
    change: Change,
) -> Result<(IdeaView, TenantTx), ApiError> {
    let mut tx = state.db.begin(tenant).await?;
    let (found, campaign) = idea(&mut tx, id, tenant, Some(account)).await?;
    tx.commit().await?;
    let of_idea = matches!(change, Change::IdeaText | Change::IdeaWithdrawal);
    if of_idea && !found.is_mine {
        return Err(ApiError::Forbidden("Ce n’est pas votre contribution.".into()));
    }
    if matches!(change, Change::IdeaText | Change::CommentText) {
        if !campaign.open {
            return Err(ApiError::Conflict("La consultation est fermée.".into()));
        }
        if found.hidden.is_some() {
            return Err(ApiError::Conflict("Cette contribution n’est plus visible.".into()));
        }
    }
    let tx = state.db.begin_in(TenantId::from_database(found.tenant_id)).await?;
    Ok((found, tx))
}

/// Edit my idea while its campaign is open (the earlier text is kept for moderators; likes stay).
#[utoipa::path(put, path = "/api/v1/ideas/{id}", tag = "ideas", params(IdeaParam),
    request_body = IdeaTextBody, security(("session" = [])), responses(
    (status = 200, description = "The idea as it now reads", body = IdeaView),
    WritingJson,
))]
pub async fn edit_my_idea(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path(id): Path<Uuid>,
    Json(body): Json<IdeaTextBody>,
) -> Result<Json<IdeaView>, ApiError> {
    let (found, mut tx) = own(&state, &tenant, &account, id, Change::IdeaText).await?;
    let (themes, premoderation) = campaign_rules(&mut tx, found.campaign_id).await?;
    let new = NewIdea::parse(&body.kind, &body.title, &body.body, body.theme.as_deref(), &themes).map_err(invalid)?;
    let outcome = edit_idea(&mut tx, id, account.id, &new, premoderation).await?;
    tx.commit().await?;
    if !outcome.settle(&forget, found.campaign_id) {
        return Err(ApiError::Conflict("Cette contribution n’est plus visible.".into()));
    }
    let mut tx = state.db.begin(&tenant).await?;
    let now = find_idea(&mut tx, id, Some(account.id))
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(now))
}

/// Withdraw my idea (its place reads "withdrawn by its author"); again: 204.
#[utoipa::path(delete, path = "/api/v1/ideas/{id}", tag = "ideas", params(IdeaParam),
    security(("session" = [])), responses(
    (status = 204, description = "Withdrawn (or already)"),
    Writing,
))]
pub async fn withdraw_my_idea(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let (found, mut tx) = own(&state, &tenant, &account, id, Change::IdeaWithdrawal).await?;
    let outcome = withdraw(&mut tx, id, None, account.id).await?;
    tx.commit().await?;
    if !outcome.settle(&forget, found.campaign_id) {
        return Err(ApiError::Conflict(
            "Cette contribution a été masquée par la modération : elle ne peut pas être retirée.".into(),
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The new text of my comment; the same text again changes nothing.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = CommentText)]
pub struct CommentTextBody {
    #[schema(min_length = 2, max_length = 2000)]
    body: String,
}

/// Edit my comment while the campaign is open (the earlier text is kept for moderators); 404
/// for a comment that is not the person's own (or not of this idea).
#[utoipa::path(put, path = "/api/v1/ideas/{id}/comments/{comment}", tag = "ideas", params(CommentParams),
    request_body = CommentTextBody, security(("session" = [])), responses(
    (status = 200, description = "The comment as it now reads", body = EditedComment),
    WritingJson,
))]
pub async fn edit_my_comment(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path((id, comment)): Path<(Uuid, Uuid)>,
    Json(body): Json<CommentTextBody>,
) -> Result<Json<EditedComment>, ApiError> {
    let (found, mut tx) = own(&state, &tenant, &account, id, Change::CommentText).await?;
    let text = parse_comment(&body.body).map_err(invalid)?;
    let outcome = edit_comment(&mut tx, id, comment, account.id, &text).await?;
    tx.commit().await?;
    if !outcome.settle(&forget, found.campaign_id) {
        return Err(ApiError::NotFound);
    }
    Ok(Json(EditedComment {
        id: comment,
        body: text,
    }))
}

/// Withdraw my comment (its place reads "withdrawn by its author"); again: 204.
#[utoipa::path(delete, path = "/api/v1/ideas/{id}/comments/{comment}", tag = "ideas", params(CommentParams),
    security(("session" = [])), responses(
    (status = 204, description = "Withdrawn (or already)"),
    Writing,
))]
pub async fn withdraw_my_comment(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path((id, comment)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    let (found, mut tx) = own(&state, &tenant, &account, id, Change::CommentWithdrawal).await?;
    let outcome = withdraw(&mut tx, id, Some(comment), account.id).await?;
    tx.commit().await?;
    if !outcome.settle(&forget, found.campaign_id) {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}
