//! Managing the space's operators from the team page: changing someone's role, removing them
//! from the space (their sessions here end at once), and re-sending or withdrawing a pending
//! invitation. Every change is audited and answered with a redirect (POST-redirect-GET), and
//! doing it twice changes nothing more.
//!
//! Nobody changes or removes their own role here: an operator could otherwise lock the space
//! out by mistake (a national admin, who may act in every space, can always do it for them).

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::PageError;
use crate::operators::Role;
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

/// The role `operator` holds in the transaction's space, if any.
async fn role_here(tx: &mut TenantTx, operator: Uuid) -> Result<Option<(String, String)>, sqlx::Error> {
    let tenant = tx.tenant_id();
    sqlx::query_as(
        "SELECT o.email, r.role FROM operator_roles r JOIN operators o ON o.id = r.operator_id
          WHERE r.tenant_id = $1 AND r.operator_id = $2",
    )
    .bind(tenant)
    .bind(operator)
    .fetch_optional(&mut **tx)
    .await
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

/// `POST /admin/equipe/membres/{id}/role`: gives a member of the team another local role.
pub async fn change_role(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteOperators>,
    Path(member): Path<Uuid>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<Response, PageError> {
    let role = Role::parse(&form.role)
        .filter(|r| Role::LOCAL.contains(r))
        .ok_or(PageError::BadRequest)?;
    if member == operator.id {
        return Err(PageError::NotAllowed);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let (email, before) = role_here(&mut tx, member).await?.ok_or(PageError::NotFound)?;
    if before != role.as_str() {
        sqlx::query("UPDATE operator_roles SET role = $3 WHERE tenant_id = $1 AND operator_id = $2")
            .bind(tx.tenant_id())
            .bind(member)
            .bind(role.as_str())
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({ "from": before, "to": role.as_str() });
        crate::audit::record(
            &mut tx,
            &operator.0,
            crate::audit::AuditAction::TEAM_CHANGE_ROLE,
            &email,
            details,
        )
        .await?;
    }
    tx.commit().await?;
    see_other("/admin/equipe?fait=role")
}

/// `POST /admin/equipe/membres/{id}/retrait`: removes a member from this space's team. Their
/// console sessions here are closed in the same transaction; the next request they make is
/// sent to the sign-in page.
pub async fn remove_member(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteOperators>,
    Path(member): Path<Uuid>,
    CsrfForm(_): CsrfForm<crate::accounts::pages::Empty>,
) -> Result<Response, PageError> {
    if member == operator.id {
        return Err(PageError::NotAllowed);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    if let Some((email, role)) = role_here(&mut tx, member).await? {
        let tenant = tx.tenant_id();
        sqlx::query("DELETE FROM operator_roles WHERE tenant_id = $1 AND operator_id = $2")
            .bind(tenant)
            .bind(member)
            .execute(&mut *tx)
            .await?;
        let sessions = sqlx::query("DELETE FROM operator_sessions WHERE tenant_id = $1 AND operator_id = $2")
            .bind(tenant)
            .bind(member)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let details = serde_json::json!({ "role": role, "sessions_closed": sessions });
        crate::audit::record(
            &mut tx,
            &operator.0,
            crate::audit::AuditAction::TEAM_REMOVE_OPERATOR,
            &email,
            details,
        )
        .await?;
    }
    // Already gone (a second click, another operator): nothing more to do.
    tx.commit().await?;
    see_other("/admin/equipe?fait=retrait_membre")
}

/// A pending invitation of this space: (e-mail, role).
async fn pending(tx: &mut TenantTx, id: Uuid) -> Result<Option<(String, String)>, sqlx::Error> {
    let tenant = tx.tenant_id();
    sqlx::query_as(
        "SELECT email, role FROM operator_invitations
          WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND expires_at > now()",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Ends an invitation: its link stops working.
async fn withdraw(tx: &mut TenantTx, id: Uuid) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant_id();
    sqlx::query("UPDATE operator_invitations SET expires_at = now() WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// `POST /admin/equipe/invitations/{id}/relance`: sends the invitation again, with a new link
/// (the old one stops working) valid for the full period.
pub async fn resend_invitation(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteOperators>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<crate::accounts::pages::Empty>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    // Gone already (a second click sent it again, or it was accepted): the page says so.
    let Some((email, role)) = pending(&mut tx, id).await? else {
        tx.commit().await?;
        return see_other("/admin/equipe?fait=invitation_close");
    };
    let role = Role::parse(&role).ok_or(PageError::BadRequest)?;
    withdraw(&mut tx, id).await?;
    let base = page.origin.base_url();
    super::team::send_operator_invitation(&mut tx, &page.tenant, &base, &email, role, &operator.0).await?;
    tx.commit().await?;
    see_other("/admin/equipe?fait=relance")
}

/// `POST /admin/equipe/invitations/{id}/annulation`: withdraws a pending invitation.
pub async fn revoke_invitation(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteOperators>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<crate::accounts::pages::Empty>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    if let Some((email, role)) = pending(&mut tx, id).await? {
        withdraw(&mut tx, id).await?;
        let details = serde_json::json!({ "role": role });
        crate::audit::record(
            &mut tx,
            &operator.0,
            crate::audit::AuditAction::TEAM_REVOKE_INVITATION,
            &email,
            details,
        )
        .await?;
    }
    tx.commit().await?;
    see_other("/admin/equipe?fait=annulation")
}

/// This part of the team page's routes.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
{
    use axum::routing::post;
    axum::Router::new()
        .route("/admin/equipe/membres/{id}/role", post(change_role))
        .route("/admin/equipe/membres/{id}/retrait", post(remove_member))
        .route("/admin/equipe/invitations/{id}/relance", post(resend_invitation))
        .route("/admin/equipe/invitations/{id}/annulation", post(revoke_invitation))
}
