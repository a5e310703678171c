//! The rules in the console (`/admin/regles`): the operator fills in what the rules pages of
//! the space cannot know (publication director, address, contact, data protection officer,
//! host), sees what each page says with it, and saves; each save is audited with the names of
//! the fields it changed. The national space has its own, on its own console.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::store::{self, FIELDS, FieldProblem, SpaceRules};
use crate::audit::AuditAction;
use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, NoticeQuery, Operator, notice, render_console, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

#[derive(Serialize)]
struct FieldView {
    name: &'static str,
    value: String,
    multiline: bool,
    email: bool,
    max: usize,
    error: Option<String>,
}

fn render(
    page: &Page,
    operator: &Operator,
    rules: &SpaceRules,
    updated: Option<(chrono::DateTime<chrono::Utc>, String)>,
    problems: &[FieldProblem],
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    #[derive(Serialize)]
    struct View {
        fields: Vec<FieldView>,
        errors: Vec<String>,
        updated_by: Option<String>,
        updated_on: Option<String>,
        notice: Option<String>,
    }
    let fields: Vec<FieldView> = FIELDS
        .iter()
        .map(|&(name, max, email, multiline)| FieldView {
            name,
            value: rules.get(name).to_owned(),
            multiline,
            email,
            max,
            error: problems.iter().find(|p| p.field == name).map(|p| page.text(p.message)),
        })
        .collect();
    let errors = problems
        .iter()
        .map(|p| {
            format!(
                "{} : {}",
                page.text(&format!("rules_console.fields.{}", p.field)),
                page.text(p.message)
            )
        })
        .collect();
    let view = View {
        fields,
        errors,
        updated_on: updated.as_ref().map(|(at, _)| at.format("%Y-%m-%d").to_string()),
        updated_by: updated.map(|(_, by)| by),
        notice,
    };
    render_console(page, operator, "console_rules.html", "/admin/regles", view, status)
}

/// `GET /admin/regles`.
pub async fn rules_form(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::EditRules>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (rules, updated) = store::find(&mut tx).await?;
    tx.commit().await?;
    let notice = notice(&page, &query);
    render(&page, &operator, &rules, updated, &[], notice, StatusCode::OK)
}

/// `POST /admin/regles`: saves the fields, or shows them again with what is wrong (422).
pub async fn save_rules(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::EditRules>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let (rules, problems) = SpaceRules::parse(|field| form.get(field).cloned());
    let mut tx = state.db.begin(&page.tenant).await?;
    let (before, updated) = store::find(&mut tx).await?;
    if !problems.is_empty() {
        drop(tx);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(&page, &operator, &rules, updated, &problems, None, status);
    }
    let changed = rules.changed_from(&before);
    if !changed.is_empty() || updated.is_none() {
        store::save(&mut tx, &rules, &operator.0.email).await?;
        crate::audit::record(
            &mut tx,
            &operator.0,
            AuditAction::RULES_UPDATE,
            "",
            serde_json::json!({ "fields": changed }),
        )
        .await?;
    }
    tx.commit().await?;
    see_other("/admin/regles?fait=regles")
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: axum::extract::FromRef<S>,
{
    use axum::routing::get;
    axum::Router::new().route("/admin/regles", get(rules_form).post(save_rules))
}
