//! Survey API: the questions, my current response, and replacing it.

use std::collections::BTreeMap;

use crate::web::json::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::queries::{SaveProblem, current_response, list_questions, save_response};
use super::{Answers, Question, respondent_key, validate};
use crate::accounts::session::ApiAccount;
use crate::accounts::session::MaybeAccount;
use crate::campaigns::queries::{CampaignDetail, find_campaign};
use crate::error::{ApiError, FieldProblem};
use crate::tenancy::{CurrentTenant, TenantTx};
use crate::web::Ground;
use crate::web::i18n::Lang;
use crate::web::openapi::{Reading, SignedInReading, WritingJson};

async fn survey_campaign(
    tx: &mut TenantTx,
    slug: &str,
    tenant: &CurrentTenant,
    account: Option<&crate::accounts::Account>,
) -> Result<CampaignDetail, ApiError> {
    let campaign = find_campaign(tx, slug)
        .await?
        .filter(|c| c.has_survey)
        .ok_or(ApiError::NotFound)?;
    if !campaign.admits(tenant, account) {
        return Err(ApiError::Forbidden(crate::campaigns::STAFF_ONLY.into()));
    }
    Ok(campaign)
}

/// The survey's questions, in order.
#[utoipa::path(get, path = "/api/v1/campaigns/{slug}/survey", tag = "surveys",
    params(("slug" = String, Path, description = "The campaign's slug")),
    security((), ("session" = [])), responses(
    (status = 200, description = "The questions; `condition` shows one only after a given answer", body = Vec<Question>),
    Reading,
))]
pub async fn get_questions(
    State(state): State<Ground>,
    tenant: CurrentTenant,
    MaybeAccount(account): MaybeAccount,
    Path(slug): Path<String>,
) -> Result<Json<Vec<Question>>, ApiError> {
    let mut tx = state.db.begin(&tenant).await?;
    let campaign = survey_campaign(&mut tx, &slug, &tenant, account.as_ref()).await?;
    let questions = list_questions(&mut tx, &campaign).await?;
    tx.commit().await?;
    Ok(Json(questions))
}

/// My response to a survey.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ResponseView {
    /// 1 for the first response, then one more at each replacement.
    pub version: i32,
    /// Question id → answer, for the questions shown.
    #[schema(value_type = BTreeMap<String, Value>)]
    pub answers: Answers,
}

/// My current response (signed in), or 404.
#[utoipa::path(get, path = "/api/v1/campaigns/{slug}/survey/response", tag = "surveys",
    params(("slug" = String, Path, description = "The campaign's slug")),
    security(("session" = [])), responses(
    (status = 200, description = "My current answers", body = ResponseView),
    SignedInReading,
))]
pub async fn get_response(
    State(state): State<Ground>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path(slug): Path<String>,
) -> Result<Json<ResponseView>, ApiError> {
    let mut tx = state.db.begin(&tenant).await?;
    let campaign = survey_campaign(&mut tx, &slug, &tenant, Some(&account)).await?;
    let key = respondent_key(&state.csrf_key, campaign.summary.id, account.id);
    let (version, answers) = current_response(&mut tx, &campaign, &key)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(ResponseView { version, answers }))
}

/// All my answers at once.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = SurveyResponse)]
pub struct ResponseBody {
    /// Question id → answer: a string (text, single choice), an integer (scale) or an array of
    /// strings (multiple choice, ranking).
    #[schema(value_type = BTreeMap<String, Value>)]
    answers: BTreeMap<Uuid, Value>,
    /// Optional idempotency key: the same key twice stores one version.
    submission_key: Option<Uuid>,
}

/// Replace my response, atomically (signed in; all answers at once).
#[utoipa::path(put, path = "/api/v1/campaigns/{slug}/survey/response", tag = "surveys",
    params(("slug" = String, Path, description = "The campaign's slug")),
    request_body = ResponseBody, security(("session" = [])), responses(
    (status = 200, description = "My response as stored", body = ResponseView),
    WritingJson,
))]
pub async fn put_response(
    State(state): State<Ground>,
    tenant: CurrentTenant,
    ApiAccount(account): ApiAccount,
    Path(slug): Path<String>,
    Json(body): Json<ResponseBody>,
) -> Result<Json<ResponseView>, ApiError> {
    let mut tx = state.db.begin(&tenant).await?;
    let campaign = survey_campaign(&mut tx, &slug, &tenant, Some(&account)).await?;
    if !campaign.hears(&account) {
        return Err(ApiError::Forbidden(crate::campaigns::VERIFIED_ONLY.into()));
    }
    if !campaign.is_open() {
        return Err(ApiError::Conflict(
            "Ce questionnaire est fermé : les réponses ne peuvent plus être modifiées.".into(),
        ));
    }
    let questions = list_questions(&mut tx, &campaign).await?;
    let answers = validate(&questions, &body.answers).map_err(|errors| {
        ApiError::Invalid(
            errors
                .into_iter()
                .map(|e| FieldProblem {
                    field: e.question_id.to_string(),
                    message: Lang::Fr.text(e.message),
                })
                .collect(),
        )
    })?;
    let key = respondent_key(&state.csrf_key, campaign.summary.id, account.id);
    let stored_account = (!campaign.anonymous_responses).then_some(account.id);
    let submission_key = body.submission_key.unwrap_or_else(Uuid::new_v4);
    let version = match save_response(
        &mut tx,
        &campaign,
        &key,
        stored_account,
        account.id,
        &answers,
        submission_key,
    )
    .await?
    {
        Ok(version) => version,
        Err(SaveProblem::AnsweredElsewhere) => {
            return Err(ApiError::Conflict(
                "Vous avez déjà répondu à ce questionnaire depuis un autre espace.".into(),
            ));
        }
        Err(SaveProblem::OneVoice) => {
            return Err(ApiError::Conflict(
                "Cette identité a déjà répondu à ce questionnaire avec un autre compte : une personne, une voix."
                    .into(),
            ));
        }
    };
    tx.commit().await?;
    if version == 1 {
        crate::telemetry::metrics::contribution(&tenant.slug, "response");
    }
    Ok(Json(ResponseView { version, answers }))
}
