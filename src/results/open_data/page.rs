//! `GET /consultations/{slug}/resultats/donnees`: the open data page. It says what the files
//! hold and what they leave out, describes their columns (from the same lists the files are
//! built from), names the licence, and links the downloads.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::{CONTRIBUTION_COLUMNS, Column, RESPONSE_COLUMNS, is_free_text, published_questions, question_header};
use crate::campaigns::cache::CampaignCache;
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::web::Ground;
use crate::web::page::Page;

/// The open data page of a campaign whose results are published.
pub async fn open_data_page(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    page: Page,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let (campaign, space) = super::published_campaign(&campaigns, &state, &page, &slug).await?;
    let mut tx = state.db.begin_in(space).await?;
    let all = crate::surveys::queries::list_questions(&mut tx, &campaign).await?;
    let published = published_questions(&mut tx, &campaign).await?;
    tx.commit().await?;
    let withheld: Vec<String> = all
        .iter()
        .filter(|q| is_free_text(q.kind) && !published.iter().any(|p| p.id == q.id))
        .map(question_header)
        .collect();
    #[derive(Serialize)]
    struct View<'a> {
        campaign: &'a CampaignDetail,
        contribution_columns: &'a [Column],
        response_columns: &'a [Column],
        questions: Vec<String>,
        withheld: Vec<String>,
    }
    let view = View {
        campaign: &campaign,
        contribution_columns: &CONTRIBUTION_COLUMNS,
        response_columns: &RESPONSE_COLUMNS,
        questions: published.iter().map(question_header).collect(),
        withheld,
    };
    Ok(page.render("results_open_data.html", view)?.into_response())
}
