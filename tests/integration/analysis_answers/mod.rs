//! Free-text survey answers in the analysis, beside ideas: a national campaign whose answers
//! come from two spaces, edited responses, blank answers, duplicates among answers, the
//! operator's edits across re-runs, profiles from a single-choice question, exports, the public
//! report and the console page.
//!
//! This file holds what the tests share; the tests are in the files beside it, grouped by flow.

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

mod national;
mod page;

/// Adds a question to the campaign (stored in `space`, the campaign's own space).
async fn insert_question(
    owner: &PgPool,
    space: Uuid,
    campaign: Uuid,
    kind: &str,
    label: &str,
    options: &[&str],
) -> Uuid {
    let mut tx = ecoute::db::owner_tx_in(owner, space).await.unwrap();
    let id = sqlx::query_scalar(
        "INSERT INTO survey_questions (tenant_id, campaign_id, position, kind, label, options)
         SELECT $1, $2, COALESCE(max(position), 0) + 1, $3, $4, $5 FROM survey_questions
          WHERE tenant_id = $1 AND campaign_id = $2
         RETURNING id",
    )
    .bind(space)
    .bind(campaign)
    .bind(kind)
    .bind(label)
    .bind(options)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// One response (a version of `respondent`'s) to the campaign, stored in `space` and coming
/// from `origin`, with `answers` (question, JSON value). Returns the response's id.
async fn insert_response(
    owner: &PgPool,
    (space, origin): (Uuid, Uuid),
    campaign: Uuid,
    (respondent, version, account): (&[u8], i32, Option<Uuid>),
    answers: &[(Uuid, Value)],
) -> Uuid {
    let mut tx = ecoute::db::owner_tx_in(owner, space).await.unwrap();
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO survey_responses (tenant_id, campaign_id, origin_tenant_id, respondent_key, version, account_id,
                                       submission_key, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6, gen_random_uuid(), clock_timestamp()) RETURNING id",
    )
    .bind(space)
    .bind(campaign)
    .bind(origin)
    .bind(respondent)
    .bind(version)
    .bind(account)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    for (question, value) in answers {
        sqlx::query("INSERT INTO survey_answers (tenant_id, response_id, question_id, value) VALUES ($1, $2, $3, $4)")
            .bind(space)
            .bind(id)
            .bind(question)
            .bind(value)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    id
}

async fn insert_account(owner: &PgPool, email: &str) -> Uuid {
    sqlx::query_scalar("INSERT INTO accounts (email, pseudonym) VALUES ($1, 'personne') RETURNING id")
        .bind(email)
        .fetch_one(owner)
        .await
        .unwrap()
}

const ABOUT_TAXES: &str = "Que faudrait-il faire pour rendre la fiscalité plus juste ?";
const ABOUT_ECOLOGY: &str = "Un mot sur la transition écologique ?";
const PROFILE: &str = "Vous êtes :";
