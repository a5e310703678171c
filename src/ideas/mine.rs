//! "Mes contributions": what the signed-in person wrote or gave in this space (ideas, comments,
//! survey answers, workshop applications), each with where it stands: published, awaiting
//! moderation, hidden (with the charter reason) or withdrawn.
//!
//! The words of a hidden or withdrawn contribution do not come back here either (the rule of
//! [`crate::moderation::text_is_shown`]): its campaign, date and status do.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde::Serialize;
use uuid::Uuid;

use crate::error::PageError;
use crate::moderation::text_is_shown;
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

/// An idea or a comment of the person, as the page lists it.
#[derive(Debug, Serialize)]
pub struct MyText {
    pub idea_id: Uuid,
    pub comment_id: Option<Uuid>,
    /// The idea's title (for a comment, the title of the idea it answers), when it may show.
    pub title: Option<String>,
    /// The comment's words, when they may show.
    pub excerpt: Option<String>,
    pub campaign_slug: String,
    pub campaign_title: String,
    /// `published`, `pending`, `hidden` or `withdrawn`.
    pub status: &'static str,
    /// The charter reason of a moderator's decision to hide it.
    pub reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub edited_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A survey answered, or a workshop applied to.
#[derive(Debug, Serialize)]
pub struct MyEntry {
    pub campaign_slug: String,
    pub campaign_title: String,
    pub at: chrono::DateTime<chrono::Utc>,
    /// For a workshop application: where the draw left it (`applied` before any draw).
    pub status: String,
}

/// Everything the page lists.
#[derive(Debug, Serialize, Default)]
pub struct MyContributions {
    /// Whether replies to what the person wrote are told by mail (`accounts.reply_mail`).
    pub reply_mail: bool,
    pub ideas: Vec<MyText>,
    pub comments: Vec<MyText>,
    pub surveys: Vec<MyEntry>,
    pub workshops: Vec<MyEntry>,
}

fn status_of(status: &str, hidden_by: Option<&str>) -> &'static str {
    match (status, hidden_by) {
        ("published", _) => "published",
        ("pending", _) => "pending",
        (_, Some("author")) => "withdrawn",
        _ => "hidden",
    }
}

fn text_if_shown(status: &str, text: String) -> Option<String> {
    text_is_shown(status, true).then_some(text)
}

/// The ideas and comments `account` wrote in the transaction's space (its national ones
/// posted from here included), newest first.
async fn my_texts(tx: &mut TenantTx, account: Uuid) -> Result<(Vec<MyText>, Vec<MyText>), sqlx::Error> {
    let here = tx.tenant_id();
    let ideas = sqlx::query!(
        r#"SELECT i.id, i.title, i.status, i.hidden_by, i.hidden_reason, i.created_at, i.edited_at, c.slug, c.title AS campaign_title
             FROM ideas i JOIN campaigns c ON c.tenant_id = i.tenant_id AND c.id = i.campaign_id
            WHERE i.account_id = $1 AND (i.tenant_id = $2 OR i.origin_tenant_id = $2)
            ORDER BY i.created_at DESC"#,
        account,
        here,
    )
    .fetch_all(&mut **tx)
    .await?;
    let ideas = ideas
        .into_iter()
        .map(|r| MyText {
            idea_id: r.id,
            comment_id: None,
            status: status_of(&r.status, r.hidden_by.as_deref()),
            reason: r.hidden_reason.filter(|_| r.hidden_by.as_deref() == Some("moderation")),
            title: text_if_shown(&r.status, r.title),
            excerpt: None,
            campaign_slug: r.slug,
            campaign_title: r.campaign_title,
            created_at: r.created_at,
            edited_at: r.edited_at,
        })
        .collect();
    let comments = sqlx::query!(
        r#"SELECT m.id, m.idea_id, m.body, m.status, m.hidden_by, m.hidden_reason, m.created_at, m.edited_at,
                  i.title, i.status AS idea_status, c.slug, c.title AS campaign_title
             FROM idea_comments m
             JOIN ideas i ON i.tenant_id = m.tenant_id AND i.id = m.idea_id
             JOIN campaigns c ON c.tenant_id = i.tenant_id AND c.id = i.campaign_id
            WHERE m.account_id = $1 AND (m.tenant_id = $2 OR m.origin_tenant_id = $2)
            ORDER BY m.created_at DESC"#,
        account,
        here,
    )
    .fetch_all(&mut **tx)
    .await?;
    let comments = comments
        .into_iter()
        .map(|r| MyText {
            idea_id: r.idea_id,
            comment_id: Some(r.id),
            status: status_of(&r.status, r.hidden_by.as_deref()),
            reason: r.hidden_reason.filter(|_| r.hidden_by.as_deref() == Some("moderation")),
            // The idea's title shows if everyone may read it (it is not the person's text).
            title: text_is_shown(&r.idea_status, false).then_some(r.title),
            excerpt: text_if_shown(&r.status, crate::ideas::excerpt(&r.body, 140)),
            campaign_slug: r.slug,
            campaign_title: r.campaign_title,
            created_at: r.created_at,
            edited_at: r.edited_at,
        })
        .collect();
    Ok((ideas, comments))
}

/// The surveys `account` answered and the workshops they applied to, in the transaction's space.
async fn my_entries(tx: &mut TenantTx, account: Uuid) -> Result<(Vec<MyEntry>, Vec<MyEntry>), sqlx::Error> {
    let here = tx.tenant_id();
    let surveys = sqlx::query!(
        r#"SELECT DISTINCT ON (r.tenant_id, r.campaign_id) c.slug, c.title, r.submitted_at
             FROM survey_responses r JOIN campaigns c ON c.tenant_id = r.tenant_id AND c.id = r.campaign_id
            WHERE r.account_id = $1 AND (r.tenant_id = $2 OR r.origin_tenant_id = $2)
            ORDER BY r.tenant_id, r.campaign_id, r.version DESC"#,
        account,
        here,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| MyEntry {
        campaign_slug: r.slug,
        campaign_title: r.title,
        at: r.submitted_at,
        status: "answered".to_owned(),
    })
    .collect();
    let workshops = sqlx::query!(
        r#"SELECT c.slug, c.title, a.created_at,
                  COALESCE((SELECT s.status FROM workshop_selections s JOIN workshop_draws d ON d.tenant_id = s.tenant_id AND d.id = s.draw_id
                             WHERE s.tenant_id = a.tenant_id AND s.application_id = a.id
                             ORDER BY d.drawn_at DESC LIMIT 1), 'applied') AS "status!"
             FROM workshop_applications a
             JOIN workshop_recruitments w ON w.tenant_id = a.tenant_id AND w.id = a.recruitment_id
             JOIN campaigns c ON c.tenant_id = w.tenant_id AND c.id = w.campaign_id
            WHERE a.account_id = $1 AND a.tenant_id = $2
            ORDER BY a.created_at DESC"#,
        account,
        here,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| MyEntry {
        campaign_slug: r.slug,
        campaign_title: r.title,
        at: r.created_at,
        status: r.status,
    })
    .collect();
    Ok((surveys, workshops))
}

/// What `account` contributed in the transaction's space, newest first.
pub async fn my_contributions(tx: &mut TenantTx, account: Uuid) -> Result<MyContributions, sqlx::Error> {
    let (ideas, comments) = my_texts(tx, account).await?;
    let (surveys, workshops) = my_entries(tx, account).await?;
    let reply_mail = sqlx::query_scalar!("SELECT reply_mail FROM accounts WHERE id = $1", account)
        .fetch_optional(&mut **tx)
        .await?
        .unwrap_or(false);
    Ok(MyContributions {
        reply_mail,
        ideas,
        comments,
        surveys,
        workshops,
    })
}

/// `GET /compte/contributions`.
pub async fn my_contributions_page(State(state): State<Ground>, page: Page) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return see_other("/connexion?retour=/compte/contributions");
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let mine = my_contributions(&mut tx, account.id).await?;
    tx.commit().await?;
    Ok(axum::response::IntoResponse::into_response(
        page.render("my_contributions.html", mine)?,
    ))
}

#[derive(Deserialize)]
pub struct ReplyMailForm {
    /// `oui` or `non`: explicit, so a double submission does not undo itself.
    reponses: String,
}

/// `POST /compte/contributions/reponses`: turns the reply mail on or off.
pub async fn set_reply_mail(
    State(state): State<Ground>,
    page: Page,
    CsrfForm(form): CsrfForm<ReplyMailForm>,
) -> Result<Response, PageError> {
    let Some(account) = page.account.clone() else {
        return see_other("/connexion?retour=/compte/contributions");
    };
    let on = match form.reponses.as_str() {
        "oui" => true,
        "non" => false,
        _ => return Err(PageError::BadRequest),
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    sqlx::query!("UPDATE accounts SET reply_mail = $2 WHERE id = $1", account.id, on)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    see_other("/compte/contributions#reponses")
}
