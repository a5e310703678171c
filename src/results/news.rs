//! Project news after a campaign, and the people who follow it. Saving a post queues one mail
//! per follower not told yet, in the same transaction (the outbox): an edit never mails anyone
//! twice, a crash never loses or half-sends a notification.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::mail::{Follower, MailContent, MailKind, queue_follow_news};
use crate::tenancy::TenantTx;
use crate::web::i18n::Lang;

/// A news post of the project after a campaign.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct NewsPost {
    pub id: Uuid,
    pub title: String,
    pub body_md: String,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A campaign's posts, newest first (in the campaign owner's context, or any space for a
/// national campaign).
pub async fn list(tx: &mut TenantTx, tenant: Uuid, campaign: Uuid) -> Result<Vec<NewsPost>, sqlx::Error> {
    sqlx::query_as!(
        NewsPost,
        "SELECT id, title, body_md, published_at, updated_at FROM news_posts
          WHERE tenant_id = $1 AND campaign_id = $2 ORDER BY published_at DESC",
        tenant,
        campaign,
    )
    .fetch_all(&mut **tx)
    .await
}

/// Checks a post as typed; returns locale keys of the problems.
pub fn validate(title: &str, body: &str) -> Vec<&'static str> {
    let mut problems = Vec::new();
    if !(3..=200).contains(&title.trim().chars().count()) {
        problems.push("results.news_title_invalid");
    }
    let n = body.trim().chars().count();
    if n == 0 || n > 20_000 {
        problems.push("results.news_body_invalid");
    }
    problems
}

/// Saves a post (new when `id` is `None`) in the space of `tx`, and queues its notification to
/// every follower not told yet. `link` is the page the mail points to. Returns the post's id and
/// how many mails were queued.
pub async fn save_post(
    tx: &mut TenantTx,
    campaign: Uuid,
    id: Option<Uuid>,
    title: &str,
    body: &str,
    link: &str,
) -> Result<(Uuid, usize), sqlx::Error> {
    let tenant = tx.tenant_id();
    let id =
        match id {
            Some(id) => {
                let updated = sqlx::query!(
                    "UPDATE news_posts SET title = $4, body_md = $5, updated_at = now()
                  WHERE tenant_id = $1 AND campaign_id = $2 AND id = $3",
                    tenant,
                    campaign,
                    id,
                    title.trim(),
                    body.trim(),
                )
                .execute(&mut **tx)
                .await?;
                if updated.rows_affected() == 0 {
                    return Err(sqlx::Error::RowNotFound);
                }
                id
            }
            None => sqlx::query_scalar!(
                "INSERT INTO news_posts (tenant_id, campaign_id, title, body_md) VALUES ($1, $2, $3, $4) RETURNING id",
                tenant,
                campaign,
                title.trim(),
                body.trim(),
            )
            .fetch_one(&mut **tx)
            .await?,
        };
    let queued = notify_followers(tx, campaign, id, title, body, link).await?;
    Ok((id, queued as usize))
}

/// Queues the post to every follower not told about it yet, marked as told in the same
/// statement. Each mail says why the person receives it (they took part, or asked to follow)
/// and carries the follow's own one-click unsubscribe link. The body goes as Markdown: the
/// worker renders it to HTML and to plain text.
async fn notify_followers(
    tx: &mut TenantTx,
    campaign: Uuid,
    post: Uuid,
    title: &str,
    body: &str,
    link: &str,
) -> Result<u64, sqlx::Error> {
    let tenant = tx.tenant_id();
    // `accounts.email` may be NULL: such a follower has no address to write to.
    let rows = sqlx::query!(
        r#"WITH told AS (
             INSERT INTO news_notifications (tenant_id, post_id, account_id)
             SELECT $1, $2, f.account_id FROM campaign_followers f WHERE f.tenant_id = $1 AND f.campaign_id = $3
             ON CONFLICT DO NOTHING RETURNING account_id
         )
         SELECT a.email AS "email?", a.lang, f.unsubscribe_token, f.reason
           FROM told
           JOIN accounts a ON a.id = told.account_id
           JOIN campaign_followers f ON f.tenant_id = $1 AND f.campaign_id = $3 AND f.account_id = told.account_id"#,
        tenant,
        post,
        campaign,
    )
    .fetch_all(&mut **tx)
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let campaign_title = sqlx::query_scalar!(
        "SELECT title FROM campaigns WHERE tenant_id = $1 AND id = $2",
        tenant,
        campaign,
    )
    .fetch_one(&mut **tx)
    .await?;
    let mut queued = 0;
    // One batch per reason and language: each says why, in its readers' language.
    for (reason, lang) in ["contributed", "asked"]
        .into_iter()
        .flat_map(|reason| [(reason, Lang::Fr), (reason, Lang::En)])
    {
        let followers: Vec<Follower> = rows
            .iter()
            .filter(|r| r.reason == reason && Lang::parse(&r.lang).unwrap_or_default() == lang)
            .filter_map(|r| {
                Some(Follower {
                    address: r.email.clone()?,
                    follow_token: r.unsubscribe_token.clone(),
                })
            })
            .collect();
        if followers.is_empty() {
            continue;
        }
        let text = news_mail_text(lang, reason, &campaign_title, title, body, link);
        let content = MailContent {
            kind: MailKind::News,
            subject: title.trim(),
            text: &text,
            campaign: Some(campaign),
            attachment: None,
            lang,
        };
        queued += queue_follow_news(tx, &followers, &content).await?;
    }
    Ok(queued)
}

/// The news mail, in Markdown: why the person receives it, the post (as the team wrote it),
/// the link to the campaign.
fn news_mail_text(lang: Lang, reason: &str, campaign_title: &str, title: &str, body: &str, link: &str) -> String {
    let why = lang
        .text(if reason == "contributed" {
            "news_mail.why_contributed"
        } else {
            "news_mail.why_asked"
        })
        .replace("{campaign}", &escape_markdown(campaign_title));
    format!(
        "{why}\n\n## {}\n\n{}\n\n{} {link}",
        escape_markdown(title.trim()),
        body.trim(),
        lang.text("news_mail.more"),
    )
}

/// Text shown as written in Markdown: its punctuation escaped.
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_{}[]<>()#+-.!|~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
