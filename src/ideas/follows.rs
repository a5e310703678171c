//! Conversations around an idea: "Suivre cette idée", and the mail that tells people what
//! happened there. A reply tells the author of the comment or idea it answers (unless their
//! account turned that off); an idea's followers hear of its replies and of a decision that
//! names it or changes its status. At most one mail per idea and person per hour
//! (`idea_mail_sent`): a busy thread sends one mail, and the page tells the rest.
//!
//! The mail is list mail of the idea's space (suppressed for an address that unsubscribed);
//! beside the space's own unsubscribe link, its text carries the same link narrowed to the
//! idea (`/desabonnement/{token}?idee={id}`, see `mail::unsubscribe`): one click stops
//! following it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use super::IdeaView;
use crate::mail::{MailContent, MailKind, queue_to};
use crate::tenancy::host::RequestOrigin;
use crate::tenancy::{Tenant, TenantDb, TenantId, TenantTx};
use crate::web::i18n::Lang;

/// What happened on an idea.
#[derive(Debug, Clone, Copy)]
pub enum Update<'a> {
    /// A new comment: it answers the author of its parent comment, or of the idea.
    Reply { comment: Uuid },
    /// A decision that names the idea, new or with a new status (its code: `results.status.…`).
    Decision { title: &'a str, status: &'a str },
}

/// Tells the people concerned about `update` on idea `idea` of the space of `tx` (which must
/// be the idea's own): `base_url` is that space's origin, for the links. Returns how many
/// mails were queued.
pub async fn tell(tx: &mut TenantTx, idea: Uuid, update: Update<'_>, base_url: &str) -> Result<usize, sqlx::Error> {
    let (by, answers) = match update {
        Update::Reply { comment } => {
            let Some(row) = sqlx::query!(
                "SELECT m.account_id AS by, COALESCE(p.account_id, i.account_id) AS answers
                   FROM idea_comments m
                   JOIN ideas i ON i.tenant_id = m.tenant_id AND i.id = m.idea_id
                   LEFT JOIN idea_comments p ON p.tenant_id = m.tenant_id AND p.id = m.parent_id
                  WHERE m.tenant_id = $1 AND m.id = $2 AND m.idea_id = $3 AND m.status = 'published'",
                tx.tenant_id(),
                comment,
                idea,
            )
            .fetch_optional(&mut **tx)
            .await?
            else {
                return Ok(0);
            };
            (row.by, row.answers)
        }
        Update::Decision { .. } => (None, None),
    };
    let Some(about) = sqlx::query!(
        "SELECT i.title, c.slug, c.title AS campaign_title FROM ideas i
           JOIN campaigns c ON c.tenant_id = i.tenant_id AND c.id = i.campaign_id
          WHERE i.tenant_id = $1 AND i.id = $2 AND i.status = 'published'",
        tx.tenant_id(),
        idea,
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(0);
    };
    // The followers, and the person answered (if they accept reply mail), but not the writer;
    // each marked as written to now unless they were within the hour, in the same statement.
    let due = sqlx::query!(
        r#"WITH concerned AS (
             SELECT f.account_id, true AS following FROM idea_follows f WHERE f.tenant_id = $1 AND f.idea_id = $2
             UNION ALL
             SELECT a.id, false FROM accounts a WHERE a.id = $4 AND a.reply_mail
         ), people AS (
             SELECT account_id, bool_or(following) AS following FROM concerned
              WHERE account_id IS DISTINCT FROM $3 GROUP BY account_id
         ), written AS (
             INSERT INTO idea_mail_sent AS s (tenant_id, idea_id, account_id)
             SELECT $1, $2, account_id FROM people
             ON CONFLICT (tenant_id, idea_id, account_id) DO UPDATE SET sent_at = now()
              WHERE s.sent_at < now() - interval '1 hour'
             RETURNING account_id
         )
         SELECT a.email AS "email!", a.lang, p.following AS "following!"
           FROM written w JOIN people p ON p.account_id = w.account_id
           JOIN accounts a ON a.id = w.account_id AND a.deleted_at IS NULL AND a.email IS NOT NULL"#,
        tx.tenant_id(),
        idea,
        by,
        answers,
    )
    .fetch_all(&mut **tx)
    .await?;
    let link = format!("{base_url}/consultations/{}/idees/{idea}", about.slug);
    let mut queued = 0;
    for person in due {
        let lang = Lang::parse(&person.lang).unwrap_or_default();
        let stop = stop_line(tx, lang, &person.email, person.following, base_url, idea).await?;
        // A reply opens the page of the discussion that holds it.
        let at = match update {
            Update::Reply { comment } => super::comment_path(&link, comment),
            _ => link.clone(),
        };
        let text = mail_text(
            lang,
            update,
            person.following,
            (&about.title, &about.campaign_title),
            &at,
            &stop,
        );
        let subject = lang.fill("follow_mail.subject", &[("title", &about.title)]);
        let content = MailContent {
            kind: MailKind::Conversation,
            subject: &subject,
            text: &text,
            campaign: None,
            attachment: None,
            lang,
        };
        if queue_to(tx, &person.email, &content).await?.id().is_some() {
            queued += 1;
        }
    }
    Ok(queued)
}

/// How to stop such mail: one click to unfollow the idea, or the page that turns reply mail off.
async fn stop_line(
    tx: &mut TenantTx,
    lang: Lang,
    email: &str,
    following: bool,
    base_url: &str,
    idea: Uuid,
) -> Result<String, sqlx::Error> {
    Ok(if following {
        let token = recipient_token(tx, email).await?;
        format!(
            "{}\n{base_url}/desabonnement/{}?idee={idea}\n",
            lang.text("follow_mail.stop_following"),
            URL_SAFE_NO_PAD.encode(token)
        )
    } else {
        format!(
            "{} {base_url}/compte/contributions#reponses\n",
            lang.text("follow_mail.stop_replies")
        )
    })
}

/// The text of a conversation mail in `lang`: what happened on the idea (`title`, of the
/// campaign `campaign`), its link, and how to stop such mail (`stop`).
fn mail_text(
    lang: Lang,
    update: Update<'_>,
    following: bool,
    (title, campaign): (&str, &str),
    link: &str,
    stop: &str,
) -> String {
    let what = match update {
        Update::Reply { .. } if !following => lang.text("follow_mail.reply_to_you"),
        Update::Reply { .. } => lang.text("follow_mail.reply"),
        Update::Decision { title, status } => lang.fill(
            "follow_mail.decision",
            &[
                ("title", title),
                ("status", &lang.text(&format!("results.status.{status}"))),
            ],
        ),
    };
    let body = lang.fill(
        "follow_mail.body",
        &[("title", title), ("campaign", campaign), ("what", &what)],
    );
    format!(
        "{}\n\n{body}\n\n{}\n{link}\n\n{stop}",
        lang.text("mail_text.hello"),
        lang.text("follow_mail.read")
    )
}

/// The unsubscribe token of `address` in the space of `tx` (the row made if it was missing).
async fn recipient_token(tx: &mut TenantTx, address: &str) -> Result<Vec<u8>, sqlx::Error> {
    sqlx::query_scalar!(
        "WITH made AS (
             INSERT INTO mail_recipients (tenant_id, address) VALUES ($1, lower($2))
             ON CONFLICT DO NOTHING RETURNING unsubscribe_token
         )
         SELECT unsubscribe_token AS \"token!\" FROM made
         UNION ALL
         SELECT unsubscribe_token FROM mail_recipients WHERE tenant_id = $1 AND address = lower($2)",
        tx.tenant_id(),
        address,
    )
    .fetch_one(&mut **tx)
    .await
}

/// The origin of the idea's space, for links in its mail: this request's when the idea is of
/// this space, else the national space's (a national idea seen from a local space, whose host
/// is the local one without its first label).
pub fn idea_space_base(origin: &RequestOrigin, here: &Tenant, idea_tenant: Uuid) -> String {
    if idea_tenant == here.id {
        return origin.base_url();
    }
    let host = origin.host.as_deref().unwrap_or("localhost");
    let national = host.strip_prefix(&format!("{}.", here.slug)).unwrap_or(host);
    origin.base_url_for(national)
}

/// After a new comment (committed): tells the people concerned, in the idea's space. A
/// failure is logged, not returned: the comment stands, and the page says the rest.
pub async fn tell_reply(db: &TenantDb, idea: &IdeaView, comment: Uuid, base_url: &str) {
    let told = async {
        let mut tx = db.begin_in(TenantId::from_database(idea.tenant_id)).await?;
        let n = tell(&mut tx, idea.id, Update::Reply { comment }, base_url).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(n)
    }
    .await;
    if let Err(error) = told {
        tracing::error!(%error, idea = %idea.id, "reply mail not queued");
    }
}
