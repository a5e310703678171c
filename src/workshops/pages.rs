//! The citizen's side: apply to a campaign's workshop recruitment (signed in), see and edit
//! the application. One form, usable without JavaScript.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::applications::{NewApplication, Recruitment, Saved, find_application, find_recruitment, save_application};
use super::criteria::{AnswerError, Answers, Criterion, CriterionKind, validate};
use crate::accounts::pages::message;
use crate::campaigns::queries::{CampaignDetail, find_campaign};
use crate::error::PageError;
use crate::web::Ground;
use crate::web::csrf::{CheckedForm, CsrfForm};
use crate::web::page::Page;
use crate::web::pages::{see_other, sign_in_first};

#[derive(Serialize)]
struct CriterionView<'a> {
    #[serde(flatten)]
    criterion: &'a Criterion,
    field: String,
    selected: Vec<String>,
    error: Option<String>,
}

#[derive(Serialize)]
struct SessionView<'a> {
    #[serde(flatten)]
    session: &'a super::applications::Session,
    chosen: bool,
}

#[derive(Serialize)]
struct ApplyView<'a> {
    campaign: &'a CampaignDetail,
    recruitment: &'a Recruitment,
    criteria: Vec<CriterionView<'a>>,
    sessions: Vec<SessionView<'a>>,
    accessibility_needs: &'a str,
    application_id: Option<Uuid>,
    errors: usize,
    consent_error: bool,
    /// The needs held a refused character (a NUL...): shown again without it, flagged.
    needs_error: bool,
    saved: bool,
}

fn view<'a>(
    page: &Page,
    campaign: &'a CampaignDetail,
    recruitment: &'a Recruitment,
    answers: &Answers,
    chosen_sessions: &[Uuid],
    accessibility_needs: &'a str,
    errors: &[AnswerError],
) -> ApplyView<'a> {
    ApplyView {
        campaign,
        recruitment,
        criteria: recruitment
            .criteria
            .iter()
            .map(|c| CriterionView {
                criterion: c,
                field: format!("c-{}", c.key),
                selected: match answers.get(&c.key) {
                    Some(Value::String(s)) => vec![s.clone()],
                    Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
                    _ => Vec::new(),
                },
                error: errors.iter().find(|e| e.key == c.key).map(|e| page.text(e.message)),
            })
            .collect(),
        sessions: recruitment
            .sessions
            .iter()
            .map(|s| SessionView {
                session: s,
                chosen: chosen_sessions.contains(&s.id),
            })
            .collect(),
        accessibility_needs,
        application_id: None,
        errors: errors.len(),
        consent_error: false,
        needs_error: false,
        saved: false,
    }
}

async fn load(
    state: &Ground,
    page: &Page,
    slug: &str,
) -> Result<(crate::tenancy::TenantTx, CampaignDetail, Recruitment), PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = find_campaign(&mut tx, slug).await?.ok_or(PageError::NotFound)?;
    if !campaign.admits(&page.tenant, page.account.as_ref()) {
        return Err(PageError::StaffOnly);
    }
    let recruitment = find_recruitment(&mut tx, campaign.summary.tenant_id, campaign.summary.id)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok((tx, campaign, recruitment))
}

/// Why applications are refused, if they are (a locale prefix): the recruitment closed by the
/// operator, the panel already drawn, or the campaign over.
fn refusal(campaign: &CampaignDetail, recruitment: &Recruitment) -> Option<&'static str> {
    if recruitment.drawn {
        Some("workshops.drawn")
    } else if !recruitment.open {
        Some("workshops.closed")
    } else if campaign.summary.closes_at <= chrono::Utc::now() {
        Some("workshops.campaign_closed")
    } else {
        None
    }
}

fn refused_page(page: &Page, why: &str) -> Result<Response, PageError> {
    let (title, body) = (format!("{why}_title"), format!("{why}_body"));
    message(page, &title, &[&body], None)
}

#[derive(Deserialize)]
pub struct SavedQuery {
    enregistre: Option<String>,
}

/// `GET /consultations/{slug}/ateliers`: the application form, filled with the person's
/// application when there is one.
pub async fn apply_page(
    State(state): State<Ground>,
    page: Page,
    Path(slug): Path<String>,
    Query(query): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return sign_in_first(&page.path);
    };
    let (mut tx, campaign, recruitment) = load(&state, &page, &slug).await?;
    let current = find_application(&mut tx, campaign.summary.tenant_id, recruitment.id, account.id).await?;
    tx.commit().await?;
    // No form to fill when applications are closed: the page says why (and the POST refuses).
    if let Some(why) = refusal(&campaign, &recruitment) {
        return refused_page(&page, why);
    }
    let empty = Answers::new();
    let (answers, sessions, needs) = match &current {
        Some(a) => (&a.answers, a.sessions.as_slice(), a.accessibility_needs.as_str()),
        None => (&empty, &[][..], ""),
    };
    let mut v = view(&page, &campaign, &recruitment, answers, sessions, needs, &[]);
    v.application_id = current.as_ref().map(|a| a.id);
    v.saved = query.enregistre.is_some() && current.is_some();
    Ok(page.render("workshop_apply.html", v)?.into_response())
}

/// `POST /consultations/{slug}/ateliers`: checks the answers and the consent, then creates or
/// updates the application.
pub async fn submit_application(
    State(state): State<Ground>,
    page: Page,
    Path(slug): Path<String>,
    CheckedForm { form: fields, refused }: CheckedForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return sign_in_first(&page.path);
    };
    // Only the free text is shown again when it held a refused character; anywhere else (a
    // choice, a hidden field) the error page says why.
    let needs_error = match refused {
        Some(field) if field == "accessibility_needs" => true,
        Some(field) => return Err(PageError::InvalidText(field)),
        None => false,
    };
    let (mut tx, campaign, recruitment) = load(&state, &page, &slug).await?;
    if let Some(why) = refusal(&campaign, &recruitment) {
        let mut r = refused_page(&page, why)?;
        *r.status_mut() = StatusCode::CONFLICT;
        return Ok(r);
    }
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim());
    let editing: Option<Uuid> = field("application_id")
        .filter(|v| !v.is_empty())
        .map(str::parse)
        .transpose()
        .map_err(|_| PageError::BadRequest)?;
    let sessions: Vec<Uuid> = fields
        .iter()
        .filter(|(k, _)| k == "sessions")
        .filter_map(|(_, v)| v.parse().ok())
        .filter(|id| recruitment.sessions.iter().any(|s| s.id == *id))
        .collect();
    let needs: String = field("accessibility_needs").unwrap_or("").chars().take(2000).collect();
    let consent = field("consent") == Some("oui");
    let validated = validate(&recruitment.criteria, &fields);
    if validated.is_err() || !consent || needs_error {
        drop(tx);
        let errors = validated.as_ref().err().cloned().unwrap_or_default();
        let typed: Answers = recruitment
            .criteria
            .iter()
            .filter_map(|c| {
                let name = format!("c-{}", c.key);
                let given: Vec<Value> = fields
                    .iter()
                    .filter(|(k, _)| *k == name)
                    .map(|(_, v)| Value::String(v.clone()))
                    .collect();
                match (c.kind, given.len()) {
                    (_, 0) => None,
                    (CriterionKind::Multiple, _) => Some((c.key.clone(), Value::Array(given))),
                    _ => Some((c.key.clone(), given[0].clone())),
                }
            })
            .collect();
        let mut v = view(&page, &campaign, &recruitment, &typed, &sessions, &needs, &errors);
        v.application_id = editing;
        v.consent_error = !consent;
        v.needs_error = needs_error;
        v.errors += usize::from(!consent) + usize::from(needs_error);
        let mut response = page.render("workshop_apply.html", v)?.into_response();
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    let answers = validated.unwrap_or_default();
    let saved = save_application(
        &mut tx,
        campaign.summary.tenant_id,
        recruitment.id,
        editing,
        NewApplication {
            account: account.id,
            email: &account.email,
            answers: &answers,
            sessions: &sessions,
            accessibility_needs: &needs,
        },
    )
    .await?;
    match saved {
        Saved::Created | Saved::Updated => {
            tx.commit().await?;
            see_other(&format!("/consultations/{slug}/ateliers?enregistre=1"))
        }
        Saved::AlreadyApplied => {
            drop(tx);
            let mut r = message(
                &page,
                "workshops.already_title",
                &["workshops.already_body"],
                Some(("workshops.already_link", format!("/consultations/{slug}/ateliers"))),
            )?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
    }
}

/// `GET /ateliers/reponse/{token}`: the invitation's two buttons (a `POST` uses the link, so
/// mail scanners following links cannot answer for the person).
///
/// The invitation mail links here twice, `?choix=oui` to confirm and `?choix=non` to decline:
/// the page then offers that one button (a GET changes nothing: mail scanners follow links).
pub async fn answer_page(
    page: Page,
    Path(token): Path<String>,
    Query(query): Query<ChoiceQuery>,
) -> Result<Response, PageError> {
    #[derive(Serialize)]
    struct View {
        token: String,
        choice: Option<&'static str>,
    }
    let choice = match query.choix.as_deref() {
        Some("oui") => Some("oui"),
        Some("non") => Some("non"),
        _ => None,
    };
    Ok(page
        .render("workshop_answer.html", View { token, choice })?
        .into_response())
}

#[derive(Deserialize)]
pub struct ChoiceQuery {
    choix: Option<String>,
}

#[derive(Deserialize)]
pub struct AnswerForm {
    reponse: String,
}

/// `POST /ateliers/reponse/{token}`: confirm (`oui`) or decline (`non`), once, before the
/// deadline.
pub async fn answer_invitation(
    State(state): State<Ground>,
    page: Page,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Result<Response, PageError> {
    use super::invitations::{Answer, Outcome, answer};
    let choice = match form.reponse.as_str() {
        "oui" => Answer::Confirm,
        "non" => Answer::Decline,
        _ => return Err(PageError::BadRequest),
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let outcome = answer(&mut tx, &token, choice, &page.origin.base_url(), chrono::Utc::now()).await?;
    tx.commit().await?;
    let (title, body, status) = match outcome {
        Outcome::Confirmed => ("workshops.confirmed_title", "workshops.confirmed_body", StatusCode::OK),
        Outcome::Declined { .. } => ("workshops.declined_title", "workshops.declined_body", StatusCode::OK),
        Outcome::AlreadyUsed => ("workshops.used_title", "workshops.used_body", StatusCode::CONFLICT),
        Outcome::Expired => ("workshops.expired_title", "workshops.expired_body", StatusCode::GONE),
        Outcome::Unknown => return Err(PageError::NotFound),
    };
    let mut r = message(&page, title, &[body], None)?;
    *r.status_mut() = status;
    Ok(r)
}
