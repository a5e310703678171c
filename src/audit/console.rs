//! The audit log in the console: every change an operator made in this space, newest first,
//! each action under its label; filtered by who, what (an action or a group of them), which
//! object and when (days in Paris), fifty lines a page, and downloadable as CSV with the same
//! filters (the download is itself a line of the log).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::actions::{AuditAction, groups};
use super::{AuditFilter, AuditLine, EXPORT_MAX, PAGE_SIZE};
use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::render_console;
use crate::web::console::{ConsoleOf, right};
use crate::web::i18n::Lang;
use crate::web::page::Page;
use crate::web::table::Table;

/// The filters and page as the query string carries them (`?qui=…&quoi=…&objet=…&du=…&au=…`).
#[derive(Deserialize, Default, Serialize, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    qui: String,
    #[serde(default)]
    quoi: String,
    #[serde(default)]
    objet: String,
    #[serde(default)]
    du: String,
    #[serde(default)]
    au: String,
    #[serde(skip_serializing)]
    page: Option<i64>,
}

impl AuditQuery {
    /// The filter, and the message of each field that could not be read (then not applied).
    fn filter(&self, page: &Page) -> (AuditFilter, Vec<String>) {
        let mut errors = Vec::new();
        let text = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        let mut date = |value: &str, key: &str| {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
            if parsed.is_none() {
                errors.push(page.text(key));
            }
            parsed
        };
        let filter = AuditFilter {
            who: text(&self.qui),
            what: text(&self.quoi),
            target: text(&self.objet),
            from: date(&self.du, "audit.bad_from"),
            to: date(&self.au, "audit.bad_to"),
        };
        (filter, errors)
    }

    /// The query string of the filters set (no page), for links that keep them.
    fn filters_query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("qui", &self.qui),
            ("quoi", &self.quoi),
            ("objet", &self.objet),
            ("du", &self.du),
            ("au", &self.au),
        ] {
            if !value.trim().is_empty() {
                query.append_pair(name, value.trim());
            }
        }
        query.finish()
    }
}

/// The label of a stored code: its own when it is one of the list, else the code as it is (a
/// line older than the list, or written by hand).
fn label_of(lang: Lang, code: &str) -> String {
    match AuditAction::parse(code) {
        Some(action) => lang.text(&action.label_key()),
        None => code.to_owned(),
    }
}

/// What the table shows of a line's details: the charter reason and the words an operator
/// typed (a moderation's reason), nothing of the technical rest (the CSV has it all).
fn shown_details(lang: Lang, details: &serde_json::Value) -> String {
    let mut parts = Vec::new();
    if let Some(code) = details.get("charter_reason").and_then(|v| v.as_str()) {
        parts.push(lang.text(&format!("moderation_reasons.{code}")));
    }
    if let Some(reason) = details.get("reason").and_then(|v| v.as_str()).filter(|r| !r.is_empty()) {
        parts.push(format!("« {reason} »"));
    }
    parts.join(" · ")
}

#[derive(Serialize)]
struct LineView {
    at: String,
    when: String,
    who: String,
    action: String,
    code: String,
    target: String,
    details: String,
}

/// "10 mars 2026, 0 h 30" in French, "10 Mar 2026, 00:30" in English: the log's dates, on the
/// clock of Paris.
fn when(lang: Lang, at: chrono::NaiveDateTime) -> String {
    use chrono::{Datelike, Timelike};
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = at.month0() as usize;
    match lang {
        Lang::Fr => {
            let day = if at.day() == 1 {
                "1er".to_owned()
            } else {
                at.day().to_string()
            };
            format!(
                "{day} {} {}, {}\u{a0}h\u{a0}{:02}",
                FR[month],
                at.year(),
                at.hour(),
                at.minute()
            )
        }
        Lang::En => format!(
            "{} {} {}, {:02}:{:02}",
            at.day(),
            EN[month],
            at.year(),
            at.hour(),
            at.minute()
        ),
    }
}

fn line_view(lang: Lang, line: AuditLine) -> LineView {
    LineView {
        at: line.at.to_rfc3339(),
        when: when(lang, line.at_paris),
        who: line.operator_email,
        action: label_of(lang, &line.action),
        details: shown_details(lang, &line.details),
        code: line.action,
        target: line.target,
    }
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct Group {
    value: &'static str,
    label: String,
    actions: Vec<Choice>,
}

fn action_groups(lang: Lang) -> Vec<Group> {
    groups()
        .into_iter()
        .map(|group| Group {
            value: group,
            label: lang.text(&format!("audit.groups.{group}")),
            actions: AuditAction::ALL
                .iter()
                .filter(|a| a.group() == group)
                .map(|a| Choice {
                    value: a.code().to_owned(),
                    label: lang.text(&a.label_key()),
                })
                .collect(),
        })
        .collect()
}

/// `GET /admin/journal`.
pub async fn audit_log(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ViewAudit>,
    Query(query): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let page_number = query.page.unwrap_or(1).clamp(1, 10_000);
    let (filter, errors) = query.filter(&page);
    let mut tx = state.db.begin(&page.tenant).await?;
    let (lines, total) = super::list(&mut tx, &filter, PAGE_SIZE, (page_number - 1) * PAGE_SIZE).await?;
    let actors = super::actors(&mut tx).await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        lines: Vec<LineView>,
        total: i64,
        page_number: i64,
        pages: i64,
        /// The filters' query string, which the page and download links keep.
        filters: String,
        filtered: bool,
        query: AuditQuery,
        actors: Vec<String>,
        groups: Vec<Group>,
        errors: Vec<String>,
        notice: Option<String>,
    }
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    let view = View {
        lines: lines.into_iter().map(|l| line_view(page.lang, l)).collect(),
        total,
        page_number,
        pages,
        filters: query.filters_query(),
        filtered: filter != AuditFilter::default(),
        query,
        actors,
        groups: action_groups(page.lang),
        errors,
        notice: None,
    };
    let status = if view.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_console(&page, &operator, "console_audit.html", "/admin/journal", view, status)
}

/// `GET /admin/journal/export.csv`: the lines the same filters select (at most
/// [`EXPORT_MAX`]), newest first, labels in the page's language and codes beside them. The
/// download is recorded in the log, after the lines it holds.
pub async fn export(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ViewAudit>,
    Query(query): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let (filter, errors) = query.filter(&page);
    if !errors.is_empty() {
        return Err(PageError::BadRequest);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let (lines, _) = super::list(&mut tx, &filter, EXPORT_MAX, 0).await?;
    let lang = page.lang;
    let table = Table {
        headers: ["when", "who", "action", "code", "target", "details"]
            .iter()
            .map(|h| lang.text(&format!("audit.csv.{h}")))
            .collect(),
        rows: lines
            .into_iter()
            .map(|l| {
                vec![
                    l.at_paris.format("%Y-%m-%d %H:%M:%S").to_string(),
                    l.operator_email,
                    label_of(lang, &l.action),
                    l.action,
                    l.target,
                    l.details.to_string(),
                ]
            })
            .collect(),
    };
    crate::audit::record(
        &mut tx,
        &operator.0,
        AuditAction::AUDIT_EXPORT,
        "",
        serde_json::json!({ "rows": table.rows.len(), "filters": query.filters_query() }),
    )
    .await?;
    tx.commit().await?;
    let day = chrono::Utc::now().format("%Y-%m-%d");
    Ok(table.download("csv", &format!("journal-{}-{day}", page.tenant.slug))?)
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::get;
    Router::new()
        .route("/admin/journal", get(audit_log))
        .route("/admin/journal/export.csv", get(export))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_code_reads_as_its_label_and_an_unknown_one_as_itself() {
        assert_eq!(label_of(Lang::Fr, "console.sign_in"), "Connexion à la console");
        assert_eq!(label_of(Lang::En, "console.sign_in"), "Signed in to the console");
        assert_eq!(label_of(Lang::Fr, "test"), "test");
        assert_eq!(super::super::actions::group_of("export.analyse.themes"), "export");
    }

    #[test]
    fn dates_read_as_people_write_them() {
        let at = NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(0, 30, 0)
            .unwrap();
        assert_eq!(when(Lang::Fr, at), "1er mars 2026, 0\u{a0}h\u{a0}30");
        assert_eq!(when(Lang::En, at), "1 Mar 2026, 00:30");
    }
}
