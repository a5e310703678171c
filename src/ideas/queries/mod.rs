//! Idea, like, comment and report queries. All run in a tenant-scoped transaction; RLS decides
//! what the current space may see and write.

use std::collections::HashSet;

use uuid::Uuid;

use super::snapshot::SnapshotIdea;
use super::{CommentView, IdeaView, NewIdea, excerpt};
use crate::campaigns::queries::CampaignDetail;
use crate::tenancy::TenantTx;

mod comments;
mod compact;
mod own;

pub use comments::*;
pub use compact::*;
pub use own::*;

/// What an insert did.
#[derive(Debug, PartialEq, Eq)]
pub enum Inserted {
    New(Uuid),
    /// The same submission key was already used: the first row stands.
    Duplicate(Uuid),
}

impl Inserted {
    pub fn id(&self) -> Uuid {
        match self {
            Inserted::New(id) | Inserted::Duplicate(id) => *id,
        }
    }
}

/// What [`insert_idea`] did: the new idea as its author sees it, or the id of the idea already
/// stored under the same submission key.
#[derive(Debug)]
pub enum IdeaInserted {
    New(Box<IdeaView>),
    Duplicate(Uuid),
}

impl IdeaInserted {
    pub fn id(&self) -> Uuid {
        match self {
            IdeaInserted::New(idea) => idea.id,
            IdeaInserted::Duplicate(id) => *id,
        }
    }

    pub fn is_new(&self) -> bool {
        matches!(self, IdeaInserted::New(_))
    }
}

/// Stores an idea in the campaign's tenant, recording the space it came from. A new idea comes
/// back whole from the insert itself (no second query: this is the hot path of a campaign).
pub async fn insert_idea(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    author: &crate::accounts::Account,
    idea: &NewIdea,
    submission_key: Uuid,
) -> Result<IdeaInserted, sqlx::Error> {
    let status = if campaign.premoderation { "pending" } else { "published" };
    let inserted = sqlx::query!(
        "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, account_id, kind, title, body, theme, status, submission_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (tenant_id, submission_key) DO NOTHING
         RETURNING id, created_at",
        campaign.summary.tenant_id,
        campaign.summary.id,
        tx.tenant_id(),
        author.id,
        idea.kind.as_str(),
        &idea.title,
        &idea.body,
        idea.theme.as_deref(),
        status,
        submission_key,
    )
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| (r.id, r.created_at));
    match inserted {
        Some((id, created_at)) => Ok(IdeaInserted::New(Box::new(IdeaView {
            id,
            tenant_id: campaign.summary.tenant_id,
            campaign_id: campaign.summary.id,
            origin_tenant_id: tx.tenant_id(),
            kind: idea.kind.as_str().to_owned(),
            title: idea.title.clone(),
            excerpt: excerpt(&idea.body, 280),
            body: idea.body.clone(),
            theme: idea.theme.clone(),
            status: status.to_owned(),
            like_count: 0,
            comment_count: 0,
            author: author.pseudonym.clone(),
            is_mine: true,
            liked_by_me: false,
            created_at,
            edited_at: None,
            hidden: None,
        }))),
        None => {
            let id = sqlx::query_scalar!(
                "SELECT id FROM ideas WHERE tenant_id = $1 AND submission_key = $2",
                campaign.summary.tenant_id,
                submission_key,
            )
            .fetch_one(&mut **tx)
            .await?;
            Ok(IdeaInserted::Duplicate(id))
        }
    }
}

/// An idea row as the lists and pages read it (the columns every idea query selects).
#[derive(sqlx::FromRow)]
pub(super) struct IdeaRow {
    pub(super) id: Uuid,
    pub(super) tenant_id: Uuid,
    pub(super) campaign_id: Uuid,
    pub(super) origin_tenant_id: Uuid,
    pub(super) kind: String,
    pub(super) title: String,
    pub(super) body: String,
    pub(super) theme: Option<String>,
    pub(super) status: String,
    pub(super) like_count: i32,
    pub(super) comment_count: i32,
    pub(super) created_at: chrono::DateTime<chrono::Utc>,
    pub(super) edited_at: Option<chrono::DateTime<chrono::Utc>>,
    pub(super) account_id: Option<Uuid>,
    pub(super) author: String,
    pub(super) liked_by_me: bool,
    pub(super) hidden_by: Option<String>,
    pub(super) hidden_reason: Option<String>,
    pub(super) hidden_note: Option<String>,
}

impl IdeaRow {
    /// The idea as `viewer` may see it: a hidden idea keeps its place (pages show a
    /// placeholder saying who hid it and why), never its words.
    fn into_view(self, viewer: Option<Uuid>) -> IdeaView {
        let is_mine = viewer.is_some() && self.account_id == viewer;
        let hidden = crate::moderation::HiddenNotice::of(
            &self.status,
            self.hidden_by.as_deref(),
            self.hidden_reason.as_deref(),
            self.hidden_note,
            is_mine,
        );
        let shown = crate::moderation::text_is_shown(&self.status, is_mine);
        let text = |words: String| if shown { words } else { String::new() };
        let body = text(self.body);
        IdeaView {
            excerpt: excerpt(&body, 280),
            id: self.id,
            tenant_id: self.tenant_id,
            campaign_id: self.campaign_id,
            origin_tenant_id: self.origin_tenant_id,
            kind: self.kind,
            title: text(self.title),
            body,
            theme: self.theme,
            status: self.status,
            like_count: self.like_count,
            comment_count: self.comment_count,
            author: text(self.author),
            is_mine,
            liked_by_me: self.liked_by_me,
            created_at: self.created_at,
            edited_at: self.edited_at,
            hidden,
        }
    }
}

/// Every published idea of a campaign, newest first: what an [`IdeaSnapshot`] holds. One query.
///
/// [`IdeaSnapshot`]: super::snapshot::IdeaSnapshot
pub async fn published_ideas(tx: &mut TenantTx, campaign: &CampaignDetail) -> Result<Vec<SnapshotIdea>, sqlx::Error> {
    let rows = sqlx::query_as!(
        IdeaRow,
        r#"SELECT i.id, i.tenant_id, i.campaign_id, i.origin_tenant_id, i.kind, i.title, i.body, i.theme, i.status,
                i.like_count, i.comment_count, i.created_at, i.edited_at, i.account_id,
                COALESCE(account_pseudonym(i.account_id), 'Anonyme') AS "author!", false AS "liked_by_me!",
                NULL::text AS hidden_by, NULL::text AS hidden_reason, NULL::text AS hidden_note
           FROM ideas i
          WHERE i.tenant_id = $1 AND i.campaign_id = $2 AND i.status = 'published'
          ORDER BY i.created_at DESC, i.id"#,
        campaign.summary.tenant_id,
        campaign.summary.id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let author = r.account_id;
            SnapshotIdea::new(r.into_view(None), author)
        })
        .collect())
}

/// Ids of the campaign's published ideas matching a French, accent-insensitive full-text
/// search (websearch syntax: words, "phrases", -excluded).
pub async fn matching_ideas(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    search: &str,
) -> Result<HashSet<Uuid>, sqlx::Error> {
    let ids: Vec<Uuid> = sqlx::query_scalar!(
        "SELECT id FROM ideas
          WHERE tenant_id = $1 AND campaign_id = $2 AND status = 'published'
            AND search @@ websearch_to_tsquery('fr_unaccent', translate($3, '’''', '  '))",
        campaign.summary.tenant_id,
        campaign.summary.id,
        search,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(ids.into_iter().collect())
}

/// Which of `ideas` the viewer likes.
pub async fn liked_among(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    viewer: Uuid,
    ideas: &[Uuid],
) -> Result<HashSet<Uuid>, sqlx::Error> {
    let ids: Vec<Uuid> = sqlx::query_scalar!(
        "SELECT idea_id FROM idea_likes WHERE tenant_id = $1 AND account_id = $2 AND idea_id = ANY($3)",
        campaign.summary.tenant_id,
        viewer,
        ideas,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(ids.into_iter().collect())
}

/// The viewer's own ideas awaiting moderation in this campaign (only they see them).
pub async fn own_pending_ideas(
    tx: &mut TenantTx,
    campaign: &CampaignDetail,
    viewer: Uuid,
) -> Result<Vec<IdeaView>, sqlx::Error> {
    let rows = sqlx::query_as!(
        IdeaRow,
        r#"SELECT i.id, i.tenant_id, i.campaign_id, i.origin_tenant_id, i.kind, i.title, i.body, i.theme, i.status,
                i.like_count, i.comment_count, i.created_at, i.edited_at, i.account_id,
                COALESCE(account_pseudonym(i.account_id), 'Anonyme') AS "author!", false AS "liked_by_me!",
                NULL::text AS hidden_by, NULL::text AS hidden_reason, NULL::text AS hidden_note
           FROM ideas i
          WHERE i.tenant_id = $1 AND i.campaign_id = $2 AND i.account_id = $3 AND i.status = 'pending'
          ORDER BY i.created_at DESC"#,
        campaign.summary.tenant_id,
        campaign.summary.id,
        viewer,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| r.into_view(Some(viewer))).collect())
}

/// One idea visible from the current space (hidden ones included, without their text: pages
/// show a placeholder).
pub async fn find_idea(tx: &mut TenantTx, id: Uuid, viewer: Option<Uuid>) -> Result<Option<IdeaView>, sqlx::Error> {
    Ok(find_idea_in_campaign(tx, id, viewer).await?.map(|(idea, _)| idea))
}

/// What an idea's campaign decides about it.
#[derive(Debug, Clone, Copy)]
pub struct IdeaCampaign {
    pub staff_only: bool,
    /// Contributing requires a verified identity.
    pub verified_only: bool,
    /// Published, between its dates, results not yet out: likes and comments are taken.
    pub open: bool,
}

/// [`find_idea`], with its campaign's audience and state, in the same query.
///
/// The key of `ideas` is `(tenant_id, id)`. RLS lets a space see only its own ideas and the
/// national ones, so the query names those two spaces: the lookup then probes the key twice.
/// With the id alone, PostgreSQL could walk the whole key to find it, a cost that grows with
/// every idea of every space (docs/performance.md, "Where a like's and an idea's time goes").
pub async fn find_idea_in_campaign(
    tx: &mut TenantTx,
    id: Uuid,
    viewer: Option<Uuid>,
) -> Result<Option<(IdeaView, IdeaCampaign)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT i.id, i.tenant_id, i.campaign_id, i.origin_tenant_id, i.kind, i.title, i.body, i.theme, i.status,
                i.like_count, i.comment_count, i.created_at, i.edited_at, i.account_id, i.hidden_by, i.hidden_reason, i.hidden_note,
                COALESCE(account_pseudonym(i.account_id), 'Anonyme') AS "author!",
                EXISTS (SELECT 1 FROM idea_likes l WHERE l.tenant_id = i.tenant_id AND l.idea_id = i.id AND l.account_id = $2) AS "liked_by_me!",
                c.audience = 'staff' AS "staff_only!", c.verified_only,
                (c.published_at IS NOT NULL AND now() BETWEEN c.opens_at AND c.closes_at AND c.results_published_at IS NULL) AS "campaign_open!"
           FROM ideas i
           JOIN campaigns c ON c.tenant_id = i.tenant_id AND c.id = i.campaign_id
          WHERE i.tenant_id IN (app_current_tenant(), (SELECT app_national_tenant())) AND i.id = $1
            AND (i.status <> 'pending' OR i.account_id = $2)"#,
        id,
        viewer,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| {
        let campaign = IdeaCampaign {
            staff_only: r.staff_only,
            verified_only: r.verified_only,
            open: r.campaign_open,
        };
        let idea = IdeaRow {
            id: r.id,
            tenant_id: r.tenant_id,
            campaign_id: r.campaign_id,
            origin_tenant_id: r.origin_tenant_id,
            kind: r.kind,
            title: r.title,
            body: r.body,
            theme: r.theme,
            status: r.status,
            like_count: r.like_count,
            comment_count: r.comment_count,
            created_at: r.created_at,
            edited_at: r.edited_at,
            account_id: r.account_id,
            author: r.author,
            liked_by_me: r.liked_by_me,
            hidden_by: r.hidden_by,
            hidden_reason: r.hidden_reason,
            hidden_note: r.hidden_note,
        };
        (idea.into_view(viewer), campaign)
    }))
}

/// Adds a like. `false` if it was already there.
pub async fn like(tx: &mut TenantTx, idea: &IdeaView, account: Uuid) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "INSERT INTO idea_likes (tenant_id, idea_id, account_id, origin_tenant_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
        idea.tenant_id,
        idea.id,
        account,
        tx.tenant_id(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Withdraws a like. `false` if there was none.
pub async fn unlike(tx: &mut TenantTx, idea: &IdeaView, account: Uuid) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "DELETE FROM idea_likes WHERE tenant_id = $1 AND idea_id = $2 AND account_id = $3",
        idea.tenant_id,
        idea.id,
        account,
    )
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() == 1)
}
