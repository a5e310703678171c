//! The console's list of campaigns (`/admin/campagnes`), with what the operator may do with
//! each. Creating and editing one (its fields, its survey, its cover, its publication) is the
//! campaign editor, [`crate::surveys::console`], which shows the survey's questions on the same
//! page; invitations are [`super::invitations`].

use axum::Router;
use axum::extract::{FromRef, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;

use super::authoring;
use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::{Action, NoticeQuery, notice, render_console};
use crate::web::console::{ConsoleOf, right};
use crate::web::page::Page;

/// `GET /admin/campagnes`.
pub async fn list(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::View>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaigns = authoring::list(&mut tx).await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        campaigns: Vec<authoring::ConsoleCampaign>,
        can_edit: bool,
        can_export: bool,
        can_invite: bool,
        can_analyse: bool,
        can_workshops: bool,
        notice: Option<String>,
    }
    let view = View {
        can_analyse: operator.may(&page.tenant, Action::Analyse).is_ok(),
        can_workshops: operator.may(&page.tenant, Action::ManageWorkshops).is_ok(),
        campaigns,
        can_edit: operator.may(&page.tenant, Action::ManageCampaigns).is_ok(),
        can_export: operator.may(&page.tenant, Action::Export).is_ok(),
        can_invite: operator.may(&page.tenant, Action::InviteParticipants).is_ok(),
        notice: notice(&page, &query),
    };
    render_console(
        &page,
        &operator,
        "console_campaigns.html",
        "/admin/campagnes",
        view,
        StatusCode::OK,
    )
}

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: FromRef<S>,
{
    Router::new().route("/admin/campagnes", get(list))
}
