//! An import's page: the mapping of its columns, the preview of its lines (valid, refused,
//! duplicates) and the confirm button; once confirmed, what it added and left out.

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use uuid::Uuid;

use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::tenancy::TenantTx;
use crate::web::console::{Operator, render_console};
use crate::web::page::Page;
use crate::workshops::imports::{self, Reason, store};

use super::imports::SHOWN_LINES;

/// One criterion's row of the mapping form.
#[derive(Serialize)]
struct Row {
    field: String,
    label: String,
    chosen: String,
}

/// A line of the preview: its number and what it holds or why it is left out.
#[derive(Serialize)]
struct Line {
    line: usize,
    text: String,
}

#[derive(Serialize)]
struct Preview {
    accepted: usize,
    with_email: usize,
    without_email: usize,
    sample: Vec<Line>,
    refused: Vec<Line>,
    refused_total: usize,
    duplicates: Vec<Line>,
    duplicates_total: usize,
}

#[derive(Serialize)]
struct View<'a> {
    campaign: &'a CampaignDetail,
    import: &'a store::Import,
    drawn: bool,
    columns: &'a [String],
    rows: Vec<Row>,
    email: String,
    id: String,
    preview: Option<Preview>,
    /// After confirmation: the lines left out, as stored.
    left_out: Vec<Line>,
    problems: Vec<String>,
}

fn lines<'a>(page: &Page, found: impl Iterator<Item = &'a (usize, Reason)>) -> (Vec<Line>, usize) {
    let mut shown = Vec::new();
    let mut total = 0;
    for (line, reason) in found {
        total += 1;
        if shown.len() < SHOWN_LINES {
            shown.push(Line {
                line: *line,
                text: reason.describe(&|k| page.text(k)),
            });
        }
    }
    (shown, total)
}

/// The import's page, with `problems` at its top.
pub(super) async fn render(
    tx: &mut TenantTx,
    page: &Page,
    operator: &Operator,
    id: Uuid,
    import: Uuid,
    problems: Vec<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (campaign, recruitment) = super::imports::recruitment(tx, page, id).await?;
    let found = store::find(tx, recruitment.id, import, false)
        .await?
        .ok_or(PageError::NotFound)?;
    let mapping = found.mapping.clone().unwrap_or_default();
    let preview = if found.confirmed_at.is_none() {
        let sheet = imports::read_sheet(found.content.as_bytes()).unwrap_or_default();
        let taken = store::taken(tx, recruitment.id).await?;
        let p = imports::preview(&sheet, &recruitment.criteria, &mapping, &taken);
        let (refused, refused_total) = lines(page, p.refused.iter().filter(|(_, r)| !r.is_duplicate()));
        let (duplicates, duplicates_total) = lines(page, p.refused.iter().filter(|(_, r)| r.is_duplicate()));
        let with_email = p.accepted.iter().filter(|a| !a.email.is_empty()).count();
        Some(Preview {
            accepted: p.accepted.len(),
            with_email,
            without_email: p.accepted.len() - with_email,
            sample: p
                .accepted
                .iter()
                .take(10)
                .map(|a| Line {
                    line: a.line,
                    text: [a.external_id.clone().unwrap_or_default(), a.email.clone()]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" · "),
                })
                .collect(),
            refused,
            refused_total,
            duplicates,
            duplicates_total,
        })
    } else {
        None
    };
    let left_out = found
        .refused
        .as_array()
        .map(|a| {
            a.iter()
                .take(SHOWN_LINES)
                .map(|r| Line {
                    line: r["line"].as_u64().unwrap_or(0) as usize,
                    text: r["reason"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    let view = View {
        campaign: &campaign,
        import: &found,
        drawn: recruitment.drawn,
        columns: &found.header,
        rows: recruitment
            .criteria
            .iter()
            .map(|c| Row {
                field: format!("c-{}", c.key),
                label: c.label.clone(),
                chosen: mapping.criteria.get(&c.key).cloned().unwrap_or_default(),
            })
            .collect(),
        email: mapping.email.clone().unwrap_or_default(),
        id: mapping.id.clone().unwrap_or_default(),
        preview,
        left_out,
        problems,
    };
    render_console(
        page,
        operator,
        "console_workshop_import.html",
        "/admin/ateliers",
        view,
        status,
    )
}
