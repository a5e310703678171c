//! The national admins, on the national space's team page: who they are, and withdrawing the
//! role from one of them (oneself included). The platform keeps at least one: the database
//! refuses to withdraw the last active national admin (`console_revoke_national_admin`, which
//! locks them all, so two admins withdrawing each other at once cannot leave none). Audited.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use uuid::Uuid;

use super::team::{TeamErrors, render_team};
use crate::error::PageError;
use crate::tenancy::{TenantKind, TenantTx};
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

/// A national admin as the team page lists them.
#[derive(Serialize)]
pub struct NationalAdmin {
    id: Uuid,
    name: String,
    email: String,
    is_self: bool,
}

/// The active national admins (what the national space's team page shows), by name.
pub async fn list(tx: &mut TenantTx, me: Uuid) -> Result<Vec<NationalAdmin>, sqlx::Error> {
    let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
        "SELECT id, name, email FROM operators WHERE national_admin AND disabled_at IS NULL ORDER BY name, email",
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email)| NationalAdmin {
            is_self: id == me,
            id,
            name,
            email,
        })
        .collect())
}

/// `POST /admin/equipe/administrateurs/{id}/retrait`: withdraws the national admin role.
pub async fn revoke(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::InviteOperators>,
    Path(admin): Path<Uuid>,
    CsrfForm(_): CsrfForm<crate::accounts::pages::Empty>,
) -> Result<Response, PageError> {
    if page.tenant.kind != TenantKind::National || !operator.national_admin {
        return Err(PageError::NotFound);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM operators WHERE id = $1")
        .bind(admin)
        .fetch_optional(&mut *tx)
        .await?;
    let outcome: String = sqlx::query_scalar("SELECT console_revoke_national_admin($1, $2)")
        .bind(operator.id)
        .bind(admin)
        .fetch_one(&mut *tx)
        .await?;
    match outcome.as_str() {
        "done" => {
            let details = serde_json::json!({ "operator": admin });
            let target = email.unwrap_or_default();
            crate::audit::record(
                &mut tx,
                &operator.0,
                crate::audit::AuditAction::TEAM_REVOKE_NATIONAL_ADMIN,
                &target,
                details,
            )
            .await?;
            tx.commit().await?;
            // Withdrawn from oneself: this console is no longer theirs.
            if admin == operator.id {
                return see_other("/admin/connexion");
            }
            see_other("/admin/equipe?fait=retrait_admin")
        }
        // Already withdrawn (a second click): the page as after the first.
        "unknown" => see_other("/admin/equipe?fait=retrait_admin"),
        "last" => {
            drop(tx);
            let mut errors = TeamErrors::default();
            errors.national_admins = Some(page.text("console.last_national_admin"));
            render_team(&state, &page, &operator, None, errors, StatusCode::CONFLICT).await
        }
        _ => Err(PageError::NotAllowed),
    }
}

pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
{
    use axum::routing::post;
    axum::Router::new().route("/admin/equipe/administrateurs/{id}/retrait", post(revoke))
}
