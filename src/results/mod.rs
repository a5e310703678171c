//! Results: what a campaign taught, in figures and charts, with the operator's synthesis and
//! the decisions it led to ("Ce que nous avons appris grâce à vous").
//!
//! - [`compute`]: key figures and survey results, aggregated **inside the campaign owner's
//!   context**. For a national campaign that is the national space, which holds every space's
//!   contributions: only counts leave that transaction, so no space reads another's rows.
//! - [`compute_origin`]: the same figures restricted to what came from one space, computed in
//!   that space's own context (the rows RLS lets it read: its own contributions).
//! - [`decisions`]: decisions and commitments, linked to the ideas they answer.
//! - [`news`]: project news and its followers, mailed once per post.
//! - [`open_data`]: what the site shows of contributions and answers, CSV or JSON, under the
//!   Licence Ouverte, and the page that documents them.
//! - [`infographic`]: the one-page infographic in the space's colours, as SVG or PDF.
//! - [`cache`]: published results per instance, dropped on change notifications.
//! - [`pages`], [`api`]: the public page and `GET /api/v1/campaigns/{slug}/results`.

pub mod api;
pub mod cache;
pub mod console;
pub mod decisions;
pub mod infographic;
pub mod news;
pub mod open_data;
pub mod pages;
mod questions;

pub use questions::question_result;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use serde::Serialize;
use uuid::Uuid;

use crate::campaigns::queries::CampaignDetail;
use crate::surveys::{Question, QuestionKind};
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::charts::{Bar, bar_chart};

/// The results API's part of the OpenAPI document (`crate::app::openapi` merges the parts).
#[derive(utoipa::OpenApi)]
#[openapi(paths(api::get_results, api::get_news))]
pub struct Api;

/// The results' routes: the results page, its infographic and open data, the news, and their
/// API.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: FromRef<S>,
    crate::campaigns::cache::CampaignCache: FromRef<S>,
    cache::ResultsCache: FromRef<S>,
{
    Router::new()
        .merge(console::routes())
        .route("/consultations/{slug}/resultats", get(pages::results_page))
        .route(
            "/consultations/{slug}/resultats/infographie.svg",
            get(infographic::download_svg),
        )
        .route(
            "/consultations/{slug}/resultats/infographie.pdf",
            get(infographic::download_pdf),
        )
        .route(
            "/consultations/{slug}/resultats/donnees",
            get(open_data::open_data_page),
        )
        .route(
            "/consultations/{slug}/resultats/donnees/{file}",
            get(open_data::download),
        )
        .route(
            "/consultations/{slug}/nouvelles",
            get(pages::news_page).post(pages::follow),
        )
        .route("/api/v1/campaigns/{slug}/results", get(api::get_results))
        .route("/api/v1/campaigns/{slug}/news", get(api::get_news))
}

/// Key figures of a campaign.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// Distinct people who posted, commented or answered.
    pub participants: i64,
    pub ideas: i64,
    pub comments: i64,
    /// People who answered the survey (current responses).
    pub responses: i64,
    /// Spaces contributions came from (1 for a local campaign that had any).
    pub territories: i64,
    /// Days from opening to closing.
    pub days: i64,
}

impl Figures {
    pub fn contributions(&self) -> i64 {
        self.ideas + self.comments + self.responses
    }
}

/// One option's count within a question.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OptionCount {
    pub label: String,
    pub count: i64,
    /// Share of the question's respondents, in whole percent.
    pub percent: i64,
}

/// A question's results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionResult {
    pub id: Uuid,
    pub label: String,
    pub kind: &'static str,
    /// People who answered this question.
    pub answered: i64,
    /// Choices (counts), scale values (distribution), or ranking (options by average rank,
    /// `count` = average position × 10, `percent` unused).
    pub options: Vec<OptionCount>,
    /// Average of a scale question.
    pub average: Option<f64>,
    /// The chart (SVG), absent for text questions. Not in the API (which gives the figures).
    #[schema(ignore)]
    pub chart: Option<String>,
    /// What the chart says, in words (also the chart's description).
    pub summary: String,
}

/// Everything on a results page except the synthesis and decisions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Results {
    pub figures: Figures,
    pub questions: Vec<QuestionResult>,
}

/// Filter on the rows counted: all of the context's, or only those from one space.
#[derive(Clone, Copy)]
enum Rows {
    All,
    FromSpace(Uuid),
}

/// The campaign's results, aggregated in `tx`, which must be in the campaign owner's context.
pub async fn compute(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    questions: &[Question],
    lang: &str,
) -> Result<Results, sqlx::Error> {
    aggregate(tx, campaign, questions, Rows::All, lang).await
}

/// What came from the space of `tx` (a local space looking at a national campaign), in its own
/// context.
pub async fn compute_origin(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    questions: &[Question],
    lang: &str,
) -> Result<Results, sqlx::Error> {
    let space = tx.tenant_id();
    aggregate(tx, campaign, questions, Rows::FromSpace(space), lang).await
}

async fn aggregate(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    questions: &[Question],
    rows: Rows,
    lang: &str,
) -> Result<Results, sqlx::Error> {
    let owner = campaign.summary.tenant_id;
    let id = campaign.summary.id;
    let origin = match rows {
        Rows::All => None,
        Rows::FromSpace(space) => Some(space),
    };
    // Current responses: the latest version per respondent.
    let r = sqlx::query!(
        r#"WITH current AS (
             SELECT DISTINCT ON (respondent_key) id, respondent_key, account_id, origin_tenant_id
               FROM survey_responses
              WHERE tenant_id = $1 AND campaign_id = $2 AND ($3::uuid IS NULL OR origin_tenant_id = $3)
              ORDER BY respondent_key, version DESC
         ), idea_rows AS (
             SELECT account_id, origin_tenant_id FROM ideas
              WHERE tenant_id = $1 AND campaign_id = $2 AND status = 'published'
                AND ($3::uuid IS NULL OR origin_tenant_id = $3)
         ), comment_rows AS (
             SELECT c.account_id, c.origin_tenant_id FROM idea_comments c
               JOIN ideas i ON i.tenant_id = c.tenant_id AND i.id = c.idea_id
              WHERE c.tenant_id = $1 AND i.campaign_id = $2 AND c.status = 'published'
                AND ($3::uuid IS NULL OR c.origin_tenant_id = $3)
         )
         SELECT
            (SELECT count(*) FROM idea_rows) AS "ideas!",
            (SELECT count(*) FROM comment_rows) AS "comments!",
            (SELECT count(*) FROM current) AS "responses!",
            (SELECT count(DISTINCT p) FROM (
                SELECT 'a:' || account_id::text AS p FROM idea_rows WHERE account_id IS NOT NULL
                UNION SELECT 'a:' || account_id::text FROM comment_rows WHERE account_id IS NOT NULL
                UNION SELECT coalesce('a:' || account_id::text, 'r:' || encode(respondent_key, 'hex')) FROM current
             ) people) AS "participants!",
            (SELECT count(DISTINCT o) FROM (
                SELECT origin_tenant_id AS o FROM idea_rows
                UNION SELECT origin_tenant_id FROM comment_rows
                UNION SELECT origin_tenant_id FROM current
             ) spaces) AS "territories!""#,
        owner,
        id,
        origin,
    )
    .fetch_one(&mut **tx)
    .await?;
    let figures = Figures {
        participants: r.participants,
        ideas: r.ideas,
        comments: r.comments,
        responses: r.responses,
        territories: r.territories,
        days: (campaign.summary.closes_at - campaign.summary.opens_at)
            .num_days()
            .max(1),
    };

    let answers = sqlx::query!(
        "WITH current AS (
             SELECT DISTINCT ON (respondent_key) id
               FROM survey_responses
              WHERE tenant_id = $1 AND campaign_id = $2 AND ($3::uuid IS NULL OR origin_tenant_id = $3)
              ORDER BY respondent_key, version DESC
         )
         SELECT a.question_id, a.value FROM survey_answers a JOIN current c ON c.id = a.response_id
          WHERE a.tenant_id = $1",
        owner,
        id,
        origin,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut by_question: std::collections::HashMap<Uuid, Vec<serde_json::Value>> = Default::default();
    for row in answers {
        by_question.entry(row.question_id).or_default().push(row.value);
    }
    let questions = questions
        .iter()
        .map(|q| question_result(q, by_question.get(&q.id).map(Vec::as_slice).unwrap_or(&[]), lang))
        .collect();
    Ok(Results { figures, questions })
}

/// One space's part in a national campaign (counts only).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Territory {
    pub name: String,
    pub participants: i64,
    pub contributions: i64,
}

/// Contributions to a national campaign per space they came from, most first. Runs in the
/// national context, which holds the rows; only counts per space leave it.
pub async fn territories(tx: &mut TenantTx, campaign: &CampaignDetail) -> Result<Vec<Territory>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"WITH current AS (
             SELECT DISTINCT ON (respondent_key) respondent_key, account_id, origin_tenant_id
               FROM survey_responses WHERE tenant_id = $1 AND campaign_id = $2
              ORDER BY respondent_key, version DESC
         ), contributions AS (
             SELECT origin_tenant_id AS space, 'a:' || account_id::text AS person FROM ideas
              WHERE tenant_id = $1 AND campaign_id = $2 AND status = 'published'
             UNION ALL
             SELECT c.origin_tenant_id, 'a:' || c.account_id::text FROM idea_comments c
               JOIN ideas i ON i.tenant_id = c.tenant_id AND i.id = c.idea_id
              WHERE c.tenant_id = $1 AND i.campaign_id = $2 AND c.status = 'published'
             UNION ALL
             SELECT origin_tenant_id, coalesce('a:' || account_id::text, 'r:' || encode(respondent_key, 'hex'))
               FROM current
         )
         SELECT t.name, count(DISTINCT c.person) AS "participants!", count(*) AS contributions
           FROM contributions c JOIN tenants t ON t.id = c.space
          GROUP BY t.id, t.name
          ORDER BY contributions DESC, t.name"#,
        campaign.summary.tenant_id,
        campaign.summary.id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Territory {
            name: r.name,
            participants: r.participants,
            // Named without `!`: ORDER BY reads the alias. count(*) is never NULL.
            contributions: r.contributions.unwrap_or_default(),
        })
        .collect())
}
