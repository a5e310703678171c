//! Semantic analysis on real text (the Grand Débat answers in `../shared/data`), and as a
//! background job on a campaign: ideas and free-text survey answers analysed together, results
//! stored, edits kept across runs, profiles from a survey question, clear refusals, the console
//! page and its rights.
//!
//! This file holds what the tests share; the tests are in the files beside it, grouped by flow.

use std::collections::HashMap;
use std::path::PathBuf;

use ecoute::analysis::cli::read_csv;
use ecoute::analysis::job;
use ecoute::analysis::store;
use ecoute::tenancy::TenantDb;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::tenant_id;

mod console;
mod engine;
mod small_sets;
mod streamed;

/// Where the Grand Débat answers are: the shared folder beside the repository;
/// `ECOUTE_SHARED_DATA` points elsewhere, and a clone made away from it (a CI check in /tmp)
/// still finds the machine's copy. Without them the tests that need them fail, they do not pass
/// silently.
pub(crate) fn answers_path() -> PathBuf {
    let relative = "grand-debat/answers.csv";
    let candidates: Vec<PathBuf> = [
        std::env::var_os("ECOUTE_SHARED_DATA").map(PathBuf::from),
        Some(crate::helpers::project_dir().join("../shared/data")),
        Some(PathBuf::from("/work/shared/data")),
    ]
    .into_iter()
    .flatten()
    .map(|dir| dir.join(relative))
    .collect();
    candidates.iter().find(|p| p.exists()).cloned().unwrap_or_else(|| {
        panic!(
            "{relative} is missing: these tests need the shared data folder beside the repository \
             (or ECOUTE_SHARED_DATA); looked in {candidates:?}"
        )
    })
}

/// The Grand Débat answers: (question, text) rows. The data live beside the repository, never
/// in it; without them this test fails, it does not pass silently.
pub(crate) fn answers() -> Vec<(String, String)> {
    let path = answers_path();
    let texts = read_csv(&path, Some("text"), Some("id")).unwrap().texts;
    let questions = read_csv(&path, Some("question_code"), Some("id")).unwrap().texts;
    questions.into_iter().zip(texts).collect()
}

/// The first `per_question` answers of each of `questions`, with at least `min_chars` characters.
pub(crate) fn sample(
    all: &[(String, String)],
    questions: &[&str],
    per_question: usize,
    min_chars: usize,
) -> Vec<(String, String)> {
    let mut taken: HashMap<&str, usize> = HashMap::new();
    all.iter()
        .filter(|(q, text)| {
            if !questions.contains(&q.as_str()) || text.chars().count() < min_chars {
                return false;
            }
            let n = taken.entry(q.as_str()).or_default();
            *n += 1;
            *n <= per_question
        })
        .cloned()
        .collect()
}

/// Inserts ideas into a campaign of `space` (as the owner, in that space's context), one
/// millisecond apart: the analysis reads them in that order, so a run is reproducible.
pub(crate) async fn insert_ideas(owner: &PgPool, space: &str, campaign: Uuid, texts: &[&str]) -> Vec<Uuid> {
    let tenant = tenant_id(owner, space).await;
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    let mut ids = Vec::new();
    for text in texts {
        let title: String = text.chars().take(60).collect();
        let title = if title.chars().count() < 3 {
            format!("{title}...")
        } else {
            title
        };
        // Padded with stop words only, so that the padding adds no meaning.
        let body = format!("{} et voilà", text.chars().take(3900).collect::<String>());
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, submission_key, created_at)
             VALUES ($1, $2, $1, 'idee', $3, $4, gen_random_uuid(), clock_timestamp()) RETURNING id",
        )
        .bind(tenant)
        .bind(campaign)
        .bind(title)
        .bind(body)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();
    ids
}

/// Queues a run of `campaign` and runs the space's worker to the end; returns the run's row.
pub(crate) async fn run_analysis(db: &TenantDb, tenant: Uuid, campaign: Uuid, themes: Option<i32>) -> store::Run {
    let space = crate::helpers::space(db, tenant).await;
    let mut tx = db.begin_in(space).await.unwrap();
    let (_, queued) = store::request_run(&mut tx, campaign, themes, None).await.unwrap();
    assert!(queued);
    tx.commit().await.unwrap();
    assert_eq!(job::work(db, space).await.unwrap(), 1);
    let mut tx = db.begin_in(space).await.unwrap();
    let run = store::runs(&mut tx, campaign, 1).await.unwrap().remove(0);
    tx.commit().await.unwrap();
    run
}
