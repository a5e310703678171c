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

use super::render_console;
use crate::analysis::priority::{Priority, PriorityWeights, prioritize};
use crate::analysis::store::{self, Contribution, Run};
use crate::analysis::versions::{Edit, EffectiveTheme, apply_edits};
use crate::analysis::{MAX_THEMES, job};
use crate::campaigns::authoring;
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::exports::Table;
use crate::operators::rights::Action;
use crate::operators::session::SignedInOperator;
use crate::tenancy::TenantTx;
use crate::web::AppState;
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

/// A contribution as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct IdeaView {
    pub id: Uuid,
    pub title: String,
    pub excerpt: String,
    pub likes: u32,
    pub merged_into: Option<Uuid>,
}

/// A theme with its priority, as the page and the exports show it.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeView {
    pub rank: usize,
    #[serde(flatten)]
    pub theme: EffectiveTheme,
    pub size: usize,
    pub share: String,
    pub priority: Priority,
    pub score: String,
    pub representatives: Vec<IdeaView>,
}

/// A group of near-duplicates.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateView {
    pub ideas: Vec<IdeaView>,
    /// The kept contribution when the group is merged.
    pub merged: Option<Uuid>,
    pub ids: String,
}

/// The latest finished run with the operator's edits applied.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub run: Run,
    pub themes: Vec<ThemeView>,
    pub duplicates: Vec<DuplicateView>,
    pub weights: PriorityWeights,
}

fn excerpt(text: &str, chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(chars).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Builds the report of the campaign's latest finished run, if any.
pub async fn report(tx: &mut TenantTx, campaign: Uuid) -> Result<Option<Report>, sqlx::Error> {
    let Some(run) = store::latest_done(tx, campaign).await? else {
        return Ok(None);
    };
    let stored = store::themes(tx, run.id).await?;
    let assignment = store::assignment(tx, run.id).await?;
    let edits = store::edits(tx, campaign).await?;
    let contributions = store::contributions(tx, campaign).await?;
    let merges = store::merges(tx, campaign).await?;
    let groups = store::duplicates(tx, run.id).await?;

    let by_id: HashMap<Uuid, &Contribution> = contributions.iter().map(|c| (c.id, c)).collect();
    let themes = apply_edits(&stored, &assignment, &edits, &|id| {
        by_id.get(&id).map(|c| c.text.clone())
    });

    // Priorities over the contributions still there (a hidden one drops out).
    let mut theme_of: HashMap<Uuid, usize> = HashMap::new();
    for (t, theme) in themes.iter().enumerate() {
        for m in &theme.members {
            theme_of.insert(*m, t);
        }
    }
    let signals: Vec<_> = contributions.iter().map(|c| c.signals.clone()).collect();
    let themed: Vec<Option<usize>> = contributions.iter().map(|c| theme_of.get(&c.id).copied()).collect();
    let weights = PriorityWeights::default();
    let priorities = prioritize(&themed, &signals, themes.len(), &weights);
    let total = themed.iter().filter(|t| t.is_some()).count().max(1);

    let idea_view = |id: Uuid, chars: usize| -> Option<IdeaView> {
        by_id.get(&id).map(|c| {
            let (title, body) = c.text.split_once(". ").unwrap_or((&c.text, ""));
            IdeaView {
                id,
                title: title.to_owned(),
                excerpt: excerpt(body, chars),
                likes: c.signals.likes,
                merged_into: merges.get(&id).copied(),
            }
        })
    };
    let views = priorities
        .into_iter()
        .enumerate()
        .map(|(rank, priority)| {
            let theme = themes[priority.theme].clone();
            let size = priority.contributions;
            ThemeView {
                rank: rank + 1,
                representatives: theme
                    .representatives
                    .iter()
                    .filter_map(|&id| idea_view(id, 280))
                    .take(5)
                    .collect(),
                share: format!("{:.1}", 100.0 * size as f64 / total as f64),
                score: format!("{:.0}", priority.score),
                size,
                priority,
                theme,
            }
        })
        .collect();
    let duplicates = groups
        .into_iter()
        .map(|group| {
            let ideas: Vec<IdeaView> = group.iter().filter_map(|&id| idea_view(id, 160)).collect();
            let kept = ideas.iter().find(|i| i.merged_into.is_none()).map(|i| i.id);
            let merged = kept.filter(|k| ideas.iter().all(|i| i.id == *k || i.merged_into == Some(*k)));
            DuplicateView {
                ids: ideas.iter().map(|i| i.id.to_string()).collect::<Vec<_>>().join(","),
                ideas,
                merged,
            }
        })
        .filter(|d| d.ideas.len() > 1)
        .collect();
    Ok(Some(Report {
        run,
        themes: views,
        duplicates,
        weights,
    }))
}

#[derive(Deserialize)]
pub struct AnalysisQuery {
    fait: Option<String>,
    erreur: Option<String>,
}

/// `GET /admin/campagnes/{id}/analyse`.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    Query(query): Query<AnalysisQuery>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::Analyse)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = own_campaign(&mut tx, id).await?;
    let waiting = store::has_waiting_run(&mut tx, id).await?;
    let runs = store::runs(&mut tx, id, 5).await?;
    let report = report(&mut tx, id).await?;
    tx.commit().await?;
    if waiting {
        // A run nobody works on (just asked for, or its worker died): start one.
        job::wake(state.db.clone(), page.tenant.id);
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
    State(state): State<AppState>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<serde_json::Value>, PageError> {
    operator.may(&page.tenant, Action::Analyse)?;
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
    State(state): State<AppState>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<RunForm>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::Analyse)?;
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
    job::wake(state.db.clone(), page.tenant.id);
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
    State(state): State<AppState>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<ThemeForm>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::Analyse)?;
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
    State(state): State<AppState>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<MergeForm>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::Analyse)?;
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
    let merged = store::merge_ideas(&mut tx, id, form.kept, &others, operator.0.id).await?;
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

/// The report as tables: themes (with priorities), or contributions with their theme.
pub fn tables(report: &Report, contributions: &[Contribution], what: &str) -> Option<Table> {
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
                for i in &d.ideas {
                    duplicate_group.insert(i.id, g + 1);
                }
            }
            Some(Table {
                headers: ["contribution", "texte", "thème", "groupe de doublons", "soutiens"]
                    .map(String::from)
                    .to_vec(),
                rows: contributions
                    .iter()
                    .map(|c| {
                        vec![
                            c.id.to_string(),
                            c.text.clone(),
                            theme_of.get(&c.id).map(|s| s.to_string()).unwrap_or_default(),
                            duplicate_group.get(&c.id).map(|g| g.to_string()).unwrap_or_default(),
                            c.signals.likes.to_string(),
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
    State(state): State<AppState>,
    page: Page,
    operator: SignedInOperator,
    Path((id, file)): Path<(Uuid, String)>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::Analyse)?;
    operator.may(&page.tenant, Action::Export)?;
    let (what, format) = file.rsplit_once('.').ok_or(PageError::NotFound)?;
    if !matches!(format, "csv" | "json") {
        return Err(PageError::NotFound);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = own_campaign(&mut tx, id).await?;
    let report = report(&mut tx, id).await?.ok_or(PageError::NotFound)?;
    let contributions = store::contributions(&mut tx, id).await?;
    let table = tables(&report, &contributions, what).ok_or(PageError::NotFound)?;
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
