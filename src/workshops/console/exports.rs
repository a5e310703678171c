//! The draw's downloads, in the columns of `ecoute panel`'s outputs: `probabilities.csv`
//! (`id,probability`, everyone in the pool's order) and `panel.csv` (the people holding a seat,
//! in the pool's order: `id`, `email`, the questionnaire's answers, then the imported files'
//! own columns, so that people without an address can be reached by phone or letter). Ids are
//! the file's for imported people, the application's otherwise. CSV as every console export
//! (`web::table`: `;`, a BOM, formulas neutralised). Each download is audited.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::Value;
use uuid::Uuid;

use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::page::Page;
use crate::web::table::Table;
use crate::workshops::applications::Recruitment;
use crate::workshops::queries::{SelectionRow, Volunteer};

use super::view::load;

/// The pool, the recruitment and the draw's rows, audited as a download of `what`.
async fn drawn(
    state: &Ground,
    page: &Page,
    operator: &crate::web::console::Operator,
    id: Uuid,
    what: &str,
) -> Result<(Recruitment, Vec<Volunteer>, Vec<SelectionRow>, Vec<String>, String), PageError> {
    let (campaign, recruitment, pool, draw) = load(state, page, id).await?;
    let (recruitment, (draw, selections)) = recruitment.zip(draw).ok_or(PageError::NotFound)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let columns = crate::workshops::imports::store::columns(&mut tx, recruitment.id).await?;
    crate::audit::record(
        &mut tx,
        operator,
        crate::audit::AuditAction::WORKSHOPS_EXPORT,
        &draw.id.to_string(),
        serde_json::json!({"file": what}),
    )
    .await?;
    tx.commit().await?;
    Ok((recruitment, pool, selections, columns, campaign.summary.slug))
}

/// `GET /admin/campagnes/{id}/ateliers/probabilites.csv`.
pub async fn probabilities(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let (_, pool, selections, _, slug) = drawn(&state, &page, &operator.0, id, "probabilities").await?;
    let table = probability_table(&pool, &selections);
    Ok(table.download("csv", &format!("{slug}-probabilites"))?)
}

/// `id,probability` in the pool's order, as `ecoute panel` writes them.
pub(super) fn probability_table(pool: &[Volunteer], selections: &[SelectionRow]) -> Table {
    Table {
        headers: vec!["id".into(), "probability".into()],
        rows: pool
            .iter()
            .map(|v| {
                let p = selections
                    .iter()
                    .find(|s| s.application_id == v.application_id)
                    .map_or(0.0, |s| s.probability);
                vec![v.export_id(), format!("{:.10}", p.clamp(0.0, 1.0))]
            })
            .collect(),
    }
}

/// `GET /admin/campagnes/{id}/ateliers/panel.csv`.
pub async fn panel(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let (recruitment, pool, selections, columns, slug) = drawn(&state, &page, &operator.0, id, "panel").await?;
    let table = panel_table(&recruitment, &pool, &selections, &columns);
    Ok(table.download("csv", &format!("{slug}-panel"))?)
}

/// An answer as a cell: the option, or the options ticked joined by `|`.
fn answer_cell(answer: Option<&Value>) -> String {
    match answer {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("|"),
        _ => String::new(),
    }
}

/// The people holding a seat (invited or confirmed), in the pool's order, with their columns.
pub(super) fn panel_table(
    recruitment: &Recruitment,
    pool: &[Volunteer],
    selections: &[SelectionRow],
    columns: &[String],
) -> Table {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let own: Vec<&String> = columns
        .iter()
        .filter(|c| !same(c, "id") && !same(c, "email") && !recruitment.criteria.iter().any(|k| same(&k.label, c)))
        .collect();
    let mut headers = vec!["id".to_owned(), "email".to_owned()];
    headers.extend(recruitment.criteria.iter().map(|c| c.label.clone()));
    headers.extend(own.iter().map(|c| (*c).clone()));
    let seated = |v: &Volunteer| {
        selections
            .iter()
            .any(|s| s.application_id == v.application_id && (s.status == "invited" || s.status == "confirmed"))
    };
    let rows = pool
        .iter()
        .filter(|v| seated(v))
        .map(|v| {
            let mut row = vec![v.export_id(), v.email.clone()];
            row.extend(recruitment.criteria.iter().map(|c| answer_cell(v.answers.get(&c.key))));
            row.extend(own.iter().map(|c| v.cell(c).to_owned()));
            row
        })
        .collect();
    Table { headers, rows }
}
