//! What an author does with what they wrote: edit it while the campaign is open (the text it
//! replaces is kept as a version, for the moderators; likes stay), or withdraw it.
//!
//! These run in the idea's own space (a national idea posted from a local space too: the
//! caller opens the transaction there), and only touch the author's own rows.

use super::*;
use crate::moderation::HiddenBy;

/// What an edit or a withdrawal did.
#[derive(Debug, PartialEq, Eq)]
pub enum Owned {
    /// Done: the text changed (or the contribution is now withdrawn).
    Changed,
    /// Nothing to do: the same text again (a double submission), or already withdrawn.
    Unchanged,
    /// Not the author's, not in this idea, or hidden by a moderator (what a moderator hid
    /// stays as they decided).
    Refused,
}

impl Owned {
    /// After the change is committed: drops the cached lists and pages of `campaign` (on
    /// every instance) when something changed. `false`: the change was refused.
    pub fn settle(self, forget: &crate::db::changes::Forget, campaign: Uuid) -> bool {
        match self {
            Owned::Changed => {
                forget.campaign(campaign);
                true
            }
            Owned::Unchanged => true,
            Owned::Refused => false,
        }
    }
}

/// Replaces the idea's text with `new`, keeping the current one as a version. In a
/// pre-moderated campaign, a published idea that changes waits for a moderator again.
pub async fn edit_idea(
    tx: &mut TenantTx,
    idea: Uuid,
    author: Uuid,
    new: &NewIdea,
    premoderation: bool,
) -> Result<Owned, sqlx::Error> {
    let Some(old) = sqlx::query!(
        "SELECT kind, title, body, theme, COALESCE(edited_at, created_at) AS \"written_at!\"
           FROM ideas WHERE tenant_id = $1 AND id = $2 AND account_id = $3 AND status IN ('published', 'pending')
            FOR UPDATE",
        tx.tenant_id(),
        idea,
        author,
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(Owned::Refused);
    };
    if (
        old.kind.as_str(),
        old.title.as_str(),
        old.body.as_str(),
        old.theme.as_deref(),
    ) == (
        new.kind.as_str(),
        new.title.as_str(),
        new.body.as_str(),
        new.theme.as_deref(),
    ) {
        return Ok(Owned::Unchanged);
    }
    sqlx::query!(
        "INSERT INTO contribution_versions (tenant_id, idea_id, title, body, theme, written_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        tx.tenant_id(),
        idea,
        old.title,
        old.body,
        old.theme,
        old.written_at,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE ideas SET kind = $3, title = $4, body = $5, theme = $6, edited_at = now(),
                status = CASE WHEN $7 THEN 'pending' ELSE status END
          WHERE tenant_id = $1 AND id = $2",
        tx.tenant_id(),
        idea,
        new.kind.as_str(),
        &new.title,
        &new.body,
        new.theme.as_deref(),
        premoderation,
    )
    .execute(&mut **tx)
    .await?;
    Ok(Owned::Changed)
}

/// Replaces the text of comment `comment` of `idea`, keeping the current one as a version.
pub async fn edit_comment(
    tx: &mut TenantTx,
    idea: Uuid,
    comment: Uuid,
    author: Uuid,
    body: &str,
) -> Result<Owned, sqlx::Error> {
    let Some(old) = sqlx::query!(
        "SELECT body, COALESCE(edited_at, created_at) AS \"written_at!\" FROM idea_comments
          WHERE tenant_id = $1 AND id = $2 AND idea_id = $3 AND account_id = $4 AND status IN ('published', 'pending')
            FOR UPDATE",
        tx.tenant_id(),
        comment,
        idea,
        author,
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(Owned::Refused);
    };
    if old.body == body {
        return Ok(Owned::Unchanged);
    }
    sqlx::query!(
        "INSERT INTO contribution_versions (tenant_id, idea_id, comment_id, body, written_at)
         VALUES ($1, $2, $3, $4, $5)",
        tx.tenant_id(),
        idea,
        comment,
        old.body,
        old.written_at,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE idea_comments SET body = $3, edited_at = now() WHERE tenant_id = $1 AND id = $2",
        tx.tenant_id(),
        comment,
        body,
    )
    .execute(&mut **tx)
    .await?;
    Ok(Owned::Changed)
}

/// Withdraws the author's idea, or their comment `comment` of it: hidden, by its author (the
/// placeholder says so). Its open reports are closed: a withdrawn text is not moderated.
pub async fn withdraw(
    tx: &mut TenantTx,
    idea: Uuid,
    comment: Option<Uuid>,
    author: Uuid,
) -> Result<Owned, sqlx::Error> {
    let mine: Option<(String, Option<String>)> = match comment {
        Some(comment) => sqlx::query!(
            "SELECT status, hidden_by FROM idea_comments
              WHERE tenant_id = $1 AND id = $2 AND idea_id = $3 AND account_id = $4 FOR UPDATE",
            tx.tenant_id(),
            comment,
            idea,
            author,
        )
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| (r.status, r.hidden_by)),
        None => sqlx::query!(
            "SELECT status, hidden_by FROM ideas WHERE tenant_id = $1 AND id = $2 AND account_id = $3 FOR UPDATE",
            tx.tenant_id(),
            idea,
            author,
        )
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| (r.status, r.hidden_by)),
    };
    match mine {
        None => return Ok(Owned::Refused),
        Some((_, Some(by))) if by == HiddenBy::Author.code() => return Ok(Owned::Unchanged),
        Some((status, _)) if status == "hidden" => return Ok(Owned::Refused),
        Some(_) => {}
    }
    let (kind, target) = match comment {
        Some(c) => {
            sqlx::query!(
                "UPDATE idea_comments SET status = 'hidden', hidden_by = 'author', hidden_reason = NULL, hidden_note = NULL
                  WHERE tenant_id = $1 AND id = $2",
                tx.tenant_id(),
                c,
            )
            .execute(&mut **tx)
            .await?;
            ("comment", c)
        }
        None => {
            sqlx::query!(
                "UPDATE ideas SET status = 'hidden', hidden_by = 'author', hidden_reason = NULL, hidden_note = NULL
                  WHERE tenant_id = $1 AND id = $2",
                tx.tenant_id(),
                idea,
            )
            .execute(&mut **tx)
            .await?;
            ("idea", idea)
        }
    };
    sqlx::query!(
        "UPDATE content_reports SET resolved_at = now()
          WHERE tenant_id = $1 AND target_kind = $2 AND target_id = $3 AND resolved_at IS NULL",
        tx.tenant_id(),
        kind,
        target,
    )
    .execute(&mut **tx)
    .await?;
    Ok(Owned::Changed)
}

/// The themes of campaign `campaign` (of the transaction's space), and whether it is
/// pre-moderated: what an edit is checked against.
pub async fn campaign_rules(tx: &mut TenantTx, campaign: Uuid) -> Result<(Vec<String>, bool), sqlx::Error> {
    let row = sqlx::query!(
        "SELECT themes, premoderation FROM campaigns WHERE tenant_id = $1 AND id = $2",
        tx.tenant_id(),
        campaign,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok((row.themes, row.premoderation))
}
