//! Survey queries, in a tenant-scoped transaction.

use uuid::Uuid;

use super::{Answers, Condition, Question, QuestionKind};
use crate::campaigns::queries::CampaignDetail;
use crate::tenancy::TenantTx;

/// The campaign's questions, in order. One query.
pub async fn list_questions(tx: &mut TenantTx, campaign: &CampaignDetail) -> Result<Vec<Question>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, position, kind, label, help, required, open_data, options, max_choices, scale_min, scale_max,
                condition_question_id, condition_value
           FROM survey_questions WHERE tenant_id = $1 AND campaign_id = $2 ORDER BY position",
        campaign.summary.tenant_id,
        campaign.summary.id,
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|r| {
            let kind = r.kind;
            Ok(Question {
                id: r.id,
                position: r.position,
                kind: QuestionKind::parse(&kind)
                    .ok_or_else(|| sqlx::Error::Decode(format!("question kind {kind}").into()))?,
                label: r.label,
                help: r.help,
                required: r.required,
                open_data: r.open_data,
                options: r.options,
                max_choices: r.max_choices,
                scale_min: r.scale_min,
                scale_max: r.scale_max,
                condition: r
                    .condition_question_id
                    .zip(r.condition_value)
                    .map(|(question_id, value)| Condition { question_id, value }),
            })
        })
        .collect()
}

/// Whether the person has answered (one cheap query, for the campaign page).
pub async fn has_response(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    respondent_key: &[u8],
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM survey_responses WHERE tenant_id = $1 AND campaign_id = $2 AND respondent_key = $3) AS "exists!""#,
        campaign.summary.tenant_id,
        campaign.summary.id,
        respondent_key,
    )
    .fetch_one(&mut **tx)
    .await
}

/// The person's current response (its highest version): version and answers.
pub async fn current_response(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    respondent_key: &[u8],
) -> Result<Option<(i32, Answers)>, sqlx::Error> {
    let current = sqlx::query!(
        "SELECT id, version FROM survey_responses
          WHERE tenant_id = $1 AND campaign_id = $2 AND respondent_key = $3
          ORDER BY version DESC LIMIT 1",
        campaign.summary.tenant_id,
        campaign.summary.id,
        respondent_key,
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(current) = current else { return Ok(None) };
    let answers = sqlx::query!(
        "SELECT question_id, value FROM survey_answers WHERE tenant_id = $1 AND response_id = $2",
        campaign.summary.tenant_id,
        current.id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(Some((
        current.version,
        answers.into_iter().map(|a| (a.question_id, a.value)).collect(),
    )))
}

/// Why a response was not stored.
#[derive(Debug, PartialEq, Eq)]
pub enum SaveProblem {
    /// The person already answered this (national) survey from another space.
    AnsweredElsewhere,
    /// The campaign requires a verified identity, and this identity already answered with
    /// another account (`survey_responses_one_voice`).
    OneVoice,
}

/// Stores `answers` as the person's new current response, atomically (the caller commits).
/// A repeated `submission_key` stores nothing more and returns the version it stored first.
/// `account` is kept with the response (`None` for anonymous responses); `voter` is the
/// signed-in account whose verified identity gives the voice, where the campaign requires one.
#[allow(clippy::too_many_arguments)]
pub async fn save_response(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    respondent_key: &[u8],
    account: Option<Uuid>,
    voter: Uuid,
    answers: &Answers,
    submission_key: Uuid,
) -> Result<Result<i32, SaveProblem>, sqlx::Error> {
    let tenant = campaign.summary.tenant_id;
    if let Some(version) = sqlx::query_scalar!(
        "SELECT version FROM survey_responses WHERE tenant_id = $1 AND submission_key = $2",
        tenant,
        submission_key,
    )
    .fetch_optional(&mut **tx)
    .await?
    {
        return Ok(Ok(version));
    }
    // Serialise the person's concurrent submissions.
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended(encode($1, 'hex'), 0))",
        respondent_key,
    )
    .execute(&mut **tx)
    .await?;
    let inserted = sqlx::query!(
        "INSERT INTO survey_responses (tenant_id, campaign_id, origin_tenant_id, respondent_key, version, account_id, submission_key, voice)
         SELECT $1, $2, $3, $4, COALESCE(max(version), 0) + 1, $5, $6, campaign_voice($1, $2, $7)
           FROM survey_responses WHERE tenant_id = $1 AND campaign_id = $2 AND respondent_key = $4
         RETURNING id, version",
        tenant,
        campaign.summary.id,
        tx.tenant_id(),
        respondent_key,
        account,
        submission_key,
        voter,
    )
    .fetch_one(&mut **tx)
    .await;
    let (response, version) = match inserted {
        Ok(row) => (row.id, row.version),
        Err(e) if constraint(&e) == Some("survey_responses_one_voice") => return Ok(Err(SaveProblem::OneVoice)),
        // Versions written from another space are invisible here, so the next one collides.
        Err(e) if crate::db::is_duplicate(&e) => return Ok(Err(SaveProblem::AnsweredElsewhere)),
        Err(e) => return Err(e),
    };
    for (question, value) in answers {
        sqlx::query!(
            "INSERT INTO survey_answers (tenant_id, response_id, question_id, value) VALUES ($1, $2, $3, $4)",
            tenant,
            response,
            question,
            value,
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(Ok(version))
}

/// The constraint a database error names, if any.
fn constraint(error: &sqlx::Error) -> Option<&str> {
    error.as_database_error().and_then(|e| e.constraint())
}
