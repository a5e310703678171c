//! The operator's side of results: the synthesis, publishing (refused while the campaign is
//! open unless early publication is chosen, which the page then says), and the decisions.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::campaigns::authoring;
use crate::campaigns::cache::CampaignCache;
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::results::cache::ResultsCache;
use crate::results::decisions::{self, Decision};
use crate::web::Ground;
use crate::web::console::Operator;
use crate::web::console::render_console;
use crate::web::console::{ConsoleOf, right};
use crate::web::csrf::CheckedForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

mod follow_up;

pub use follow_up::*;

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    pub(super) fait: Option<String>,
}

#[derive(Serialize)]
pub(super) struct View {
    pub(super) campaign: CampaignDetail,
    pub(super) synthesis_md: String,
    pub(super) early: bool,
    pub(super) open: bool,
    pub(super) decisions: Vec<Decision>,
    pub(super) news: Vec<crate::results::news::NewsPost>,
    pub(super) statuses: [&'static str; 4],
    pub(super) ideas: Vec<(Uuid, String)>,
    /// Themes of the latest analysis: (key, name).
    pub(super) themes: Vec<(Uuid, String)>,
    pub(super) errors: Vec<String>,
    pub(super) notice: Option<String>,
    /// A refused entry, shown again in the form it came from.
    pub(super) kept: Kept,
}

/// What the operator typed in a form that was refused: shown again in that form, so a long
/// synthesis or news post is never lost to a refusal.
#[derive(Serialize, Default)]
pub(super) struct Kept {
    /// The form: `synthesis`, `news-new`, `news-<id>`, `decision-new` or `decision-<id>`.
    pub(super) form: String,
    pub(super) title: String,
    /// The synthesis, a news post's body or a decision's explanation.
    pub(super) text: String,
    pub(super) status: String,
    pub(super) ideas: Vec<Uuid>,
    pub(super) themes: Vec<Uuid>,
}

impl Kept {
    fn form_of(kind: &str, id: Option<Uuid>) -> String {
        match id {
            Some(id) => format!("{kind}-{id}"),
            None => format!("{kind}-new"),
        }
    }
}

pub(super) async fn view(
    state: &Ground,
    page: &Page,
    id: Uuid,
    errors: Vec<String>,
    notice: Option<String>,
) -> Result<View, PageError> {
    kept_view(state, page, id, errors, notice, Kept::default()).await
}

/// The page with a refused entry put back where the operator typed it.
pub(super) async fn kept_view(
    state: &Ground,
    page: &Page,
    id: Uuid,
    errors: Vec<String>,
    notice: Option<String>,
    kept: Kept,
) -> Result<View, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = authoring::find(&mut tx, id).await?.ok_or(PageError::NotFound)?;
    let (mut synthesis_md, early): (String, bool) =
        sqlx::query_as("SELECT results_synthesis_md, results_early FROM campaigns WHERE tenant_id = $1 AND id = $2")
            .bind(page.tenant.id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let mut decisions = decisions::list(&mut tx, page.tenant.id, id).await?;
    let mut news = crate::results::news::list(&mut tx, page.tenant.id, id).await?;
    // Ideas to link, the most supported first.
    let ideas: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT id, title FROM ideas WHERE tenant_id = $1 AND campaign_id = $2 AND status = 'published'
          ORDER BY like_count DESC, created_at LIMIT 200",
    )
    .bind(page.tenant.id)
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let themes = match crate::analysis::report::report(&mut tx, id).await? {
        Some(report) => report.themes.into_iter().map(|t| (t.theme.key, t.theme.name)).collect(),
        None => Vec::new(),
    };
    tx.commit().await?;
    if kept.form == "synthesis" {
        synthesis_md = kept.text.clone();
    }
    for post in news.iter_mut().filter(|p| kept.form == format!("news-{}", p.id)) {
        post.title = kept.title.clone();
        post.body_md = kept.text.clone();
    }
    for decision in decisions
        .iter_mut()
        .filter(|d| kept.form == format!("decision-{}", d.id))
    {
        decision.title = kept.title.clone();
        decision.status = kept.status.clone();
        decision.explanation = kept.text.clone();
        decision.themes = kept.themes.clone();
        decision.ideas = (ideas.iter())
            .filter(|(idea, _)| kept.ideas.contains(idea))
            .map(|(id, title)| decisions::LinkedIdea {
                id: *id,
                title: title.clone(),
            })
            .collect();
    }
    Ok(View {
        kept,
        themes,
        open: campaign.summary.closes_at > chrono::Utc::now(),
        campaign,
        synthesis_md,
        early,
        decisions,
        news,
        statuses: decisions::STATUSES,
        ideas,
        errors,
        notice,
    })
}

pub(super) fn render(page: &Page, operator: &Operator, view: View, status: StatusCode) -> Result<Response, PageError> {
    render_console(page, operator, "console_results.html", "/admin/campagnes", view, status)
}

/// `GET /admin/campagnes/{id}/resultats`.
pub async fn form(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let notice = query.fait.as_deref().map(|f| page.text(&format!("results.done.{f}")));
    let view = view(&state, &page, id, Vec::new(), notice).await?;
    render(&page, &operator, view, StatusCode::OK)
}

#[derive(Debug, Deserialize)]
pub struct ResultsForm {
    pub(super) action: String,
    #[serde(default)]
    pub(super) synthesis: String,
    #[serde(default)]
    pub(super) early: Option<String>,
}

/// `POST /admin/campagnes/{id}/resultats`: save the synthesis, publish or withdraw.
pub async fn save(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    State(results): State<ResultsCache>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
    checked: CheckedForm<ResultsForm>,
) -> Result<Response, PageError> {
    let (form, refused) = checked.shown(|f| f == "synthesis")?;
    let synthesis = form.synthesis;
    let problem = match refused {
        Some(_) => Some("error.invalid_text.field"),
        None => (synthesis.chars().count() > 20_000).then_some("validation.too_long"),
    };
    if let Some(problem) = problem {
        let kept = Kept {
            form: "synthesis".into(),
            text: synthesis,
            ..Kept::default()
        };
        let view = kept_view(&state, &page, id, vec![page.text(problem)], None, kept).await?;
        return render(&page, &operator, view, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = authoring::find(&mut tx, id).await?.ok_or(PageError::NotFound)?;
    let open = campaign.summary.closes_at > chrono::Utc::now();
    let (done, audit) = match form.action.as_str() {
        "enregistrer" => {
            sqlx::query("UPDATE campaigns SET results_synthesis_md = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(page.tenant.id)
                .bind(id)
                .bind(synthesis.trim())
                .execute(&mut *tx)
                .await?;
            ("synthese", crate::audit::AuditAction::RESULTS_SYNTHESIS)
        }
        "publier" => {
            let early = form.early.as_deref() == Some("on");
            if open && !early {
                drop(tx);
                let view = view(&state, &page, id, vec![page.text("results.still_open")], None).await?;
                return render(&page, &operator, view, StatusCode::CONFLICT);
            }
            sqlx::query(
                "UPDATE campaigns SET results_synthesis_md = $3, results_published_at = coalesce(results_published_at, now()),
                        results_early = $4
                  WHERE tenant_id = $1 AND id = $2",
            )
            .bind(page.tenant.id)
            .bind(id)
            .bind(synthesis.trim())
            .bind(open && early)
            .execute(&mut *tx)
            .await?;
            ("publication", crate::audit::AuditAction::RESULTS_PUBLISH)
        }
        "retirer" => {
            sqlx::query(
                "UPDATE campaigns SET results_published_at = NULL, results_early = false WHERE tenant_id = $1 AND id = $2",
            )
            .bind(page.tenant.id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            ("retrait", crate::audit::AuditAction::RESULTS_WITHDRAW)
        }
        _ => return Err(PageError::BadRequest),
    };
    crate::audit::record(
        &mut tx,
        &operator.0,
        audit,
        &campaign.summary.slug,
        serde_json::json!({ "id": id }),
    )
    .await?;
    tx.commit().await?;
    campaigns.forget_all();
    // Other instances hear it from the change listener; this one forgets at once, so the
    // operator's next view shows the change.
    results.forget_all();
    see_other(&format!("/admin/campagnes/{id}/resultats?fait={done}"))
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
    crate::campaigns::cache::CampaignCache: axum::extract::FromRef<S>,
    crate::results::cache::ResultsCache: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::{get, post};
    Router::new()
        .route("/admin/campagnes/{id}/resultats", get(form).post(save))
        .route("/admin/campagnes/{id}/decisions", post(save_decision))
        .route("/admin/campagnes/{id}/nouvelles", post(save_news))
}
