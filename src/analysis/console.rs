//! "Analyse" of a campaign in the console: run the semantic analysis, follow its progress, read
//! themes (key phrases, representative contributions), priorities with their explanation and
//! near-duplicates; rename, merge and split themes, merge duplicates; export CSV or JSON.
//!
//! Everything here takes [`Action::Analyse`] (local operators and analysts; national admins
//! everywhere). The computation itself is in [`crate::analysis`].

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::analysis::profiles;
use crate::analysis::report::{Report, report};
use crate::analysis::store::{self, Run};
use crate::analysis::versions::Edit;
use crate::analysis::{MAX_THEMES, job};
use crate::campaigns::authoring;
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::console::Action;
use crate::web::console::render_console;
use crate::web::console::{ConsoleOf, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;
use crate::web::table::Table;

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

/// `GET /admin/campagnes/{id}/analyse`.
pub async fn show(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::Analyse>,
    Path(id): Path<Uuid>,
    Query(query): Query<AnalysisQuery>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = own_campaign(&mut tx, id).await?;
    let waiting = store::has_waiting_run(&mut tx, id).await?;
    let runs = store::runs(&mut tx, id, 5).await?;
    let report = report(&mut tx, id).await?;
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
        can_export: bool,
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
        notice: query
            .fait
            .as_deref()
            .filter(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .map(|w| page.text(&format!("analysis.done.{w}"))),
        error: query
            .erreur
            .as_deref()
            .filter(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .map(|w| page.text(&format!("analysis.errors.{w}"))),
        can_export: operator.may(&page.tenant, Action::Export).is_ok(),
        max_themes: MAX_THEMES,
        profile_candidates,
        profile_question,
        campaign,
    };
    render_console(
        &page,
        &operator,
        "console_analysis.html",
        "/admin/campagnes",
        view,
        StatusCode::OK,
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
    let run = store::runs(&mut tx, id, 1).await?.into_iter().next();
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
            _ => return see_other(&format!("{}?erreur=nombre", url(id))),
        },
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = own_campaign(&mut tx, id).await?;
    let (run, queued) = store::request_run(&mut tx, id, themes, Some(operator.0.id)).await?;
    if queued {
        crate::audit::record(
            &mut tx,
            &operator.0,
            "analysis.run",
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

#[derive(Deserialize)]
pub struct ThemeForm {
    action: String,
    theme: Uuid,
    #[serde(default)]
    name: String,
    #[serde(default)]
    into: Option<String>,
    #[serde(default)]
    phrase: String,
}

/// `POST /admin/campagnes/{id}/analyse/themes`: rename, merge or split a theme.
pub async fn edit_theme(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::Analyse>,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<ThemeForm>,
) -> Result<Response, PageError> {
    let name = form.name.trim().to_owned();
    let phrase = form.phrase.trim().to_owned();
    let edit = match form.action.as_str() {
        "renommer" if (1..=120).contains(&name.chars().count()) => Edit::Rename { key: form.theme, name },
        "fusionner" => match form.into.as_deref().and_then(|s| s.parse::<Uuid>().ok()) {
            Some(into) if into != form.theme => Edit::Merge { into, from: form.theme },
            _ => return see_other(&format!("{}?erreur=fusion", url(id))),
        },
        "separer" if (2..=120).contains(&phrase.chars().count()) => Edit::Split {
            key: form.theme,
            new_key: Uuid::new_v4(),
            name: if (1..=120).contains(&name.chars().count()) {
                name
            } else {
                phrase.clone()
            },
            phrase,
        },
        "renommer" => return see_other(&format!("{}?erreur=nom", url(id))),
        "separer" => return see_other(&format!("{}?erreur=expression", url(id))),
        _ => return Err(PageError::BadRequest),
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = own_campaign(&mut tx, id).await?;
    store::add_edit(&mut tx, id, &edit, operator.0.id).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        &format!("analysis.{}", form.action),
        &campaign.summary.slug,
        serde_json::json!({ "edit": format!("{edit:?}") }),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("{}?fait=theme", url(id)))
}

#[derive(Deserialize)]
pub struct MergeForm {
    kept: Uuid,
    /// The group's contributions, comma-separated.
    group: String,
}

/// `POST /admin/campagnes/{id}/analyse/doublons`: merge a group of near-duplicates into one.
pub async fn merge_duplicates(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::Analyse>,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<MergeForm>,
) -> Result<Response, PageError> {
    let others: Vec<Uuid> = form
        .group
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .filter(|&i| i != form.kept)
        .collect();
    if others.is_empty() {
        return Err(PageError::BadRequest);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = own_campaign(&mut tx, id).await?;
    let merged = store::merge_contributions(&mut tx, id, form.kept, &others, operator.0.id).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        "analysis.merge_duplicates",
        &campaign.summary.slug,
        serde_json::json!({ "kept": form.kept, "merged": merged }),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("{}?fait=doublons#doublons", url(id)))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    /// A question's id, or empty for none.
    #[serde(default)]
    question: String,
}

/// `POST /admin/campagnes/{id}/analyse/profils`: choose the survey question whose answers stand
/// for participant profiles in the priority score (or none).
pub async fn choose_profiles(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::Analyse>,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> Result<Response, PageError> {
    let question = match form.question.trim() {
        "" => None,
        q => Some(q.parse::<Uuid>().map_err(|_| PageError::BadRequest)?),
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = own_campaign(&mut tx, id).await?;
    if !profiles::choose(&mut tx, id, question, operator.0.id).await? {
        return see_other(&format!("{}?erreur=profil#profils", url(id)));
    }
    crate::audit::record(
        &mut tx,
        &operator.0,
        "analysis.profiles",
        &campaign.summary.slug,
        serde_json::json!({ "question": question }),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("{}?fait=profils#profils", url(id)))
}

/// The report as tables: themes (with priorities), or contributions with their theme.
pub fn tables(report: &Report, what: &str) -> Option<Table> {
    match what {
        "themes" => Some(Table {
            headers: [
                "rang",
                "thème",
                "libellé calculé",
                "score",
                "contributions",
                "part (%)",
                "soutiens",
                "commentaires",
                "territoires",
                "profils",
                "expressions clés",
                "contributions représentatives",
            ]
            .map(String::from)
            .to_vec(),
            rows: report
                .themes
                .iter()
                .map(|t| {
                    vec![
                        t.rank.to_string(),
                        t.theme.name.clone(),
                        t.theme.computed_label.clone(),
                        t.score.clone(),
                        t.size.to_string(),
                        t.share.clone(),
                        t.priority.like_count.to_string(),
                        t.priority.comment_count.to_string(),
                        t.priority.territory_count.to_string(),
                        t.priority.profile_count.to_string(),
                        t.theme.key_phrases.join(" ; "),
                        t.representatives
                            .iter()
                            .map(|r| r.title.clone())
                            .collect::<Vec<_>>()
                            .join(" ; "),
                    ]
                })
                .collect(),
        }),
        "contributions" => {
            let mut theme_of: HashMap<Uuid, &str> = HashMap::new();
            for t in &report.themes {
                for m in &t.theme.members {
                    theme_of.insert(*m, &t.theme.name);
                }
            }
            let mut duplicate_group: HashMap<Uuid, usize> = HashMap::new();
            for (g, d) in report.duplicates.iter().enumerate() {
                for i in &d.contributions {
                    duplicate_group.insert(i.id, g + 1);
                }
            }
            Some(Table {
                headers: [
                    "contribution",
                    "sorte",
                    "question",
                    "texte",
                    "thème",
                    "groupe de doublons",
                    "soutiens",
                    "profil",
                ]
                .map(String::from)
                .to_vec(),
                rows: report
                    .contributions
                    .iter()
                    .map(|c| {
                        vec![
                            c.id.to_string(),
                            c.kind.as_str().to_owned(),
                            c.question.clone().unwrap_or_default(),
                            c.text(),
                            theme_of.get(&c.id).map(|s| s.to_string()).unwrap_or_default(),
                            duplicate_group.get(&c.id).map(|g| g.to_string()).unwrap_or_default(),
                            c.signals.likes.to_string(),
                            c.signals.profile.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
            })
        }
        _ => None,
    }
}

/// `GET /admin/campagnes/{id}/analyse/export/{file}`: `themes` or `contributions`, `.csv` or
/// `.json`.
pub async fn export(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::Analyse>,
    Path((id, file)): Path<(Uuid, String)>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::Export)?;
    let (what, format) = file.rsplit_once('.').ok_or(PageError::NotFound)?;
    if !matches!(format, "csv" | "json") {
        return Err(PageError::NotFound);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = own_campaign(&mut tx, id).await?;
    let report = report(&mut tx, id).await?.ok_or(PageError::NotFound)?;
    let table = tables(&report, what).ok_or(PageError::NotFound)?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        &format!("export.analyse.{what}"),
        &campaign.summary.slug,
        serde_json::json!({ "format": format, "rows": table.rows.len(), "run": report.run.version }),
    )
    .await?;
    tx.commit().await?;
    Ok(table.download(format, &format!("{}-analyse-{what}", campaign.summary.slug))?)
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::{get, post};
    Router::new()
        .route("/admin/campagnes/{id}/analyse", get(show).post(run))
        .route("/admin/campagnes/{id}/analyse/etat", get(progress))
        .route("/admin/campagnes/{id}/analyse/themes", post(edit_theme))
        .route("/admin/campagnes/{id}/analyse/profils", post(choose_profiles))
        .route("/admin/campagnes/{id}/analyse/doublons", post(merge_duplicates))
        .route("/admin/campagnes/{id}/analyse/export/{file}", get(export))
}
