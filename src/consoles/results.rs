//! The operator's side of results: the synthesis, publishing (refused while the campaign is
//! open unless early publication is chosen, which the page then says), and the decisions.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::render_console;
use crate::campaigns::authoring;
use crate::campaigns::cache::CampaignCache;
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::operators::rights::Action;
use crate::operators::session::SignedInOperator;
use crate::results::cache::ResultsCache;
use crate::results::decisions::{self, Decision};
use crate::web::Ground;
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    fait: Option<String>,
}

#[derive(Serialize)]
struct View {
    campaign: CampaignDetail,
    synthesis_md: String,
    early: bool,
    open: bool,
    decisions: Vec<Decision>,
    news: Vec<crate::results::news::NewsPost>,
    statuses: [&'static str; 4],
    ideas: Vec<(Uuid, String)>,
    /// Themes of the latest analysis: (key, name).
    themes: Vec<(Uuid, String)>,
    errors: Vec<String>,
    notice: Option<String>,
}

async fn view(
    state: &Ground,
    page: &Page,
    id: Uuid,
    errors: Vec<String>,
    notice: Option<String>,
) -> Result<View, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = authoring::find(&mut tx, id).await?.ok_or(PageError::NotFound)?;
    let (synthesis_md, early): (String, bool) =
        sqlx::query_as("SELECT results_synthesis_md, results_early FROM campaigns WHERE tenant_id = $1 AND id = $2")
            .bind(page.tenant.id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let decisions = decisions::list(&mut tx, page.tenant.id, id).await?;
    let news = crate::results::news::list(&mut tx, page.tenant.id, id).await?;
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
    Ok(View {
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

fn render(page: &Page, operator: &SignedInOperator, view: View, status: StatusCode) -> Result<Response, PageError> {
    render_console(page, operator, "console_results.html", "/admin/campagnes", view, status)
}

/// `GET /admin/campagnes/{id}/resultats`.
pub async fn form(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::ManageCampaigns)?;
    let notice = query.fait.as_deref().map(|f| page.text(&format!("results.done.{f}")));
    let view = view(&state, &page, id, Vec::new(), notice).await?;
    render(&page, &operator, view, StatusCode::OK)
}

#[derive(Debug, Deserialize)]
pub struct ResultsForm {
    action: String,
    #[serde(default)]
    synthesis: String,
    #[serde(default)]
    early: Option<String>,
}

/// `POST /admin/campagnes/{id}/resultats`: save the synthesis, publish or withdraw.
pub async fn save(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    State(results): State<ResultsCache>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<ResultsForm>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::ManageCampaigns)?;
    let synthesis = form.synthesis.replace("\r\n", "\n");
    if synthesis.chars().count() > 20_000 {
        let view = view(&state, &page, id, vec![page.text("validation.too_long")], None).await?;
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
            ("synthese", "results.synthesis")
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
            ("publication", "results.publish")
        }
        "retirer" => {
            sqlx::query(
                "UPDATE campaigns SET results_published_at = NULL, results_early = false WHERE tenant_id = $1 AND id = $2",
            )
            .bind(page.tenant.id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            ("retrait", "results.withdraw")
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

/// The decision form: its fields, and one `ideas` pair per ticked idea.
#[derive(Debug, Default)]
pub struct DecisionForm {
    id: Option<String>,
    title: String,
    status: String,
    explanation: String,
    ideas: Vec<String>,
    themes: Vec<String>,
}

impl DecisionForm {
    /// Reads the form's pairs (repeated `ideas` keys, which a struct cannot take).
    fn from_pairs(pairs: Vec<(String, String)>) -> DecisionForm {
        let mut form = DecisionForm::default();
        for (key, value) in pairs {
            match key.as_str() {
                "id" => form.id = Some(value),
                "title" => form.title = value,
                "status" => form.status = value,
                "explanation" => form.explanation = value.replace("\r\n", "\n"),
                "ideas" => form.ideas.push(value),
                "themes" => form.themes.push(value),
                _ => {}
            }
        }
        form
    }
}

/// `POST /admin/campagnes/{id}/decisions`: adds or changes a decision.
pub async fn save_decision(
    State(state): State<Ground>,
    State(results): State<ResultsCache>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::ManageCampaigns)?;
    let form = DecisionForm::from_pairs(pairs);
    let decision = match form.id.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => Some(text.parse::<Uuid>().map_err(|_| PageError::BadRequest)?),
        None => None,
    };
    let ideas: Result<Vec<Uuid>, _> = form
        .ideas
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::parse::<Uuid>)
        .collect();
    let themes: Result<Vec<Uuid>, _> = form.themes.iter().map(|s| s.trim().parse::<Uuid>()).collect();
    let mut problems = decisions::validate(&form.title, &form.status, &form.explanation);
    let themes = match themes {
        Ok(themes) => themes,
        Err(_) => {
            problems.push(decisions::Problem::UnknownTheme);
            Vec::new()
        }
    };
    let ideas = match ideas {
        Ok(ideas) => ideas,
        Err(_) => {
            problems.push(decisions::Problem::UnknownIdea);
            Vec::new()
        }
    };
    if problems.is_empty() {
        let mut tx = state.db.begin(&page.tenant).await?;
        authoring::find(&mut tx, id).await?.ok_or(PageError::NotFound)?;
        let draft = decisions::DecisionDraft {
            title: form.title.clone(),
            status: form.status.clone(),
            explanation: form.explanation.clone(),
            ideas: ideas.clone(),
            themes,
        };
        match decisions::save(&mut tx, id, decision, &draft).await {
            Ok(Ok(saved)) => {
                crate::audit::record(
                    &mut tx,
                    &operator.0,
                    "results.decision",
                    &form.title,
                    serde_json::json!({ "campaign": id, "decision": saved, "status": form.status, "ideas": ideas }),
                )
                .await?;
                tx.commit().await?;
                results.forget_all();
                return see_other(&format!("/admin/campagnes/{id}/resultats?fait=decision"));
            }
            Ok(Err(problem)) => problems.push(problem),
            Err(sqlx::Error::RowNotFound) => return Err(PageError::NotFound),
            Err(e) => return Err(e.into()),
        }
    }
    let errors = problems.iter().map(|p| page.text(p.key())).collect();
    let view = view(&state, &page, id, errors, None).await?;
    render(&page, &operator, view, StatusCode::UNPROCESSABLE_ENTITY)
}

#[derive(Debug, Deserialize)]
pub struct NewsForm {
    #[serde(default)]
    id: Option<String>,
    title: String,
    body: String,
}

/// `POST /admin/campagnes/{id}/nouvelles`: publishes or edits a post; followers not told yet
/// are mailed once, through the outbox, in the same transaction.
pub async fn save_news(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<NewsForm>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::ManageCampaigns)?;
    let post = match form.id.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => Some(text.parse::<Uuid>().map_err(|_| PageError::BadRequest)?),
        None => None,
    };
    let body = form.body.replace("\r\n", "\n");
    let problems = crate::results::news::validate(&form.title, &body);
    if !problems.is_empty() {
        let errors = problems.iter().map(|k| page.text(k)).collect();
        let view = view(&state, &page, id, errors, None).await?;
        return render(&page, &operator, view, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = authoring::find(&mut tx, id).await?.ok_or(PageError::NotFound)?;
    let link = format!(
        "{}/consultations/{}/nouvelles",
        page.origin.base_url_for(&page.origin.host.clone().unwrap_or_default()),
        campaign.summary.slug
    );
    let (saved, queued) = match crate::results::news::save_post(&mut tx, id, post, &form.title, &body, &link).await {
        Ok(saved) => saved,
        Err(sqlx::Error::RowNotFound) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    crate::audit::record(
        &mut tx,
        &operator.0,
        "results.news",
        &form.title,
        serde_json::json!({ "campaign": id, "post": saved, "mails_queued": queued }),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}/resultats?fait=nouvelle"))
}
