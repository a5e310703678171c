//! The search's action on the contributions ticked (`POST /admin/contributions/lot`): hide for
//! a reason of the charter, publish, restore (ideas and comments), give ideas a theme of their
//! campaign, or file them under a theme of the campaign's analysis. Each applies only where it
//! changes something, in one transaction, one audit line per contribution; the answer leads back
//! to the same search, saying how many changed. A refused action shows the search again with
//! what was ticked and typed.

use axum::extract::State;
use axum::response::Response;
use uuid::Uuid;

use super::search::{Entry, show_refused};
use crate::audit::AuditAction;
use crate::db::changes::Forget;
use crate::error::PageError;
use crate::moderation::{CharterReason, Decision, Target, moderate, notice};
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, Operator, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

/// What the bulk form sends: the ideas (`ids`) and comments (`comments`) ticked, repeated; the
/// action and its details; and the search to go back to.
fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim())
}

fn uuids(form: &[(String, String)], name: &str) -> Result<Vec<Uuid>, PageError> {
    form.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.parse().map_err(|_| PageError::BadRequest))
        .collect()
}

/// What the action does to each contribution it takes.
#[derive(Clone, Copy)]
enum Act<'a> {
    Decide(Decision),
    Theme(&'a str),
    Analysis(Uuid),
}

/// `POST /admin/contributions/lot`.
pub async fn act(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    page: Page,
    operator: ConsoleOf<right::Moderate>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let back = field(&form, "retour");
    // Only a search's own query goes back (no other path, no scheme).
    let back = if back.contains(['/', ':', '#']) { "" } else { back };
    let entry = Entry {
        ids: uuids(&form, "ids")?,
        comments: uuids(&form, "comments")?,
        action: field(&form, "action").to_owned(),
        charter_reason: field(&form, "charter_reason").to_owned(),
        note: field(&form, "note").to_owned(),
        theme: field(&form, "theme").to_owned(),
        analysis_theme: field(&form, "analysis_theme").to_owned(),
    };
    if !["masquer", "publier", "retablir", "theme", "analyse"].contains(&entry.action.as_str()) {
        return Err(PageError::BadRequest);
    }
    let checked = match check(&entry, back) {
        Ok(checked) => checked,
        Err(why) => return show_refused(&state, &page, &operator, back, entry, why).await,
    };
    let (from, act, campaign) = checked;
    let mut tx = state.db.begin(&page.tenant).await?;
    let mut changed: Vec<(Target, Uuid)> = Vec::new();
    match act {
        Act::Analysis(key) => {
            let campaign = campaign.expect("checked");
            let Some(filed) = crate::analysis::file_under(&mut tx, campaign, key, &entry.ids, operator.0.id).await?
            else {
                drop(tx);
                return show_refused(&state, &page, &operator, back, entry, "analyse").await;
            };
            for id in filed {
                let details = serde_json::json!({ "theme_key": key, "bulk": true });
                let target = format!("idea:{id}");
                crate::audit::record(&mut tx, &operator.0, AuditAction::ANALYSIS_ASSIGN, &target, details).await?;
                changed.push((Target::Idea(id), campaign));
            }
        }
        Act::Theme(theme) => {
            for (target, campaign) in targets(&mut tx, "", theme, &entry.ids, &[]).await? {
                file_under(&mut tx, &operator.0, target.id(), theme).await?;
                changed.push((target, campaign));
            }
        }
        Act::Decide(decision) => {
            for (target, campaign) in targets(&mut tx, from, "", &entry.ids, &entry.comments).await? {
                if decide(&mut tx, &page, &operator.0, target, decision, &entry.note)
                    .await?
                    .is_err()
                {
                    drop(tx);
                    return show_refused(&state, &page, &operator, back, entry, "note").await;
                }
                changed.push((target, campaign));
            }
        }
    }
    tx.commit().await?;
    let mut campaigns: Vec<Uuid> = changed.iter().map(|(_, c)| *c).collect();
    campaigns.sort();
    campaigns.dedup();
    for campaign in campaigns {
        forget.campaign(campaign);
    }
    let separator = if back.is_empty() { "" } else { "&" };
    see_other(&format!(
        "/admin/contributions?{back}{separator}traitees={}",
        changed.len()
    ))
}

/// The action asked, or the code of the reason it is refused (`contributions.refused.*`): the
/// status a contribution must have now, the action, and the campaign searched.
fn check<'a>(entry: &'a Entry, back: &str) -> Result<(&'static str, Act<'a>, Option<Uuid>), &'static str> {
    let campaign = serde_urlencoded::from_str::<Vec<(String, String)>>(back)
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "campagne")
        .and_then(|(_, v)| v.trim().parse::<Uuid>().ok());
    let (from, act) = match entry.action.as_str() {
        "masquer" => match CharterReason::parse(&entry.charter_reason) {
            Some(reason) => ("published", Act::Decide(Decision::Hide(reason))),
            None => return Err("motif_charte"),
        },
        "publier" => ("pending", Act::Decide(Decision::Approve)),
        "retablir" => ("hidden", Act::Decide(Decision::Restore)),
        "theme" if entry.theme.is_empty() => return Err("theme"),
        "theme" => ("", Act::Theme(&entry.theme)),
        "analyse" => match (entry.analysis_theme.parse::<Uuid>(), campaign) {
            (Ok(key), Some(_)) => ("", Act::Analysis(key)),
            _ => return Err("analyse"),
        },
        _ => return Err("selection"),
    };
    let ideas_only = matches!(act, Act::Theme(_) | Act::Analysis(_));
    if entry.ids.is_empty() && (ideas_only || entry.comments.is_empty()) {
        return Err("selection");
    }
    // Restoring or publishing needs a written reason, as from the queue.
    let length = entry.note.chars().count();
    if matches!(act, Act::Decide(Decision::Approve | Decision::Restore)) && !(3..=1000).contains(&length) {
        return Err("motif");
    }
    Ok((from, act, campaign))
}

/// The ideas and comments of this space among those ticked that the action would change
/// (status `from`, or for `from` empty a theme of their campaign they do not have yet), locked,
/// with their campaign. What an author withdrew is theirs, never acted on.
async fn targets(
    tx: &mut TenantTx,
    from: &str,
    theme: &str,
    ideas: &[Uuid],
    comments: &[Uuid],
) -> Result<Vec<(Target, Uuid)>, sqlx::Error> {
    let ideas: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT i.id, i.campaign_id FROM ideas i JOIN campaigns c ON c.tenant_id = i.tenant_id AND c.id = i.campaign_id
          WHERE i.tenant_id = $1 AND i.id = ANY($2) AND i.hidden_by IS DISTINCT FROM 'author'
            AND CASE WHEN $3 = '' THEN $4 = ANY(c.themes) AND i.theme IS DISTINCT FROM $4
                     ELSE i.status = $3 END
          ORDER BY i.id FOR UPDATE OF i",
    )
    .bind(tx.tenant_id())
    .bind(ideas)
    .bind(from)
    .bind(theme)
    .fetch_all(&mut **tx)
    .await?;
    let comments: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT m.id, i.campaign_id FROM idea_comments m JOIN ideas i ON i.tenant_id = m.tenant_id AND i.id = m.idea_id
          WHERE m.tenant_id = $1 AND m.id = ANY($2) AND m.hidden_by IS DISTINCT FROM 'author' AND m.status = $3
          ORDER BY m.id FOR UPDATE OF m",
    )
    .bind(tx.tenant_id())
    .bind(comments)
    .bind(from)
    .fetch_all(&mut **tx)
    .await?;
    let ideas = ideas.into_iter().map(|(id, c)| (Target::Idea(id), c));
    Ok(ideas
        .chain(comments.into_iter().map(|(id, c)| (Target::Comment(id), c)))
        .collect())
}

/// One idea or comment moderated, its author told when it is hidden, audited.
async fn decide(
    tx: &mut TenantTx,
    page: &Page,
    operator: &Operator,
    target: Target,
    decision: Decision,
    note: &str,
) -> Result<Result<(), ()>, sqlx::Error> {
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
    let target = format!("{}:{}", target.kind(), target.id());
    crate::audit::record(tx, operator, action, &target, details).await?;
    Ok(Ok(()))
}

/// One idea filed under a theme of its campaign, audited.
async fn file_under(tx: &mut TenantTx, operator: &Operator, id: Uuid, theme: &str) -> Result<(), sqlx::Error> {
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
