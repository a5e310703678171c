//! Comments on an idea and reports of an idea or a comment: written with a submission key (a
//! double submission stores one row), listed as the idea page shows them.

use super::*;

/// Why a comment could not be added.
#[derive(Debug, PartialEq, Eq)]
pub enum CommentProblem {
    /// The parent is not a top-level comment of this idea (only one level of replies).
    BadParent,
}

pub async fn insert_comment(
    tx: &mut TenantTx,
    idea: &IdeaView,
    parent: Option<Uuid>,
    account: Uuid,
    body: &str,
    submission_key: Uuid,
) -> Result<Result<Inserted, CommentProblem>, sqlx::Error> {
    if let Some(parent) = parent {
        let ok: bool = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM idea_comments WHERE tenant_id = $1 AND id = $2 AND idea_id = $3 AND parent_id IS NULL) AS "exists!""#,
            idea.tenant_id,
            parent,
            idea.id,
        )
        .fetch_one(&mut **tx)
        .await?;
        if !ok {
            return Ok(Err(CommentProblem::BadParent));
        }
    }
    let inserted: Option<Uuid> = sqlx::query_scalar!(
        "INSERT INTO idea_comments (tenant_id, idea_id, parent_id, origin_tenant_id, account_id, body, submission_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant_id, submission_key) DO NOTHING RETURNING id",
        idea.tenant_id,
        idea.id,
        parent,
        tx.tenant_id(),
        account,
        body,
        submission_key,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(Ok(match inserted {
        Some(id) => Inserted::New(id),
        None => Inserted::Duplicate(
            sqlx::query_scalar!(
                "SELECT id FROM idea_comments WHERE tenant_id = $1 AND submission_key = $2",
                idea.tenant_id,
                submission_key,
            )
            .fetch_one(&mut **tx)
            .await?,
        ),
    }))
}

/// Top-level comments (threads, each with its replies) per page of the idea page: a long
/// discussion is read page by page, so that neither the page nor its render grows with it.
pub const THREADS_PER_PAGE: i64 = 50;

/// Which page of an idea's discussion to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentsAt {
    /// The n-th page, from 1 (clamped to the pages there are).
    Page(i64),
    /// The last page, where a new comment lands.
    Last,
    /// The page that holds this comment's thread (the first page if the idea has no such
    /// comment).
    Comment(Uuid),
}

/// One page of an idea's discussion.
#[derive(Debug)]
pub struct CommentPage {
    pub threads: Vec<CommentView>,
    /// This page's number, from 1.
    pub number: i64,
    /// How many pages there are (at least one).
    pub pages: i64,
    /// The rank of this page's first thread, from 1 (its ordered list's `start`).
    pub first: i64,
}

/// A page of an idea's comments, as [`list_comments`] gives them, [`THREADS_PER_PAGE`] threads
/// at most. One query up to a page of comments; beyond, two: the threads' count (and the rank
/// of `at`'s thread), then the page.
pub async fn comment_page(
    tx: &mut TenantTx,
    idea: &IdeaView,
    viewer: Option<Uuid>,
    at: CommentsAt,
) -> Result<CommentPage, sqlx::Error> {
    let first_page = |shown| CommentPage {
        threads: shown,
        number: 1,
        pages: 1,
        first: 1,
    };
    if idea.status == "hidden" {
        return Ok(first_page(Vec::new()));
    }
    // Most ideas: no more comments than a page holds threads. The counter counts every comment
    // (replies and pending ones too), so there is one page, and no count to make.
    if i64::from(idea.comment_count) <= THREADS_PER_PAGE {
        return Ok(first_page(threads(tx, idea, viewer, Some(THREADS_PER_PAGE), 0).await?));
    }
    let target = match at {
        CommentsAt::Comment(id) => Some(id),
        _ => None,
    };
    // The thread's rank: the visible threads that come before it (none without a target).
    let counted = sqlx::query!(
        r#"WITH target AS (
             SELECT t.created_at, t.id FROM idea_comments c
               JOIN idea_comments t ON t.tenant_id = c.tenant_id AND t.id = COALESCE(c.parent_id, c.id)
              WHERE c.tenant_id = $1 AND c.idea_id = $2 AND c.id = $3)
           SELECT count(*) AS "threads!",
                  count(*) FILTER (WHERE (c.created_at, c.id) < (SELECT created_at, id FROM target)) AS "before!"
             FROM idea_comments c
            WHERE c.tenant_id = $1 AND c.idea_id = $2 AND c.parent_id IS NULL AND c.status <> 'pending'"#,
        idea.tenant_id,
        idea.id,
        target,
    )
    .fetch_one(&mut **tx)
    .await?;
    let pages = ((counted.threads + THREADS_PER_PAGE - 1) / THREADS_PER_PAGE).max(1);
    let number = match at {
        CommentsAt::Page(n) => n.clamp(1, pages),
        CommentsAt::Last => pages,
        // At most the last page: a pending comment's thread is not counted, those before it are.
        CommentsAt::Comment(_) => (counted.before / THREADS_PER_PAGE + 1).min(pages),
    };
    let offset = (number - 1) * THREADS_PER_PAGE;
    let threads = threads(tx, idea, viewer, Some(THREADS_PER_PAGE), offset).await?;
    Ok(CommentPage {
        threads,
        number,
        pages,
        first: offset + 1,
    })
}

/// Comments of an idea, threaded (one level), oldest first; hidden ones without their text
/// (with who hid them and why; the moderator's note for `viewer`'s own), pending ones left out.
/// Every thread, in one query (the API's list); the idea page shows them by [`comment_page`].
pub async fn list_comments(
    tx: &mut TenantTx,
    idea: &IdeaView,
    viewer: Option<Uuid>,
) -> Result<Vec<CommentView>, sqlx::Error> {
    // A hidden idea's discussion goes with it (the page shows none; the API neither).
    if idea.status == "hidden" {
        return Ok(Vec::new());
    }
    threads(tx, idea, viewer, None, 0).await
}

/// `limit` threads (`None`: all) from the `offset`-th, with their replies, in one query.
async fn threads(
    tx: &mut TenantTx,
    idea: &IdeaView,
    viewer: Option<Uuid>,
    limit: Option<i64>,
    offset: i64,
) -> Result<Vec<CommentView>, sqlx::Error> {
    // `LIMIT NULL` is no limit.
    let rows = sqlx::query!(
        r#"WITH threads AS (
             SELECT t.id FROM idea_comments t
              WHERE t.tenant_id = $1 AND t.idea_id = $2 AND t.parent_id IS NULL AND t.status <> 'pending'
              ORDER BY t.created_at, t.id LIMIT $4 OFFSET $5)
           SELECT c.id, c.parent_id, c.body, c.status, c.created_at, c.edited_at, COALESCE(account_pseudonym(c.account_id), 'Anonyme') AS "author!",
                c.hidden_by, c.hidden_reason, c.hidden_note, c.account_id IS NOT DISTINCT FROM $3 AND $3 IS NOT NULL AS "mine!"
           FROM idea_comments c
          WHERE c.tenant_id = $1 AND c.idea_id = $2 AND c.status <> 'pending'
            AND (c.id IN (SELECT id FROM threads) OR c.parent_id IN (SELECT id FROM threads))
          ORDER BY c.created_at, c.id"#,
        idea.tenant_id,
        idea.id,
        viewer,
        limit,
        offset,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut top: Vec<CommentView> = Vec::new();
    let mut replies: Vec<CommentView> = Vec::new();
    for r in rows {
        // A hidden comment keeps its place in the thread (its replies hang on it), not its words.
        let shown = crate::moderation::text_is_shown(&r.status, false);
        let text = |words: String| if shown { words } else { String::new() };
        let hidden = crate::moderation::HiddenNotice::of(
            &r.status,
            r.hidden_by.as_deref(),
            r.hidden_reason.as_deref(),
            r.hidden_note,
            r.mine,
        );
        let comment = CommentView {
            hidden,
            is_mine: r.mine,
            id: r.id,
            parent_id: r.parent_id,
            body: text(r.body),
            author: text(r.author),
            status: r.status,
            created_at: r.created_at,
            edited_at: r.edited_at,
            replies: Vec::new(),
        };
        if comment.parent_id.is_some() {
            replies.push(comment)
        } else {
            top.push(comment)
        }
    }
    let at: std::collections::HashMap<Uuid, usize> = top.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    for reply in replies {
        if let Some(&i) = reply.parent_id.as_ref().and_then(|p| at.get(p)) {
            top[i].replies.push(reply);
        }
    }
    Ok(top)
}

/// Records a report (once per person and content). `false` if this person already reported it.
/// A `comment` that is not a comment of `idea` is refused by the database (a foreign key
/// violation, which the handlers answer with 404).
pub async fn report(
    tx: &mut TenantTx,
    idea: &IdeaView,
    comment: Option<Uuid>,
    account: Uuid,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let (kind, target) = match comment {
        Some(c) => ("comment", c),
        None => ("idea", idea.id),
    };
    let result = sqlx::query!(
        "INSERT INTO content_reports (tenant_id, target_kind, target_id, idea_id, origin_tenant_id, account_id, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        idea.tenant_id,
        kind,
        target,
        idea.id,
        tx.tenant_id(),
        account,
        reason,
    )
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}
