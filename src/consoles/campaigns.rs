//! Campaign authoring in the console: list, create, edit, survey questions (every kind, with
//! conditions, ordered), preview and publish. National campaigns are written on the national
//! space. Plain forms: each step works without JavaScript.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::space::{NoticeQuery, notice};
use crate::campaigns::authoring::{self, CampaignForm, Problem, StoreProblem};
use crate::campaigns::cache::CampaignCache;
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::ideas::snapshot::IdeaSnapshots;
use crate::surveys::Question;
use crate::surveys::authoring::{self as question_authoring, QuestionForm, RemoveProblem};
use crate::tenancy::{TenantKind, TenantTx};
use crate::web::Ground;
use crate::web::console::Action;
use crate::web::console::SignedInOperator;
use crate::web::console::render_console;
use crate::web::csrf::{CheckedForm, CsrfForm};
use crate::web::i18n::format_period;
use crate::web::markdown::render_markdown;
use crate::web::page::Page;
use crate::web::pages::see_other;

#[derive(Serialize)]
struct Shown {
    field: &'static str,
    message: String,
}

fn shown(page: &Page, problems: &[Problem]) -> Vec<Shown> {
    problems
        .iter()
        .map(|p| Shown {
            field: p.field,
            message: page.text(p.message),
        })
        .collect()
}

/// `GET /admin/campagnes`.
pub async fn list(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::View)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaigns = authoring::list(&mut tx).await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        campaigns: Vec<authoring::ConsoleCampaign>,
        can_edit: bool,
        can_export: bool,
        can_invite: bool,
        can_analyse: bool,
        notice: Option<String>,
    }
    let view = View {
        can_analyse: operator.may(&page.tenant, Action::Analyse).is_ok(),
        campaigns,
        can_edit: operator.may(&page.tenant, Action::ManageCampaigns).is_ok(),
        can_export: operator.may(&page.tenant, Action::Export).is_ok(),
        can_invite: operator.may(&page.tenant, Action::InviteParticipants).is_ok(),
        notice: notice(&page, &query),
    };
    render_console(
        &page,
        &operator,
        "console_campaigns.html",
        "/admin/campagnes",
        view,
        StatusCode::OK,
    )
}

#[derive(Serialize)]
struct EditView<'a> {
    /// `None` for a new campaign.
    campaign: Option<&'a CampaignDetail>,
    form: CampaignForm,
    errors: Vec<Shown>,
    questions: Vec<QuestionView>,
    /// Every choice question, for the condition of a question added at the end.
    choices_for_new: Vec<(Uuid, String)>,
    new_question: QuestionForm,
    question_errors: Vec<Shown>,
    /// The question whose form the errors belong to (`None`: the new question form).
    question_in_error: Option<Uuid>,
    national: bool,
    notice: Option<String>,
}

#[derive(Serialize)]
struct QuestionView {
    question: Question,
    form: QuestionForm,
    /// Earlier choice questions, for its condition.
    earlier: Vec<(Uuid, String)>,
}

fn question_views(questions: &[Question]) -> Vec<QuestionView> {
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| QuestionView {
            question: q.clone(),
            form: QuestionForm::from_question(q),
            earlier: choice_questions(&questions[..i]),
        })
        .collect()
}

fn choice_questions(questions: &[Question]) -> Vec<(Uuid, String)> {
    use crate::surveys::QuestionKind::*;
    questions
        .iter()
        .filter(|q| matches!(q.kind, SingleChoice | MultipleChoice))
        .map(|q| (q.id, format!("{}. {}", q.position, q.label)))
        .collect()
}

fn may_edit(page: &Page, operator: &SignedInOperator) -> Result<(), PageError> {
    operator.may(&page.tenant, Action::ManageCampaigns)
}

/// `GET /admin/campagnes/nouvelle`.
pub async fn new_form(page: Page, operator: SignedInOperator) -> Result<Response, PageError> {
    may_edit(&page, &operator)?;
    let form = CampaignForm::new_default(chrono::Utc::now().date_naive());
    render_edit(&page, &operator, None, form, Vec::new(), &[], None, StatusCode::OK)
}

#[allow(clippy::too_many_arguments)]
fn render_edit(
    page: &Page,
    operator: &SignedInOperator,
    campaign: Option<&CampaignDetail>,
    form: CampaignForm,
    errors: Vec<Shown>,
    questions: &[Question],
    question_errors: Option<(Option<Uuid>, Vec<Shown>, QuestionForm)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (question_in_error, question_errors, new_question) = match question_errors {
        Some((which, errors, form)) if which.is_none() => (None, errors, form),
        Some((which, errors, _)) => (which, errors, QuestionForm::default()),
        None => (None, Vec::new(), QuestionForm::default()),
    };
    let view = EditView {
        campaign,
        form,
        errors,
        questions: question_views(questions),
        choices_for_new: choice_questions(questions),
        new_question,
        question_errors,
        question_in_error,
        national: page.tenant.kind == TenantKind::National,
        notice: None,
    };
    render_console(
        page,
        operator,
        "console_campaign.html",
        "/admin/campagnes",
        view,
        status,
    )
}

/// A form's parse, unless the boundary refused a character (a NUL...) in one of its text
/// `fields`: then that field's problem, so the form comes back with the entry kept. A refused
/// character elsewhere (a hidden field) gets the error page.
fn checked<T>(
    refused: Option<String>,
    fields: &[&'static str],
    parse: impl FnOnce() -> Result<T, Vec<Problem>>,
) -> Result<Result<T, Vec<Problem>>, PageError> {
    match refused {
        None => Ok(parse()),
        Some(field) => match authoring::refused_text(fields, &field) {
            Some(problem) => Ok(Err(vec![problem])),
            None => Err(PageError::InvalidText(field)),
        },
    }
}

/// `POST /admin/campagnes`: creates a draft, then opens it for the survey and publication.
pub async fn create(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    CheckedForm { form, refused }: CheckedForm<CampaignForm>,
) -> Result<Response, PageError> {
    may_edit(&page, &operator)?;
    let draft = match checked(refused, authoring::CAMPAIGN_TEXT_FIELDS, || form.parse())? {
        Ok(draft) => draft,
        Err(problems) => {
            let errors = shown(&page, &problems);
            return render_edit(
                &page,
                &operator,
                None,
                form,
                errors,
                &[],
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let national = page.tenant.kind == TenantKind::National;
    match authoring::create(&mut tx, &draft, national).await? {
        Ok(id) => {
            crate::audit::record(
                &mut tx,
                &operator.0,
                "campaign.create",
                &draft.slug,
                serde_json::json!({ "id": id }),
            )
            .await?;
            tx.commit().await?;
            see_other(&format!("/admin/campagnes/{id}?fait=campagne"))
        }
        Err(StoreProblem::SlugTaken) => {
            let errors = shown(
                &page,
                &[Problem {
                    field: "slug",
                    message: "authoring.slug_taken",
                }],
            );
            render_edit(&page, &operator, None, form, errors, &[], None, StatusCode::CONFLICT)
        }
    }
}

/// The saved campaign's page again, with one problem (a locale key) on `field`.
fn refuse(
    page: &Page,
    operator: &SignedInOperator,
    campaign: &CampaignDetail,
    questions: &[Question],
    field: &'static str,
    message: &'static str,
    status: StatusCode,
) -> Result<Response, PageError> {
    refuse_with(page, operator, campaign, questions, field, page.text(message), status)
}

/// [`refuse`] with a message already worded (one that carries figures, such as a quota's).
fn refuse_with(
    page: &Page,
    operator: &SignedInOperator,
    campaign: &CampaignDetail,
    questions: &[Question],
    field: &'static str,
    message: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let errors = vec![Shown { field, message }];
    let form = CampaignForm::from_campaign(campaign);
    render_edit(page, operator, Some(campaign), form, errors, questions, None, status)
}

async fn load(tx: &mut TenantTx, id: Uuid) -> Result<(CampaignDetail, Vec<Question>), PageError> {
    let campaign = authoring::find(tx, id).await?.ok_or(PageError::NotFound)?;
    let questions = crate::surveys::queries::list_questions(tx, &campaign).await?;
    Ok((campaign, questions))
}

/// `GET /admin/campagnes/{id}`.
pub async fn edit(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    may_edit(&page, &operator)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    tx.commit().await?;
    let view = EditView {
        form: CampaignForm::from_campaign(&campaign),
        campaign: Some(&campaign),
        errors: Vec::new(),
        questions: question_views(&questions),
        choices_for_new: choice_questions(&questions),
        new_question: QuestionForm::default(),
        question_errors: Vec::new(),
        question_in_error: None,
        national: page.tenant.kind == TenantKind::National,
        notice: notice(&page, &query),
    };
    render_console(
        &page,
        &operator,
        "console_campaign.html",
        "/admin/campagnes",
        view,
        StatusCode::OK,
    )
}

/// `POST /admin/campagnes/{id}`: saves the campaign's fields.
pub async fn update(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    State(ideas): State<IdeaSnapshots>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    CheckedForm { form, refused }: CheckedForm<CampaignForm>,
) -> Result<Response, PageError> {
    may_edit(&page, &operator)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    let draft = match checked(refused, authoring::CAMPAIGN_TEXT_FIELDS, || form.parse())? {
        Ok(draft) => draft,
        Err(problems) => {
            let errors = shown(&page, &problems);
            return render_edit(
                &page,
                &operator,
                Some(&campaign),
                form,
                errors,
                &questions,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    match authoring::update(&mut tx, id, &draft).await? {
        Ok(()) => {
            crate::audit::record(
                &mut tx,
                &operator.0,
                "campaign.update",
                &draft.slug,
                serde_json::json!({ "id": id }),
            )
            .await?;
            tx.commit().await?;
            campaigns.forget_all();
            ideas.forget(id).await;
            see_other(&format!("/admin/campagnes/{id}?fait=campagne"))
        }
        Err(StoreProblem::SlugTaken) => {
            let errors = shown(
                &page,
                &[Problem {
                    field: "slug",
                    message: "authoring.slug_taken",
                }],
            );
            render_edit(
                &page,
                &operator,
                Some(&campaign),
                form,
                errors,
                &questions,
                None,
                StatusCode::CONFLICT,
            )
        }
    }
}

/// `POST /admin/campagnes/{id}/questions`: adds a question at the end.
pub async fn add_question(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    CheckedForm { form, refused }: CheckedForm<QuestionForm>,
) -> Result<Response, PageError> {
    may_edit(&page, &operator)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    match checked(refused, question_authoring::QUESTION_TEXT_FIELDS, || {
        form.parse(&questions)
    })? {
        Ok(draft) => {
            question_authoring::add_question(&mut tx, id, &draft).await?;
            crate::audit::record(
                &mut tx,
                &operator.0,
                "survey.add_question",
                &campaign.summary.slug,
                serde_json::json!({ "label": draft.label }),
            )
            .await?;
            tx.commit().await?;
            see_other(&format!("/admin/campagnes/{id}?fait=question#questions"))
        }
        Err(problems) => {
            let errors = (None, shown(&page, &problems), form);
            let form = CampaignForm::from_campaign(&campaign);
            render_edit(
                &page,
                &operator,
                Some(&campaign),
                form,
                Vec::new(),
                &questions,
                Some(errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

/// `POST /admin/campagnes/{id}/questions/{question}`: saves one question.
pub async fn update_question(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path((id, question)): Path<(Uuid, Uuid)>,
    CheckedForm { form, refused }: CheckedForm<QuestionForm>,
) -> Result<Response, PageError> {
    may_edit(&page, &operator)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    let position = questions
        .iter()
        .position(|q| q.id == question)
        .ok_or(PageError::NotFound)?;
    match checked(refused, question_authoring::QUESTION_TEXT_FIELDS, || {
        form.parse(&questions[..position])
    })? {
        Ok(draft) => {
            question_authoring::update_question(&mut tx, id, question, &draft).await?;
            crate::audit::record(
                &mut tx,
                &operator.0,
                "survey.update_question",
                &campaign.summary.slug,
                serde_json::json!({ "question": question }),
            )
            .await?;
            tx.commit().await?;
            see_other(&format!("/admin/campagnes/{id}?fait=question#q-{question}"))
        }
        Err(problems) => {
            let errors = (Some(question), shown(&page, &problems), form);
            let form = CampaignForm::from_campaign(&campaign);
            render_edit(
                &page,
                &operator,
                Some(&campaign),
                form,
                Vec::new(),
                &questions,
                Some(errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    direction: String,
}

/// `POST /admin/campagnes/{id}/questions/{question}/deplacer`.
pub async fn move_question(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path((id, question)): Path<(Uuid, Uuid)>,
    CsrfForm(form): CsrfForm<MoveForm>,
) -> Result<Response, PageError> {
    may_edit(&page, &operator)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    let up = match form.direction.as_str() {
        "haut" => true,
        "bas" => false,
        _ => return Err(PageError::BadRequest),
    };
    if question_authoring::move_question(&mut tx, &questions, question, up).await? {
        crate::audit::record(
            &mut tx,
            &operator.0,
            "survey.move_question",
            &campaign.summary.slug,
            serde_json::json!({ "question": question, "up": up }),
        )
        .await?;
    }
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{id}#q-{question}"))
}

/// `POST /admin/campagnes/{id}/questions/{question}/suppression`.
pub async fn remove_question(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path((id, question)): Path<(Uuid, Uuid)>,
    CsrfForm(_): CsrfForm<crate::accounts::pages::Empty>,
) -> Result<Response, PageError> {
    may_edit(&page, &operator)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    let why = match question_authoring::remove_question(&mut tx, id, question).await? {
        Ok(()) => {
            crate::audit::record(
                &mut tx,
                &operator.0,
                "survey.remove_question",
                &campaign.summary.slug,
                serde_json::json!({ "question": question }),
            )
            .await?;
            tx.commit().await?;
            return see_other(&format!("/admin/campagnes/{id}?fait=suppression#questions"));
        }
        Err(RemoveProblem::NotFound) => return Err(PageError::NotFound),
        Err(RemoveProblem::Answered) => "authoring.question_answered",
        Err(RemoveProblem::Referenced) => "authoring.question_referenced",
    };
    drop(tx);
    let errors = (
        Some(question),
        shown(
            &page,
            &[Problem {
                field: "label",
                message: why,
            }],
        ),
        QuestionForm::default(),
    );
    let form = CampaignForm::from_campaign(&campaign);
    render_edit(
        &page,
        &operator,
        Some(&campaign),
        form,
        Vec::new(),
        &questions,
        Some(errors),
        StatusCode::CONFLICT,
    )
}

#[derive(Deserialize)]
pub struct PublishForm {
    action: String,
}

/// `POST /admin/campagnes/{id}/publication`: publish (a survey needs questions) or withdraw.
pub async fn publish(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<PublishForm>,
) -> Result<Response, PageError> {
    may_edit(&page, &operator)?;
    let publish = match form.action.as_str() {
        "publier" => true,
        "retirer" => false,
        _ => return Err(PageError::BadRequest),
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    // One more open campaign than the plan allows is refused, saying which quota and how full.
    if publish
        && campaign.published_at.is_none()
        && campaign.summary.closes_at > chrono::Utc::now()
        && let Err(refusal) = crate::metering::quotas::allow_publication(&mut tx).await?
    {
        drop(tx);
        return refuse_with(
            &page,
            &operator,
            &campaign,
            &questions,
            "publish",
            refusal.message(page.lang.code()),
            StatusCode::CONFLICT,
        );
    }
    match authoring::set_published(&mut tx, &campaign, publish).await? {
        Ok(()) => {
            let action = if publish {
                "campaign.publish"
            } else {
                "campaign.withdraw"
            };
            crate::audit::record(
                &mut tx,
                &operator.0,
                action,
                &campaign.summary.slug,
                serde_json::json!({ "id": id }),
            )
            .await?;
            tx.commit().await?;
            campaigns.forget_all();
            see_other(&format!(
                "/admin/campagnes/{id}?fait={}",
                if publish { "publication" } else { "retrait_campagne" }
            ))
        }
        Err(why) => {
            drop(tx);
            refuse(
                &page,
                &operator,
                &campaign,
                &questions,
                "publish",
                why,
                StatusCode::CONFLICT,
            )
        }
    }
}

/// `GET /admin/campagnes/{id}/apercu`: the public page as it will look, drafts included, with
/// its survey's questions listed.
pub async fn preview(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::View)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct View<'a> {
        campaign: &'a CampaignDetail,
        body_html: String,
        period: String,
        questions: Vec<Question>,
        preview: bool,
    }
    let view = View {
        body_html: render_markdown(&campaign.body_md),
        period: format_period(page.lang, campaign.summary.opens_at, campaign.summary.closes_at),
        campaign: &campaign,
        questions,
        preview: true,
    };
    let mut response = page.render("console_preview.html", view)?.into_response();
    response
        .headers_mut()
        .insert("x-robots-tag", axum::http::HeaderValue::from_static("noindex"));
    Ok(response)
}

/// `GET /admin/campagnes/{id}/export/{file}` with `file` one of `contributions`, `commentaires`,
/// `reponses`, then `.csv` or `.json`.
pub async fn export(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path((id, file)): Path<(Uuid, String)>,
) -> Result<Response, PageError> {
    operator.may(&page.tenant, Action::Export)?;
    let (what, format) = file.rsplit_once('.').ok_or(PageError::NotFound)?;
    if !matches!(format, "csv" | "json") {
        return Err(PageError::NotFound);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    let table = match what {
        "contributions" => crate::exports::contributions(&mut tx, &campaign).await?,
        "commentaires" => crate::exports::comments(&mut tx, &campaign).await?,
        "reponses" => crate::exports::responses(&mut tx, &campaign, &questions).await?,
        _ => return Err(PageError::NotFound),
    };
    crate::audit::record(
        &mut tx,
        &operator.0,
        &format!("export.{what}"),
        &campaign.summary.slug,
        serde_json::json!({ "format": format, "rows": table.rows.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(table.download(format, &format!("{}-{what}", campaign.summary.slug))?)
}

/// Largest cover image taken.
pub const COVER_MAX_BYTES: usize = 1024 * 1024;

/// `POST /admin/campagnes/{id}/couverture` (multipart): uploads a cover image (checked by its
/// bytes) with its text alternative.
pub async fn upload_cover(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    State(ideas): State<IdeaSnapshots>,
    page: Page,
    operator: SignedInOperator,
    Path(id): Path<Uuid>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    may_edit(&page, &operator)?;
    let (mut csrf, mut alt, mut bytes, mut too_big) = (String::new(), String::new(), Vec::new(), false);
    while let Some(mut field) = multipart.next_field().await.map_err(crate::web::uploads::refused)? {
        match field.name().unwrap_or_default() {
            "image" => match crate::web::uploads::read_capped(&mut field, COVER_MAX_BYTES).await? {
                Some(read) => bytes = read,
                None => too_big = true,
            },
            "csrf" => csrf = crate::web::uploads::text(&mut field).await?,
            "alt" => alt = crate::web::uploads::text(&mut field).await?.trim().to_owned(),
            _ => {}
        }
    }
    if !crate::web::csrf::csrf_valid(&state.csrf_key, page.tenant.id, &page.visitor, &csrf) {
        return Err(PageError::Forbidden);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    let kind = super::branding::sniff_image(&bytes);
    let problem = if too_big {
        Some("authoring.cover_too_big")
    } else if bytes.is_empty() || kind.is_none() {
        Some("branding.logo_not_image")
    } else if alt.is_empty() || alt.chars().count() > 300 {
        Some("authoring.cover_alt")
    } else {
        None
    };
    if let Some(key) = problem {
        drop(tx);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return refuse(&page, &operator, &campaign, &questions, "cover_image_url", key, status);
    }
    if let Err(refusal) = crate::metering::quotas::allow_storage(&mut tx, bytes.len() as i64, 0).await? {
        drop(tx);
        let message = refusal.message(page.lang.code());
        return refuse_with(
            &page,
            &operator,
            &campaign,
            &questions,
            "cover_image_url",
            message,
            StatusCode::CONFLICT,
        );
    }
    let asset: Uuid = sqlx::query_scalar(
        "INSERT INTO space_assets (tenant_id, content_type, bytes) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(page.tenant.id)
    .bind(kind)
    .bind(&bytes)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE campaigns SET cover_image_url = $3, cover_image_alt = $4 WHERE tenant_id = $1 AND id = $2")
        .bind(page.tenant.id)
        .bind(id)
        .bind(format!("/espace/images/{asset}"))
        .bind(&alt)
        .execute(&mut *tx)
        .await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        "campaign.cover",
        &campaign.summary.slug,
        serde_json::json!({ "asset": asset }),
    )
    .await?;
    tx.commit().await?;
    campaigns.forget_all();
    ideas.forget(id).await;
    see_other(&format!("/admin/campagnes/{id}?fait=campagne"))
}
