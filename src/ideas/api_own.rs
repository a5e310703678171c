//! The author's own ideas through the API: `PUT /api/v1/ideas/{id}` edits one while its
//! campaign is open (the earlier text kept for the moderators, likes kept), `DELETE` withdraws
//! it (its place then reads "Retirée par son auteur"). Refusals are problem documents.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

use super::api::{idea, invalid};
use super::queries::{Owned, campaign_rules, edit_idea, find_idea, withdraw};
use super::{IdeaView, NewIdea};
use crate::accounts::session::ApiAccount;
use crate::db::changes::Forget;
use crate::error::ApiError;
use crate::tenancy::{CurrentTenant, TenantId, TenantTx};
use crate::web::Ground;
use crate::web::json::Json;

#[derive(Deserialize)]
pub struct IdeaTextBody {
    kind: String,
    title: String,
    body: String,
    theme: Option<String>,
}

/// The author's idea, and a transaction in its space (where the change is written).
async fn own(
    state: &Ground,
    tenant: &CurrentTenant,
    account: &crate::accounts::Account,
    id: Uuid,
) -> Result<(IdeaView, bool, TenantTx), ApiError> {
    let mut tx = state.db.begin(tenant).await?;
    let (found, campaign) = idea(&mut tx, id, tenant, Some(account)).await?;
    tx.commit().await?;
    if !found.is_mine {
        return Err(ApiError::Forbidden("Ce n’est pas votre contribution.".into()));
    }
    let tx = state.db.begin_in(TenantId::from_database(found.tenant_id)).await?;
    Ok((found, campaign.open, tx))
}

/// `PUT /api/v1/ideas/{id}` → 200 with the idea as it now reads.
pub async fn edit_my_idea(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path(id): Path<Uuid>,
    Json(body): Json<IdeaTextBody>,
) -> Result<Json<IdeaView>, ApiError> {
    let (found, open, mut tx) = own(&state, &tenant, &account, id).await?;
    if !open {
        return Err(ApiError::Conflict("La consultation est fermée.".into()));
    }
    if found.hidden.is_some() {
        return Err(ApiError::Conflict("Cette contribution n’est plus visible.".into()));
    }
    let (themes, premoderation) = campaign_rules(&mut tx, found.campaign_id).await?;
    let new = NewIdea::parse(&body.kind, &body.title, &body.body, body.theme.as_deref(), &themes).map_err(invalid)?;
    let outcome = edit_idea(&mut tx, id, account.id, &new, premoderation).await?;
    tx.commit().await?;
    match outcome {
        Owned::Changed => forget.campaign(found.campaign_id),
        Owned::Unchanged => {}
        Owned::Refused => return Err(ApiError::Conflict("Cette contribution n’est plus visible.".into())),
    }
    let mut tx = state.db.begin(&tenant).await?;
    let now = find_idea(&mut tx, id, Some(account.id))
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(now))
}

/// `DELETE /api/v1/ideas/{id}` → 204; again → 204 (already withdrawn).
pub async fn withdraw_my_idea(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let (found, _, mut tx) = own(&state, &tenant, &account, id).await?;
    let outcome = withdraw(&mut tx, id, None, account.id).await?;
    tx.commit().await?;
    match outcome {
        Owned::Changed => forget.campaign(found.campaign_id),
        Owned::Unchanged => {}
        Owned::Refused => {
            return Err(ApiError::Conflict(
                "Cette contribution a été masquée par la modération : elle ne peut pas être retirée.".into(),
            ));
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
