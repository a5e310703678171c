//! "Suivre cette idée": one button on the idea page, to follow it or to stop.

use super::*;
use crate::campaigns::follows::{Followed, set_following};

#[derive(Deserialize)]
pub struct FollowForm {
    /// `suivre` or `ne-plus-suivre`: explicit, so a double submission does not undo itself.
    action: String,
}

/// `POST /consultations/{slug}/idees/{id}/suivi`.
pub async fn post_follow(
    State(state): State<Ground>,
    State(caches): State<IdeaCaches>,
    page: Page,
    Path((slug, id)): Path<(String, Uuid)>,
    CsrfForm(form): CsrfForm<FollowForm>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return sign_in_first(&page.path);
    };
    let follow = match form.action.as_str() {
        "suivre" => true,
        "ne-plus-suivre" => false,
        _ => return Err(PageError::BadRequest),
    };
    let (_, idea, mut tx) = idea_in_campaign(&state, &caches, &page, &slug, id).await?;
    // Following what is no longer shown would only ever bring silence; stopping always works.
    if follow && idea.status != "published" {
        return Err(PageError::BadRequest);
    }
    set_following(&mut tx, idea.tenant_id, Followed::Idea(id), account.id, follow).await?;
    tx.commit().await?;
    see_other(&format!("/consultations/{slug}/idees/{id}#suivi"))
}
