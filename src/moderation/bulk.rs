//! The search's action on the contributions ticked (`POST /admin/contributions/lot`): hide for
//! a reason of the charter, publish, restore, or give a theme of their campaign. Each applies
//! only where it changes something, in one transaction, one audit line per contribution; the
//! answer leads back to the same search, saying how many changed.

use axum::extract::State;
use axum::response::Response;
use uuid::Uuid;

use crate::audit::AuditAction;
use crate::db::changes::Forget;
use crate::error::PageError;
use crate::moderation::{CharterReason, Decision, Target, moderate, notice};
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

/// What the bulk form sends: the ideas ticked (`ids`, repeated), the action and its details,
/// and the search to go back to.
fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim())
}

/// `POST /admin/contributions/lot`.
pub async fn act(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    page: Page,
    operator: ConsoleOf<right::Moderate>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let ids: Vec<Uuid> = form
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.parse().map_err(|_| PageError::BadRequest))
        .collect::<Result<_, _>>()?;
    let back = field(&form, "retour");
    // Only a search's own query goes back (no other path, no scheme).
    let back = if back.contains(['/', ':', '#']) { "" } else { back };
    let separator = if back.is_empty() { "" } else { "&" };
    let refused = |why: &str| see_other(&format!("/admin/contributions?{back}{separator}erreur={why}"));
    let note = field(&form, "note");
    // (status it must have now, decision) — or a theme.
    let (from, decision) = match field(&form, "action") {
        "masquer" => match CharterReason::parse(field(&form, "charter_reason")) {
            Some(reason) => ("published", Some(Decision::Hide(reason))),
            None => return refused("motif_charte"),
        },
        "publier" => ("pending", Some(Decision::Approve)),
        "retablir" => ("hidden", Some(Decision::Restore)),
        "theme" => ("", None),
        _ => return Err(PageError::BadRequest),
    };
    let theme = field(&form, "theme");
    if decision.is_none() && theme.is_empty() {
        return refused("theme");
    }
    if ids.is_empty() {
        return refused("selection");
    }
    // Restoring or publishing needs a written reason, as from the queue.
    if matches!(decision, Some(Decision::Approve | Decision::Restore)) && !(3..=1000).contains(&note.chars().count()) {
        return refused("motif");
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    // The ideas of this space among those ticked that the action would change, locked.
    let targets: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT i.id, i.campaign_id FROM ideas i JOIN campaigns c ON c.tenant_id = i.tenant_id AND c.id = i.campaign_id
          WHERE i.tenant_id = $1 AND i.id = ANY($2) AND i.hidden_by IS DISTINCT FROM 'author'
            AND CASE WHEN $3 = '' THEN $4 = ANY(c.themes) AND i.theme IS DISTINCT FROM $4
                     ELSE i.status = $3 END
          ORDER BY i.id FOR UPDATE OF i",
    )
    .bind(tx.tenant_id())
    .bind(&ids)
    .bind(from)
    .bind(theme)
    .fetch_all(&mut *tx)
    .await?;
    for (id, _) in &targets {
        let done = match decision {
            Some(decision) => decide(&mut tx, &page, &operator.0, *id, decision, note).await?,
            None => file_under(&mut tx, &operator.0, *id, theme).await.map(Ok)?,
        };
        if done.is_err() {
            drop(tx);
            return refused("note");
        }
    }
    tx.commit().await?;
    let mut campaigns: Vec<Uuid> = targets.iter().map(|(_, c)| *c).collect();
    campaigns.dedup();
    for campaign in campaigns {
        forget.campaign(campaign);
    }
    see_other(&format!(
        "/admin/contributions?{back}{separator}traitees={}",
        targets.len()
    ))
}

/// One idea moderated, its author told when it is hidden, audited.
async fn decide(
    tx: &mut crate::tenancy::TenantTx,
    page: &Page,
    operator: &crate::web::console::Operator,
    id: Uuid,
    decision: Decision,
    note: &str,
) -> Result<Result<(), ()>, sqlx::Error> {
    let target = Target::Idea(id);
    if moderate(tx, target, decision, &operator.email, note).await?.is_err() {
        return Ok(Err(()));
    }
    let mut details = serde_json::json!({ "reason": note, "bulk": true });
    if let Decision::Hide(reason) = decision {
        notice::tell_author(tx, target, reason, note, &page.tenant.name, &page.origin.base_url()).await?;
        details["charter_reason"] = reason.code().into();
    }
    let action = match decision {
        Decision::Hide(_) => AuditAction::MODERATION_HIDE,
        Decision::Restore => AuditAction::MODERATION_RESTORE,
        Decision::Approve => AuditAction::MODERATION_APPROVE,
    };
    crate::audit::record(tx, operator, action, &format!("idea:{id}"), details).await?;
    Ok(Ok(()))
}

/// One idea filed under a theme of its campaign, audited.
async fn file_under(
    tx: &mut crate::tenancy::TenantTx,
    operator: &crate::web::console::Operator,
    id: Uuid,
    theme: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE ideas SET theme = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tx.tenant_id())
        .bind(id)
        .bind(theme)
        .execute(&mut **tx)
        .await?;
    let details = serde_json::json!({ "theme": theme, "bulk": true });
    crate::audit::record(
        tx,
        operator,
        AuditAction::MODERATION_THEME,
        &format!("idea:{id}"),
        details,
    )
    .await
}
