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
//! - [`open_data`]: anonymised contributions and answers, CSV or JSON.
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
pub struct OptionCount {
    pub label: String,
    pub count: i64,
    /// Share of the question's respondents, in whole percent.
    pub percent: i64,
}

/// A question's results.
#[derive(Debug, Clone, Serialize)]
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
    /// The chart (SVG), absent for text questions.
    pub chart: Option<String>,
    /// What the chart says, in words (also the chart's description).
    pub summary: String,
}

/// Everything on a results page except the synthesis and decisions.
#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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

fn percent(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        0
    } else {
        (part * 100 + whole / 2) / whole
    }
}

/// Aggregates one question's answers and draws its chart.
pub fn question_result(question: &Question, values: &[serde_json::Value], lang: &str) -> QuestionResult {
    let fr = lang != "en";
    let answered = values.len() as i64;
    let chart_id = format!("q-{}", question.id.simple());
    let mut average = None;
    let (kind, options) = match question.kind {
        QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
            let mut options: Vec<OptionCount> = question
                .options
                .iter()
                .map(|label| OptionCount {
                    label: label.clone(),
                    count: 0,
                    percent: 0,
                })
                .collect();
            for value in values {
                let chosen: Vec<&str> = match value {
                    serde_json::Value::String(s) => vec![s.as_str()],
                    serde_json::Value::Array(items) => items.iter().filter_map(|v| v.as_str()).collect(),
                    _ => Vec::new(),
                };
                for choice in chosen {
                    if let Some(option) = options.iter_mut().find(|o| o.label == choice) {
                        option.count += 1;
                    }
                }
            }
            for option in &mut options {
                option.percent = percent(option.count, answered);
            }
            let kind = if question.kind == QuestionKind::SingleChoice {
                "single_choice"
            } else {
                "multiple_choice"
            };
            (kind, options)
        }
        QuestionKind::Scale => {
            let mut options: Vec<OptionCount> = (question.scale_min..=question.scale_max)
                .map(|v| OptionCount {
                    label: v.to_string(),
                    count: 0,
                    percent: 0,
                })
                .collect();
            let mut sum = 0.0;
            for value in values {
                if let Some(v) = value.as_f64() {
                    sum += v;
                    if let Some(option) = options.iter_mut().find(|o| o.label == (v as i64).to_string()) {
                        option.count += 1;
                    }
                }
            }
            for option in &mut options {
                option.percent = percent(option.count, answered);
            }
            if answered > 0 {
                average = Some((sum / answered as f64 * 10.0).round() / 10.0);
            }
            ("scale", options)
        }
        QuestionKind::Ranking => {
            // Average position of each option (1 = first); shown best first.
            let mut totals: Vec<(String, f64, i64)> = question.options.iter().map(|o| (o.clone(), 0.0, 0)).collect();
            for value in values {
                if let serde_json::Value::Array(items) = value {
                    for (position, item) in items.iter().enumerate() {
                        if let Some(entry) = totals.iter_mut().find(|t| Some(t.0.as_str()) == item.as_str()) {
                            entry.1 += (position + 1) as f64;
                            entry.2 += 1;
                        }
                    }
                }
            }
            let mut ranked: Vec<(String, f64)> = totals
                .into_iter()
                .map(|(label, sum, n)| (label, if n == 0 { f64::INFINITY } else { sum / n as f64 }))
                .collect();
            ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
            let n = question.options.len() as f64;
            let options = ranked
                .into_iter()
                .map(|(label, avg)| OptionCount {
                    label,
                    // Bar height: a score where first place scores most (n + 1 − average rank).
                    count: if avg.is_finite() {
                        ((n + 1.0 - avg) * 10.0).round() as i64
                    } else {
                        0
                    },
                    percent: if avg.is_finite() {
                        (avg * 10.0).round() as i64
                    } else {
                        0
                    },
                })
                .collect();
            ("ranking", options)
        }
        QuestionKind::ShortText | QuestionKind::LongText => ("text", Vec::new()),
    };
    let summary = summary_of(kind, &options, answered, average, fr);
    let chart = (!options.is_empty()).then(|| {
        let bars: Vec<Bar> = options
            .iter()
            .map(|o| Bar {
                label: o.label.clone(),
                value: o.count,
            })
            .collect();
        bar_chart(&chart_id, &question.label, &summary, &bars, "#000091")
    });
    QuestionResult {
        id: question.id,
        label: question.label.clone(),
        kind,
        answered,
        options,
        average,
        chart,
        summary,
    }
}

/// The chart in words: the leading answers, the average, or the ranking.
fn summary_of(kind: &str, options: &[OptionCount], answered: i64, average: Option<f64>, fr: bool) -> String {
    if answered == 0 {
        return if fr {
            "Aucune réponse.".into()
        } else {
            "No answers.".into()
        };
    }
    let people = if fr {
        match answered {
            1 => "1 personne a répondu.".to_owned(),
            n => format!("{n} personnes ont répondu."),
        }
    } else {
        match answered {
            1 => "1 person answered.".to_owned(),
            n => format!("{n} people answered."),
        }
    };
    match kind {
        "ranking" => {
            let order: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
            if fr {
                format!("{people} Classement moyen : {}.", order.join(", puis "))
            } else {
                format!("{people} Average ranking: {}.", order.join(", then "))
            }
        }
        "text" => people,
        _ => {
            let mut sorted: Vec<&OptionCount> = options.iter().collect();
            sorted.sort_by_key(|o| std::cmp::Reverse(o.count));
            let top: Vec<String> = sorted
                .iter()
                .take(3)
                .map(|o| format!("{} {} %", o.label, o.percent))
                .collect();
            let mut text = if fr {
                format!("{people} En tête : {}.", top.join(" ; "))
            } else {
                format!("{people} Leading: {}.", top.join("; "))
            };
            if let Some(avg) = average {
                text.push_str(&if fr {
                    format!(" Moyenne : {avg}.")
                } else {
                    format!(" Average: {avg}.")
                });
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(kind: QuestionKind, options: &[&str]) -> Question {
        Question {
            id: Uuid::new_v4(),
            position: 1,
            kind,
            label: "Question".into(),
            help: String::new(),
            required: false,
            options: options.iter().map(|o| o.to_string()).collect(),
            max_choices: None,
            scale_min: 1,
            scale_max: 5,
            condition: None,
        }
    }

    #[test]
    fn choices_are_counted_with_percentages_of_respondents() {
        let q = question(QuestionKind::MultipleChoice, &["Téléphone", "Accueil", "Internet"]);
        let values = vec![
            serde_json::json!(["Téléphone", "Internet"]),
            serde_json::json!(["Internet"]),
            serde_json::json!(["Accueil", "Internet"]),
            serde_json::json!(["Inconnu"]),
        ];
        let r = question_result(&q, &values, "fr");
        assert_eq!(r.answered, 4);
        let counts: Vec<i64> = r.options.iter().map(|o| o.count).collect();
        assert_eq!(counts, vec![1, 1, 3]);
        assert_eq!(r.options[2].percent, 75);
        assert!(r.summary.contains("Internet 75 %"), "{}", r.summary);
        assert!(r.chart.unwrap().contains("<desc"));
    }

    #[test]
    fn scales_give_a_distribution_and_an_average_and_rankings_an_order() {
        let q = question(QuestionKind::Scale, &[]);
        let r = question_result(
            &q,
            &[serde_json::json!(4), serde_json::json!(5), serde_json::json!(3)],
            "fr",
        );
        assert_eq!(r.average, Some(4.0));
        assert_eq!(r.options.len(), 5);
        assert_eq!(r.options[3].count, 1);

        let q = question(QuestionKind::Ranking, &["A", "B", "C"]);
        let values = vec![serde_json::json!(["B", "A", "C"]), serde_json::json!(["B", "C", "A"])];
        let r = question_result(&q, &values, "en");
        let order: Vec<&str> = r.options.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(order, vec!["B", "A", "C"]);
        assert!(r.summary.contains("B, then A, then C"));
    }

    #[test]
    fn text_questions_have_no_chart() {
        let q = question(QuestionKind::LongText, &[]);
        let r = question_result(&q, &[serde_json::json!("Un avis")], "fr");
        assert!(r.chart.is_none());
        assert_eq!(r.answered, 1);
    }
}
