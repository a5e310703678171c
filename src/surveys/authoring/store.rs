//! Storing a survey's questions: added at the end, updated, removed (unless answered or used by
//! another's condition), moved.

use super::*;

/// Adds a question at the end of the campaign's survey.
pub async fn add_question(tx: &mut TenantTx, campaign: Uuid, q: &QuestionDraft) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO survey_questions (tenant_id, campaign_id, position, kind, label, help, required, options,
                                       max_choices, scale_min, scale_max, condition_question_id, condition_value, open_data)
         VALUES ($1, $2, (SELECT COALESCE(max(position), 0) + 1 FROM survey_questions WHERE tenant_id = $1 AND campaign_id = $2),
                 $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         RETURNING id",
        tx.tenant_id(),
        campaign,
        kind_name(q.kind),
        &q.label,
        &q.help,
        q.required,
        &q.options,
        q.max_choices,
        q.scale_min,
        q.scale_max,
        q.condition.as_ref().map(|c| c.0),
        q.condition.as_ref().map(|c| c.1.as_str()),
        q.open_data,
    )
    .fetch_one(&mut **tx)
    .await
}

pub async fn update_question(
    tx: &mut TenantTx,
    campaign: Uuid,
    id: Uuid,
    q: &QuestionDraft,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE survey_questions SET kind = $4, label = $5, help = $6, required = $7, options = $8, max_choices = $9,
                scale_min = $10, scale_max = $11, condition_question_id = $12, condition_value = $13, open_data = $14
          WHERE tenant_id = $1 AND campaign_id = $2 AND id = $3",
        tx.tenant_id(),
        campaign,
        id,
        kind_name(q.kind),
        &q.label,
        &q.help,
        q.required,
        &q.options,
        q.max_choices,
        q.scale_min,
        q.scale_max,
        q.condition.as_ref().map(|c| c.0),
        q.condition.as_ref().map(|c| c.1.as_str()),
        q.open_data,
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Why a question cannot be removed.
#[derive(Debug, PartialEq, Eq)]
pub enum RemoveProblem {
    NotFound,
    /// People already answered it: their answers stay, so does the question.
    Answered,
    /// Another question's condition looks at it.
    Referenced,
}

pub async fn remove_question(
    tx: &mut TenantTx,
    campaign: Uuid,
    id: Uuid,
) -> Result<Result<(), RemoveProblem>, sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT EXISTS (SELECT 1 FROM survey_questions WHERE tenant_id = $1 AND campaign_id = $2 AND id = $3) AS "found!",
                EXISTS (SELECT 1 FROM survey_answers WHERE tenant_id = $1 AND question_id = $3) AS "answered!",
                EXISTS (SELECT 1 FROM survey_questions WHERE tenant_id = $1 AND condition_question_id = $3) AS "referenced!""#,
        tx.tenant_id(),
        campaign,
        id,
    )
    .fetch_one(&mut **tx)
    .await?;
    if !r.found {
        return Ok(Err(RemoveProblem::NotFound));
    }
    if r.answered {
        return Ok(Err(RemoveProblem::Answered));
    }
    if r.referenced {
        return Ok(Err(RemoveProblem::Referenced));
    }
    sqlx::query!(
        "DELETE FROM survey_questions WHERE tenant_id = $1 AND campaign_id = $2 AND id = $3",
        tx.tenant_id(),
        campaign,
        id,
    )
    .execute(&mut **tx)
    .await?;
    // Close the gap so positions stay 1..n.
    renumber(tx, campaign).await?;
    Ok(Ok(()))
}

/// Swaps a question with its neighbour (`up`: with the one before). A question cannot move
/// above the question its condition looks at.
pub async fn move_question(tx: &mut TenantTx, campaign: &[Question], id: Uuid, up: bool) -> Result<bool, sqlx::Error> {
    let Some(i) = campaign.iter().position(|q| q.id == id) else {
        return Ok(false);
    };
    let j = if up {
        i.checked_sub(1)
    } else {
        Some(i + 1).filter(|&j| j < campaign.len())
    };
    let Some(j) = j else { return Ok(false) };
    let (first, second) = if i < j {
        (&campaign[i], &campaign[j])
    } else {
        (&campaign[j], &campaign[i])
    };
    if second.condition.as_ref().is_some_and(|c| c.question_id == first.id) {
        return Ok(false);
    }
    // Through a free position: (campaign, position) is unique.
    for (qid, position) in [(first.id, -1), (second.id, first.position), (first.id, second.position)] {
        sqlx::query!(
            "UPDATE survey_questions SET position = $3 WHERE tenant_id = $1 AND id = $2",
            tx.tenant_id(),
            qid,
            position,
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(true)
}

async fn renumber(tx: &mut TenantTx, campaign: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE survey_questions q SET position = -r.n
           FROM (SELECT id, row_number() OVER (ORDER BY position) AS n FROM survey_questions
                  WHERE tenant_id = $1 AND campaign_id = $2) r
          WHERE q.tenant_id = $1 AND q.id = r.id",
        tx.tenant_id(),
        campaign,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE survey_questions SET position = -position WHERE tenant_id = $1 AND campaign_id = $2",
        tx.tenant_id(),
        campaign,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
