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
    /// A refused entry, shown again in the form it came from.
    kept: Kept,
}

/// What the operator typed in a form that was refused: shown again in that form, so a long
/// synthesis or news post is never lost to a refusal.
#[derive(Serialize, Default)]
struct Kept {
    /// The form: `synthesis`, `news-new`, `news-<id>`, `decision-new` or `decision-<id>`.
    form: String,
    title: String,
    /// The synthesis, a news post's body or a decision's explanation.
    text: String,
    status: String,
    ideas: Vec<Uuid>,
    themes: Vec<Uuid>,
}

impl Kept {
    fn form_of(kind: &str, id: Option<Uuid>) -> String {
        match id {
            Some(id) => format!("{kind}-{id}"),
            None => format!("{kind}-new"),
        }
    }
}

async fn view(
    state: &Ground,
    page: &Page,
    id: Uuid,
    errors: Vec<String>,
    notice: Option<String>,
) -> Result<View, PageError> {
    kept_view(state, page, id, errors, notice, Kept::default()).await
}

/// The page with a refused entry put back where the operator typed it.
async fn kept_view(
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

fn render(page: &Page, operator: &Operator, view: View, status: StatusCode) -> Result<Response, PageError> {
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
                "explanation" => form.explanation = value,
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
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
    checked: CheckedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    // A refused character in a field the form does not show as text: the French page.
    let (pairs, refused) = checked.shown(|f| ["title", "explanation"].contains(&f))?;
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
    if refused.is_some() {
        problems.push(decisions::Problem::RefusedText);
    }
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
    let kept = Kept {
        form: Kept::form_of("decision", decision),
        title: form.title,
        text: form.explanation,
        status: form.status,
        ideas: form.ideas.iter().filter_map(|s| s.trim().parse().ok()).collect(),
        themes: form.themes.iter().filter_map(|s| s.trim().parse().ok()).collect(),
    };
    let view = kept_view(&state, &page, id, errors, None, kept).await?;
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
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
    checked: CheckedForm<NewsForm>,
) -> Result<Response, PageError> {
    let (form, refused) = checked.shown(|f| ["title", "body"].contains(&f))?;
    let post = match form.id.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => Some(text.parse::<Uuid>().map_err(|_| PageError::BadRequest)?),
        None => None,
    };
    let body = form.body;
    let mut problems = crate::results::news::validate(&form.title, &body);
    if refused.is_some() {
        problems.push("error.invalid_text.field");
    }
    if !problems.is_empty() {
        let errors = problems.iter().map(|k| page.text(k)).collect();
        let kept = Kept {
            form: Kept::form_of("news", post),
            title: form.title,
            text: body,
            ..Kept::default()
        };
        let view = kept_view(&state, &page, id, errors, None, kept).await?;
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
