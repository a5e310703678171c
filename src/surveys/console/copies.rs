//! A campaign copied as a new draft, and a draft deleted.
//!
//! - **Copy** (`POST /admin/campagnes/{id}/copie`): a new draft with the same settings and
//!   survey (its questions and their conditions), not its publication, contributions,
//!   invitations, workshops or results. The form carries a key: the same form sent twice makes
//!   one copy, and the second answer leads to it.
//! - **Delete** (`GET` then `POST /admin/campagnes/{id}/suppression`): a page asks for the
//!   confirmation; only a draft is deleted, and only while nothing refers to it (an idea, an
//!   answer, a workshop, news): the database's references refuse the rest and the page says so.
//!   Sending the confirmation twice is harmless: the second finds nothing and lands on the list.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{load, refuse};
use crate::campaigns::authoring::{self, DeleteRefusal};
use crate::db::changes::Forget;
use crate::error::PageError;
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, render_console, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

#[derive(Deserialize)]
pub struct CopyForm {
    key: Uuid,
}

/// `POST /admin/campagnes/{id}/copie`: the copy, then its editor.
pub async fn duplicate(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<CopyForm>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    if let Some(made) = authoring::created_with(&mut tx, form.key).await? {
        tx.commit().await?;
        return see_other(&format!("/admin/campagnes/{made}?fait=copie"));
    }
    let (campaign, _) = load(&mut tx, id).await?;
    let slug = authoring::free_slug(&mut tx, &format!("{}-copie", campaign.summary.slug)).await?;
    let suffix = page.text("authoring.copy_suffix");
    let room = 200 - suffix.chars().count() - 1;
    let title = format!(
        "{} {suffix}",
        campaign.summary.title.chars().take(room).collect::<String>().trim_end()
    );
    let made = authoring::copy(&mut tx, id, &slug, &title, form.key)
        .await?
        .ok_or(PageError::NotFound)?;
    copy_questions(&mut tx, id, made).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::CAMPAIGN_DUPLICATE,
        &slug,
        serde_json::json!({ "id": made, "from": id }),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!("/admin/campagnes/{made}?fait=copie"))
}

/// The survey's questions of `from` into `to`, in one statement: new ids, the conditions
/// pointing at the copies of the questions they pointed at.
async fn copy_questions(tx: &mut TenantTx, from: Uuid, to: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "WITH ids AS (SELECT id AS old, gen_random_uuid() AS new
                        FROM survey_questions WHERE tenant_id = $1 AND campaign_id = $2)
         INSERT INTO survey_questions (tenant_id, id, campaign_id, position, kind, label, help, required, options,
                                       max_choices, scale_min, scale_max, condition_question_id, condition_value, open_data)
         SELECT q.tenant_id, ids.new, $3, q.position, q.kind, q.label, q.help, q.required, q.options,
                q.max_choices, q.scale_min, q.scale_max,
                (SELECT c.new FROM ids c WHERE c.old = q.condition_question_id), q.condition_value, q.open_data
           FROM survey_questions q JOIN ids ON ids.old = q.id
          WHERE q.tenant_id = $1 AND q.campaign_id = $2",
        tx.tenant_id(),
        from,
        to,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Serialize)]
struct ConfirmView<'a> {
    id: Uuid,
    title: &'a str,
    questions: usize,
}

/// `GET /admin/campagnes/{id}/suppression`: "delete this draft?", or the editor saying why not.
pub async fn confirm_delete(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    tx.commit().await?;
    if campaign.published_at.is_some() {
        return refuse(
            &page,
            &operator,
            &campaign,
            &questions,
            "publish",
            "authoring.delete_published",
            StatusCode::CONFLICT,
        );
    }
    let view = ConfirmView {
        id,
        title: &campaign.summary.title,
        questions: questions.len(),
    };
    render_console(
        &page,
        &operator,
        "console_campaign_delete.html",
        "/admin/campagnes",
        view,
        StatusCode::OK,
    )
}

/// `POST /admin/campagnes/{id}/suppression`: deletes the draft, then the list.
pub async fn delete(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let slug = authoring::find(&mut tx, id).await?.map(|c| c.summary.slug);
    let refusal = match authoring::delete_draft(&mut tx, id).await? {
        // Already deleted (a second click): the list, as after the first.
        None => return see_other("/admin/campagnes?fait=suppression_campagne"),
        Some(Ok(())) => {
            crate::audit::record(
                &mut tx,
                &operator.0,
                crate::audit::AuditAction::CAMPAIGN_DELETE,
                slug.as_deref().unwrap_or_default(),
                serde_json::json!({ "id": id }),
            )
            .await?;
            tx.commit().await?;
            forget.campaign(id);
            return see_other("/admin/campagnes?fait=suppression_campagne");
        }
        Some(Err(refusal)) => refusal,
    };
    drop(tx);
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, questions) = load(&mut tx, id).await?;
    tx.commit().await?;
    let message = match refusal {
        DeleteRefusal::Published => "authoring.delete_published",
        DeleteRefusal::InUse => "authoring.delete_in_use",
    };
    refuse(
        &page,
        &operator,
        &campaign,
        &questions,
        "publish",
        message,
        StatusCode::CONFLICT,
    )
}
