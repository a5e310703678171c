//! The analysis as downloads: themes (with their priorities) or contributions (with their
//! theme and duplicate group), CSV or JSON, for those who may export.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::Response;
use uuid::Uuid;

use super::own_campaign;
use crate::analysis::report::{Report, report};
use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::{Action, ConsoleOf, right};
use crate::web::format::decimal;
use crate::web::i18n::Lang;
use crate::web::page::Page;
use crate::web::table::Table;

/// The report as tables: themes (with priorities), or contributions with their theme. Headers
/// and numbers are written for people, in `lang`; codes (kinds of contribution) stay codes.
pub fn tables(report: &Report, what: &str, lang: Lang) -> Option<Table> {
    let headers = |table: &str, keys: &[&str]| -> Vec<String> {
        keys.iter()
            .map(|k| lang.text(&format!("analysis_export.{table}.{k}")))
            .collect()
    };
    match what {
        "themes" => Some(Table {
            headers: headers(
                "themes",
                &[
                    "rank",
                    "theme",
                    "computed_label",
                    "score",
                    "contributions",
                    "share",
                    "likes",
                    "comments",
                    "territories",
                    "profiles",
                    "key_phrases",
                    "representatives",
                ],
            ),
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
                        decimal(lang, t.share, 1),
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
                headers: headers(
                    "contributions",
                    &[
                        "id",
                        "kind",
                        "question",
                        "text",
                        "theme",
                        "duplicates",
                        "likes",
                        "profile",
                    ],
                ),
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
    let table = tables(&report, what, page.lang).ok_or(PageError::NotFound)?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        if what == "themes" {
            crate::audit::AuditAction::EXPORT_ANALYSIS_THEMES
        } else {
            crate::audit::AuditAction::EXPORT_ANALYSIS_CONTRIBUTIONS
        },
        &campaign.summary.slug,
        serde_json::json!({ "format": format, "rows": table.rows.len(), "run": report.run.version }),
    )
    .await?;
    tx.commit().await?;
    Ok(table.download(format, &format!("{}-analyse-{what}", campaign.summary.slug))?)
}
