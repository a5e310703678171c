//! Publishing or withdrawing a campaign (within the plan's quota), and its cover image.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::{load, refuse, refuse_with};
use crate::campaigns::authoring;
use crate::db::changes::Forget;
use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

#[derive(Deserialize)]
pub struct PublishForm {
    action: String,
}

/// `POST /admin/campagnes/{id}/publication`: publish (a survey needs questions) or withdraw.
pub async fn publish(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<PublishForm>,
) -> Result<Response, PageError> {
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
                crate::audit::AuditAction::CAMPAIGN_PUBLISH
            } else {
                crate::audit::AuditAction::CAMPAIGN_WITHDRAW
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
            forget.campaign(id);
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

/// Largest cover image taken.
pub const COVER_MAX_BYTES: usize = 1024 * 1024;

/// `POST /admin/campagnes/{id}/couverture` (multipart): uploads a cover image (checked by its
/// bytes) with its text alternative.
pub async fn upload_cover(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
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
    let kind = match crate::web::uploads::sniff_image(&bytes) {
        _ if too_big => Err("authoring.cover_too_big"),
        None => Err("branding.logo_not_image"),
        Some(_) if alt.is_empty() || alt.chars().count() > 300 => Err("authoring.cover_alt"),
        Some(kind) => Ok(kind),
    };
    let kind = match kind {
        Ok(kind) => kind,
        Err(key) => {
            drop(tx);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refuse(&page, &operator, &campaign, &questions, "cover_image_url", key, status);
        }
    };
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
    let asset = crate::web::uploads::store_image(&mut tx, kind, &bytes).await?;
    authoring::set_cover(&mut tx, id, &format!("/espace/images/{asset}"), &alt).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::CAMPAIGN_COVER,
        &campaign.summary.slug,
        serde_json::json!({ "asset": asset }),
    )
    .await?;
    tx.commit().await?;
    forget.campaign(id);
    see_other(&format!("/admin/campagnes/{id}?fait=campagne"))
}
