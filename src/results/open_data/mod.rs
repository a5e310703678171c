//! Open data: what a campaign whose results are published shows everyone, as files anyone may
//! reuse under the Licence Ouverte / Etalab 2.0 (CSV or JSON), and a page that documents them.
//!
//! Only what the site itself shows, and less: published contributions (moderated, never
//! pending or hidden) without their authors, not even their pseudonyms (people did not consent
//! to be named in files anyone may copy), dates to the day (no time of day that could single
//! someone out). Survey answers come without any respondent code; the answers to a free-text
//! question are published only when the operator ticked "publier en données ouvertes" for that
//! question in the survey builder (people wrote them for the campaign's team). The columns are
//! described once, in [`CONTRIBUTION_COLUMNS`] and [`RESPONSE_COLUMNS`]: the files and the page
//! both read them.

mod page;

use axum::extract::{Path, State};
use axum::response::Response;
use futures_util::TryStreamExt;
use serde::Serialize;
use uuid::Uuid;

pub use page::open_data_page;

use crate::campaigns::cache::CampaignCache;
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::exports::WideRows;
use crate::surveys::{Question, QuestionKind};
use crate::tenancy::{TenantId, TenantTx};
use crate::web::Ground;
use crate::web::downloads::{self, Rows};
use crate::web::page::Page;
use crate::web::table::Format;

/// A column of an open data file: its header, and the keys (in `[open_data]`) of its
/// description and its type on the page.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Column {
    pub name: &'static str,
    pub description: &'static str,
    pub kind: &'static str,
}

const fn column(name: &'static str, description: &'static str, kind: &'static str) -> Column {
    Column {
        name,
        description,
        kind,
    }
}

/// The contributions file, column by column.
pub const CONTRIBUTION_COLUMNS: [Column; 8] = [
    column("type", "col_type", "kind_type"),
    column("titre", "col_title", "kind_text"),
    column("texte", "col_body", "kind_text"),
    column("thème", "col_theme", "kind_text"),
    column("soutiens", "col_likes", "kind_integer"),
    column("commentaires", "col_comments", "kind_integer"),
    column("espace", "col_space", "kind_text"),
    column("date", "col_date", "kind_date"),
];

/// The survey answers file's first columns; one column per published question follows.
pub const RESPONSE_COLUMNS: [Column; 2] = [
    column("espace", "col_space", "kind_text"),
    column("date", "col_response_date", "kind_date"),
];

/// The published contributions of a campaign, as the site shows them, written as they are read.
pub async fn contributions(mut tx: TenantTx, campaign: (Uuid, Uuid), mut out: Rows) -> anyhow::Result<Rows> {
    let (tenant, campaign) = campaign;
    let mut rows = sqlx::query!(
        r#"SELECT i.kind, i.title, i.body, COALESCE(i.theme, '') AS "theme!", i.like_count, i.comment_count,
                  t.slug AS origin,
                  to_char(i.created_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD') AS "day!"
             FROM ideas i JOIN tenants t ON t.id = i.origin_tenant_id
            WHERE i.tenant_id = $1 AND i.campaign_id = $2 AND i.status = 'published'
            ORDER BY i.created_at, i.id"#,
        tenant,
        campaign,
    )
    .fetch(&mut *tx);
    while let Some(r) = rows.try_next().await? {
        out.row(&[
            r.kind,
            r.title,
            r.body,
            r.theme,
            r.like_count.to_string(),
            r.comment_count.to_string(),
            r.origin,
            r.day,
        ])
        .await?;
    }
    drop(rows);
    tx.commit().await?;
    Ok(out)
}

/// Whether a question's answers are free text, which people wrote for the campaign's team.
fn is_free_text(kind: QuestionKind) -> bool {
    matches!(kind, QuestionKind::ShortText | QuestionKind::LongText)
}

/// The questions whose answers open data publishes, in the survey's order: every question but
/// the free-text ones the operator did not open.
pub async fn published_questions(tx: &mut TenantTx, campaign: &CampaignDetail) -> Result<Vec<Question>, sqlx::Error> {
    let questions = crate::surveys::queries::list_questions(tx, campaign).await?;
    Ok(questions
        .into_iter()
        .filter(|q| !is_free_text(q.kind) || q.open_data)
        .collect())
}

/// The header of a question's column.
pub fn question_header(question: &Question) -> String {
    format!("{}. {}", question.position, question.label)
}

/// The columns of [`responses`]: [`RESPONSE_COLUMNS`], then one per published question.
pub fn response_headers(questions: &[Question]) -> Vec<String> {
    let mut headers: Vec<String> = RESPONSE_COLUMNS.iter().map(|c| c.name.to_owned()).collect();
    headers.extend(questions.iter().map(question_header));
    headers
}

/// Each respondent's current answers to the published questions, without any respondent code,
/// written as they are read.
pub async fn responses(
    mut tx: TenantTx,
    campaign: (Uuid, Uuid),
    questions: Vec<Question>,
    mut out: Rows,
) -> anyhow::Result<Rows> {
    let (tenant, campaign) = campaign;
    let mut rows = sqlx::query!(
        r#"WITH current AS (
             SELECT DISTINCT ON (respondent_key) id, submitted_at, origin_tenant_id
               FROM survey_responses WHERE tenant_id = $1 AND campaign_id = $2
              ORDER BY respondent_key, version DESC
         )
         SELECT c.id AS "id!", to_char(c.submitted_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD') AS "day!",
                t.slug AS origin, a.question_id AS "question_id?", a.value AS "value?"
           FROM current c JOIN tenants t ON t.id = c.origin_tenant_id
           LEFT JOIN survey_answers a ON a.tenant_id = $1 AND a.response_id = c.id
          ORDER BY c.submitted_at, c.id"#,
        tenant,
        campaign,
    )
    .fetch(&mut *tx);
    let mut wide = WideRows::new(&questions, RESPONSE_COLUMNS.len());
    while let Some(r) = rows.try_next().await? {
        // Answers to questions that are not published have no column, and are left out.
        let answer = r.question_id.zip(r.value);
        let leading = || vec![r.origin, r.day];
        wide.read(&mut out, r.id, leading, answer).await?;
    }
    wide.flush(&mut out).await?;
    drop(rows);
    tx.commit().await?;
    Ok(out)
}

/// A campaign whose results are published and which this visitor may see (404 otherwise), and the
/// space to read it in: its owner's, as a national campaign's figures span every space.
async fn published_campaign(
    campaigns: &CampaignCache,
    state: &Ground,
    page: &Page,
    slug: &str,
) -> Result<(std::sync::Arc<CampaignDetail>, TenantId), PageError> {
    let campaign = campaigns
        .find(&state.db, &page.tenant, slug)
        .await?
        .ok_or(PageError::NotFound)?;
    if campaign.results_published_at.is_none() || !campaign.admits(&page.tenant, page.account.as_ref()) {
        return Err(PageError::NotFound);
    }
    let space = TenantId::from_database(campaign.summary.tenant_id);
    Ok((campaign, space))
}

/// `GET /consultations/{slug}/resultats/donnees/{file}`: `contributions` or `reponses`, `.csv`
/// or `.json`, written as the rows are read.
pub async fn download(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    page: Page,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (what, format) = file.rsplit_once('.').ok_or(PageError::NotFound)?;
    let format = Format::parse(format).ok_or(PageError::NotFound)?;
    if !matches!(what, "contributions" | "reponses") {
        return Err(PageError::NotFound);
    }
    let (campaign, space) = published_campaign(&campaigns, &state, &page, &slug).await?;
    let turn = downloads::Turn::take(downloads::Queue::Public).await?;
    // Not held to the request's statement limit: a large campaign's file outlasts it.
    let mut tx = crate::db::beyond_the_request(state.db.begin_in(space)).await?;
    let of = (campaign.summary.tenant_id, campaign.summary.id);
    let filename = format!("{slug}-{what}-donnees-ouvertes");
    if what == "contributions" {
        let headers = CONTRIBUTION_COLUMNS.iter().map(|c| c.name.to_owned()).collect();
        return downloads::stream(turn, format, &filename, headers, move |out| contributions(tx, of, out));
    }
    let questions = published_questions(&mut tx, &campaign).await?;
    let headers = response_headers(&questions);
    downloads::stream(turn, format, &filename, headers, move |out| {
        responses(tx, of, questions, out)
    })
}
