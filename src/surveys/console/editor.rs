//! Creating a campaign, saving its fields, previewing it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uuid::Uuid;

use super::{EditView, checked, choice_questions, load, question_views, render_edit, shown};
use crate::campaigns::authoring::{self, CampaignForm, Problem, StoreProblem};
use crate::campaigns::queries::CampaignDetail;
use crate::db::changes::Forget;
use crate::error::PageError;
use crate::surveys::Question;
use crate::surveys::authoring::QuestionForm;
use crate::tenancy::TenantKind;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::console::{NoticeQuery, notice, render_console};
use crate::web::csrf::CheckedForm;
use crate::web::i18n::format_period;
use crate::web::markdown::render_markdown;
use crate::web::page::Page;
use crate::web::pages::see_other;

/// `GET /admin/campagnes/nouvelle`.
pub async fn new_form(page: Page, operator: ConsoleOf<right::ManageCampaigns>) -> Result<Response, PageError> {
    let form = CampaignForm::new_default(chrono::Utc::now().date_naive());
    render_edit(&page, &operator, None, form, Vec::new(), &[], None, StatusCode::OK)
}

/// `POST /admin/campagnes`: creates a draft, then opens it for the survey and publication.
pub async fn create(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    CheckedForm { form, refused }: CheckedForm<CampaignForm>,
) -> Result<Response, PageError> {
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
    // The same form sent twice: the draft the first one made.
    if let Some(key) = form.creation_key()
        && let Some(made) = authoring::created_with(&mut tx, key).await?
    {
        tx.commit().await?;
        return see_other(&format!("/admin/campagnes/{made}?fait=campagne"));
    }
    let national = page.tenant.kind == TenantKind::National;
    match authoring::create(&mut tx, &draft, national, form.creation_key()).await? {
        Ok(id) => {
            crate::audit::record(
                &mut tx,
                &operator.0,
                crate::audit::AuditAction::CAMPAIGN_CREATE,
                &draft.slug,
                serde_json::json!({ "id": id, "verified_only": draft.verified_only }),
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

/// `GET /admin/campagnes/{id}`.
pub async fn edit(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
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
        copy_key: Uuid::new_v4(),
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
    State(forget): State<Forget>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
    CheckedForm { form, refused }: CheckedForm<CampaignForm>,
) -> Result<Response, PageError> {
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
                crate::audit::AuditAction::CAMPAIGN_UPDATE,
                &draft.slug,
                serde_json::json!({ "id": id }),
            )
            .await?;
            // Requiring a verified identity (or no longer) changes who is heard: its own line.
            if campaign.verified_only != draft.verified_only {
                crate::audit::record(
                    &mut tx,
                    &operator.0,
                    crate::audit::AuditAction::CAMPAIGN_VERIFIED_ONLY,
                    &draft.slug,
                    serde_json::json!({ "id": id, "verified_only": draft.verified_only }),
                )
                .await?;
            }
            tx.commit().await?;
            forget.campaign(id);
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

/// `GET /admin/campagnes/{id}/apercu`: the public page as it will look, drafts included, with
/// its survey's questions listed.
pub async fn preview(
    State(state): State<Ground>,
    page: Page,
    _operator: ConsoleOf<right::View>,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
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
