//! "Analyse" of a campaign in the console: run the semantic analysis, follow its progress, read
//! themes (key phrases, representative contributions), priorities with their explanation and
//! near-duplicates; rename, merge, split, set aside and restore themes, merge duplicates; a plain
//! list instead of themes below `MIN_THEMED` contributions; export CSV or JSON.
//!
//! Everything here takes [`Action::Analyse`] (local operators and analysts; national admins
//! everywhere). The computation itself is in [`crate::analysis`].

mod export;
mod review;
mod themes;

pub use export::tables;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::analysis::profiles;
use crate::analysis::report::{Report, report};
use crate::analysis::store::{self, Run};
use crate::analysis::{MAX_THEMES, job};
use crate::campaigns::authoring;
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::console::render_console;
use crate::web::console::{Action, Operator};
use crate::web::console::{ConsoleOf, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

/// A campaign of this space (a national campaign is analysed on the national space).
async fn own_campaign(tx: &mut TenantTx, id: Uuid) -> Result<CampaignDetail, PageError> {
    let campaign = authoring::find(tx, id).await?.ok_or(PageError::NotFound)?;
    if campaign.summary.tenant_id != tx.tenant_id() {
        return Err(PageError::NotFound);
    }
    Ok(campaign)
}

fn url(campaign: Uuid) -> String {
    format!("/admin/campagnes/{campaign}/analyse")
}

#[derive(Deserialize)]
pub struct AnalysisQuery {
    fait: Option<String>,
    erreur: Option<String>,
}

/// An entry the page refused, shown again in its form with its message (`field` is the
/// input's name; `theme` the theme whose form it was).
#[derive(Serialize, Default)]
pub(super) struct Refused {
    pub field: &'static str,
    pub message: String,
    pub theme: Option<Uuid>,
    pub name: String,
    pub phrase: String,
    pub themes: String,
}

impl Refused {
    /// `key` names the message in `analysis.errors`.
    pub fn new(page: &Page, field: &'static str, key: &str) -> Self {
        Refused {
            field,
            message: page.text(&format!("analysis.errors.{key}")),
            ..Refused::default()
        }
    }
}

/// `GET /admin/campagnes/{id}/analyse`.
pub async fn show(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::Analyse>,
    Path(id): Path<Uuid>,
    Query(query): Query<AnalysisQuery>,
) -> Result<Response, PageError> {
    let word = |w: &Option<String>, group: &str| {
        w.as_deref()
            .filter(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .map(|w| page.text(&format!("analysis.{group}.{w}")))
    };
    let notice = word(&query.fait, "done");
    let error = word(&query.erreur, "errors");
    render(&state, &page, &operator, id, notice, error, None, StatusCode::OK).await
}

/// The analysis page: with a notice after a change, or a refused entry kept in its form.
#[allow(clippy::too_many_arguments)]
pub(super) async fn render(
    state: &Ground,
    page: &Page,
    operator: &Operator,
    id: Uuid,
    notice: Option<String>,
    error: Option<String>,
    refused: Option<Refused>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = own_campaign(&mut tx, id).await?;
    let waiting = store::has_waiting_run(&mut tx, id).await?;
    let runs: Vec<Run> = store::runs(&mut tx, id, 5)
        .await?
        .into_iter()
        .map(|r| r.worded(page.lang))
        .collect();
    let report = report(&mut tx, id).await?.map(|mut r| {
        r.run = r.run.worded(page.lang);
        r
    });
    let profile_candidates = profiles::candidates(&mut tx, id).await?;
    let profile_question = profiles::chosen(&mut tx, id).await?;
    tx.commit().await?;
    if waiting {
        // A run nobody works on (just asked for, or its worker died): start one.
        job::wake(state.db.clone(), page.tenant.tenant_id());
    }
    let current = runs
        .first()
        .filter(|r| r.status == "queued" || r.status == "running")
        .cloned();
    let last_failed = runs.first().filter(|r| r.status == "failed").cloned();
    #[derive(Serialize)]
    struct View {
        campaign: CampaignDetail,
        current: Option<Run>,
        current_percent: u32,
        last_failed: Option<Run>,
        runs: Vec<Run>,
        report: Option<Report>,
        notice: Option<String>,
        error: Option<String>,
        refused: Option<Refused>,
        can_export: bool,
        /// May publish the reviewed themes (who may publish the campaign's results).
        can_publish: bool,
        max_themes: usize,
        /// Single-choice questions that may stand for profiles: (id, label).
        profile_candidates: Vec<(Uuid, String)>,
        profile_question: Option<Uuid>,
    }
    let view = View {
        current_percent: current.as_ref().map_or(0, |r| (r.progress * 100.0).round() as u32),
        current,
        last_failed,
        runs,
        report,
        notice,
        error: error.or_else(|| refused.as_ref().map(|r| r.message.clone())),
        refused,
        can_export: operator.may(&page.tenant, Action::Export).is_ok(),
        can_publish: operator.may(&page.tenant, Action::ManageCampaigns).is_ok(),
        max_themes: MAX_THEMES,
        profile_candidates,
        profile_question,
        campaign,
    };
    render_console(
        page,
        operator,
        "console_analysis.html",
        "/admin/campagnes",
        view,
        status,
    )
}

/// `GET /admin/campagnes/{id}/analyse/etat`: the current run's progress, for the page's script.
pub async fn progress(
    State(state): State<Ground>,
    page: Page,
    _operator: ConsoleOf<right::Analyse>,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<serde_json::Value>, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    own_campaign(&mut tx, id).await?;
    let run = store::runs(&mut tx, id, 1)
        .await?
        .into_iter()
        .next()
        .map(|r| r.worded(page.lang));
    tx.commit().await?;
    // `total` and `done` drive the console's progress bar script.
    Ok(axum::Json(serde_json::json!({
        "total": 100,
        "done": run.as_ref().map_or(0, |r| (r.progress * 100.0).round() as u32),
        "status": run.as_ref().map(|r| r.status.as_str()),
        "stage": run.as_ref().map(|r| r.stage.as_str()),
        "progress": run.as_ref().map_or(0.0, |r| r.progress),
        "message": run.as_ref().and_then(|r| r.message.as_deref()),
    })))
}

#[derive(Deserialize)]
pub struct RunForm {
    #[serde(default)]
    themes: String,
}

/// `POST /admin/campagnes/{id}/analyse`: queue a run and start a worker.
pub async fn run(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::Analyse>,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<RunForm>,
) -> Result<Response, PageError> {
    let themes = match form.themes.trim() {
        "" | "auto" => None,
        n => match n.parse::<i32>() {
            Ok(k) if (1..=MAX_THEMES as i32).contains(&k) => Some(k),
            _ => {
                let refused = Refused {
                    themes: form.themes.clone(),
                    ..Refused::new(&page, "themes", "nombre")
                };
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return render(&state, &page, &operator, id, None, None, Some(refused), status).await;
            }
        },
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = own_campaign(&mut tx, id).await?;
    let (run, queued) = store::request_run(&mut tx, id, themes, Some(operator.0.id)).await?;
    if queued {
        crate::audit::record(
            &mut tx,
            &operator.0,
            crate::audit::AuditAction::ANALYSIS_RUN,
            &campaign.summary.slug,
            serde_json::json!({ "run": run, "themes": themes }),
        )
        .await?;
    }
    tx.commit().await?;
    job::wake(state.db.clone(), page.tenant.tenant_id());
    see_other(&format!(
        "{}?fait={}",
        url(id),
        if queued { "lancee" } else { "en_cours" }
    ))
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
    crate::db::changes::Forget: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::{get, post};
    Router::new()
        .route("/admin/campagnes/{id}/analyse", get(show).post(run))
        .route("/admin/campagnes/{id}/analyse/etat", get(progress))
        .route("/admin/campagnes/{id}/analyse/themes", post(themes::edit_theme))
        .route("/admin/campagnes/{id}/analyse/profils", post(themes::choose_profiles))
        .route("/admin/campagnes/{id}/analyse/doublons", post(themes::merge_duplicates))
        .route(
            "/admin/campagnes/{id}/analyse/publication",
            post(review::publish_themes),
        )
        .route("/admin/campagnes/{id}/analyse/export/{file}", get(export::export))
}
