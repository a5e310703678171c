//! Publishing a reviewed analysis (`POST /admin/campagnes/{id}/analyse/publication`): the
//! latest run's themes, with the operators' renames and merges, are a draft that no public page
//! shows until someone who may publish the campaign's results publishes them; they can be taken
//! back to a draft. A new run is a draft again. Audited; sending it twice changes nothing more.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use crate::analysis::store;
use crate::audit::AuditAction;
use crate::db::changes::Forget;
use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

#[derive(Deserialize)]
pub struct PublicationForm {
    action: String,
}

/// `POST /admin/campagnes/{id}/analyse/publication`: `publier` or `retirer`.
pub async fn publish_themes(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    page: Page,
    operator: ConsoleOf<right::ManageCampaigns>,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<PublicationForm>,
) -> Result<Response, PageError> {
    let publish = match form.action.as_str() {
        "publier" => true,
        "retirer" => false,
        _ => return Err(PageError::BadRequest),
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    crate::campaigns::authoring::find(&mut tx, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let before = store::latest_done(&mut tx, id).await?.ok_or(PageError::NotFound)?;
    // A small set is not published (the page says why); withdrawing stays possible.
    let small = crate::analysis::report::is_small(&before);
    if before.published_at.is_some() != publish && !(publish && small) {
        store::set_published(&mut tx, id, publish).await?;
        let action = if publish {
            AuditAction::ANALYSIS_PUBLISH
        } else {
            AuditAction::ANALYSIS_UNPUBLISH
        };
        let details = serde_json::json!({ "run": before.id, "version": before.version });
        crate::audit::record(&mut tx, &operator.0, action, &id.to_string(), details).await?;
    }
    tx.commit().await?;
    // The results pages show the themes (or stop showing them) at once.
    forget.campaign(id);
    let done = if publish { "themes_publies" } else { "themes_retires" };
    see_other(&format!("/admin/campagnes/{id}/analyse?fait={done}"))
}
