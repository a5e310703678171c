//! Workshop recruitment in the console (`/admin/campagnes/{id}/ateliers`): open the
//! recruitment, add sessions and questions ([`recruitment`]), see the pool with counts by answer
//! and by session ([`view`]), set seats and quotas and draw the panel (LEXIMIN, seed shown, every
//! volunteer's probability shown; [`draw`]), then invite, place and record who came ([`panel`]).

mod draw;
mod exports;
mod import_page;
mod imports;
mod overview;
mod panel;
mod quotas;
mod recruitment;
mod sessions;
mod view;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use crate::db::changes::Forget;
use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::Operator;
use crate::web::console::{ConsoleOf, right};
use crate::web::console::{NoticeQuery, notice};
use crate::web::page::Page;

use view::*;

/// `GET /admin/campagnes/{id}/ateliers`.
pub async fn show(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path(id): Path<Uuid>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let (campaign, recruitment, pool, draw) = load(&state, &page, id).await?;
    let n = notice(&page, &query);
    render(
        &page,
        &operator,
        &campaign,
        recruitment.as_ref(),
        &pool,
        draw,
        &BTreeMap::new(),
        Vec::new(),
        n,
        StatusCode::OK,
    )
}

/// The page loaded afresh, with what the operator typed and the problems found (a refused
/// form).
async fn render_again(
    state: &Ground,
    page: &Page,
    operator: &Operator,
    id: Uuid,
    form: &BTreeMap<String, String>,
    problems: Vec<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (campaign, recruitment, pool, draw) = load(state, page, id).await?;
    render(
        page,
        operator,
        &campaign,
        recruitment.as_ref(),
        &pool,
        draw,
        form,
        problems,
        None,
        status,
    )
}

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: FromRef<S>,
    Forget: FromRef<S>,
{
    Router::new()
        .route("/admin/ateliers", get(overview::overview))
        .route("/admin/campagnes/{id}/ateliers", get(show).post(recruitment::open))
        .route("/admin/campagnes/{id}/ateliers/seances", post(recruitment::add_session))
        .route(
            "/admin/campagnes/{id}/ateliers/seances/{session}",
            post(sessions::edit_session),
        )
        .route("/admin/campagnes/{id}/ateliers/etat", post(recruitment::set_state))
        .route(
            "/admin/campagnes/{id}/ateliers/questions",
            post(recruitment::add_question),
        )
        .route(
            "/admin/campagnes/{id}/ateliers/questions/{key}/suppression",
            post(recruitment::remove_question),
        )
        .route("/admin/campagnes/{id}/ateliers/tirage", post(draw::draw))
        .route(
            "/admin/campagnes/{id}/ateliers/invitations",
            post(panel::send_invitations),
        )
        .route(
            "/admin/campagnes/{id}/ateliers/repartition",
            post(panel::assign_sessions),
        )
        .route(
            "/admin/campagnes/{id}/ateliers/presences",
            post(panel::record_attendance),
        )
        .route("/admin/campagnes/{id}/ateliers/reponses", post(panel::record_answer))
        .route(
            IMPORT_ROUTE,
            get(imports::list)
                .post(imports::upload)
                .layer(crate::web::limits::layer(IMPORT_ROUTE)),
        )
        .route("/admin/campagnes/{id}/ateliers/imports/{import}", get(imports::show))
        .route(
            "/admin/campagnes/{id}/ateliers/imports/{import}/correspondance",
            post(imports::set_mapping),
        )
        .route(
            "/admin/campagnes/{id}/ateliers/imports/{import}/confirmation",
            post(imports::confirm),
        )
        .route(
            "/admin/campagnes/{id}/ateliers/probabilites.csv",
            get(exports::probabilities),
        )
        .route("/admin/campagnes/{id}/ateliers/panel.csv", get(exports::panel))
}

/// The upload of a volunteer file (its body limit is in `web::limits`).
pub const IMPORT_ROUTE: &str = "/admin/campagnes/{id}/ateliers/imports";
