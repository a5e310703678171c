//! Queueing mail: rows written in the caller's transaction (the outbox), sent after commit by
//! the [`worker`](super::worker), never if the transaction rolls back.
//!
//! Callers give the content (subject and plain text, links written out); the worker renders it
//! in the space's branding as text and HTML when it sends it. List mail (invitations, news) to
//! an address on the space's suppression list is stored as `suppressed` and not sent.

use std::collections::HashSet;

use uuid::Uuid;

use super::MailKind;
use super::address::EmailAddress;
use crate::tenancy::TenantTx;
use crate::web::i18n::Lang;

/// A transactional message to one person (the sign-in link).
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The language the subject and text are written in (the page's, for a sign-in link).
    pub lang: Lang,
}

/// What to send, without saying to whom: for [`queue_to`] and [`queue_bulk`].
#[derive(Debug, Clone, Copy)]
pub struct MailContent<'a> {
    pub kind: MailKind,
    pub subject: &'a str,
    /// Plain text; paragraphs separated by a blank line, links written out in full (they become
    /// links in the HTML version).
    pub text: &'a str,
    /// The campaign an invitation is about, so consoles can follow its delivery.
    pub campaign: Option<Uuid>,
    /// A file sent with the mail (the `.ics` of a workshop session).
    pub attachment: Option<&'a Attachment>,
    /// The language of the subject and text: the worker writes the footer in it too.
    pub lang: Lang,
}

/// A text file attached to a mail, stored with it in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file name the person sees (`atelier.ics`).
    pub filename: String,
    /// The full content type, parameters included (`text/calendar; method=PUBLISH; charset=utf-8`).
    pub content_type: String,
    pub text: String,
}

/// What became of one mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    /// It will be sent.
    Queued(Uuid),
    /// List mail to an address that unsubscribed: recorded, not sent.
    Suppressed(Uuid),
    /// Not an e-mail address: nothing recorded.
    InvalidAddress,
}

impl Queued {
    pub fn id(self) -> Option<Uuid> {
        match self {
            Queued::Queued(id) | Queued::Suppressed(id) => Some(id),
            Queued::InvalidAddress => None,
        }
    }
}

/// What became of a bulk queueing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkQueued {
    pub queued: u64,
    pub suppressed: u64,
    /// Given twice (after lowercasing): sent once.
    pub duplicates: u64,
    /// Not e-mail addresses: skipped.
    pub invalid: Vec<String>,
}

/// The language to write to `address` in: that of its account (the pages it last used), when
/// there is one this space may read; else French, the spaces' language.
pub async fn recipient_lang(tx: &mut TenantTx, address: &str) -> Result<Lang, sqlx::Error> {
    let lang = sqlx::query_scalar!(
        "SELECT lang FROM accounts WHERE email = lower($1) AND deleted_at IS NULL",
        address
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(lang.and_then(|l| Lang::parse(&l)).unwrap_or_default())
}

/// Queues a transactional mail (a sign-in link): always sent, whatever the suppression list.
pub async fn queue(tx: &mut TenantTx, mail: &OutgoingMail) -> Result<Queued, sqlx::Error> {
    let content = MailContent {
        kind: MailKind::SignIn,
        subject: &mail.subject,
        text: &mail.text,
        campaign: None,
        attachment: None,
        lang: mail.lang,
    };
    queue_to(tx, &mail.to, &content).await
}

/// Queues one mail of any kind to `to`.
pub async fn queue_to(tx: &mut TenantTx, to: &str, content: &MailContent<'_>) -> Result<Queued, sqlx::Error> {
    let Ok(address) = EmailAddress::parse(to) else {
        return Ok(Queued::InvalidAddress);
    };
    // $1 tenant, $2 address(es), $3 kind, $4 subject, $5 text, $6 campaign, $7 list mail,
    // $8 $9 $10 the attachment's name, type and text (all null without one), $11 the language.
    // List mail registers the address (its unsubscribe token is created once, here) and checks the
    // suppression list; transactional mail does neither.
    let inserted = sqlx::query!(
        "
WITH recipient AS (
    INSERT INTO mail_recipients (tenant_id, address)
    SELECT $1, $2 WHERE $7
    ON CONFLICT DO NOTHING
)
INSERT INTO mail_outbox (tenant_id, kind, to_address, subject, text_body, campaign_id, status,
                         attachment_name, attachment_type, attachment_text, lang)
SELECT $1, $3, $2, $4, $5, $6,
       CASE WHEN $7 AND EXISTS (SELECT 1 FROM mail_suppressions s WHERE s.tenant_id = $1 AND s.address = $2)
            THEN 'suppressed' ELSE 'queued' END,
       $8, $9, $10, $11
RETURNING id, status",
        tx.tenant_id(),
        address.as_str(),
        content.kind.as_str(),
        content.subject,
        content.text,
        content.campaign,
        content.kind.is_list_mail(),
        content.attachment.map(|a| a.filename.as_str()),
        content.attachment.map(|a| a.content_type.as_str()),
        content.attachment.map(|a| a.text.as_str()),
        content.lang.code(),
    )
    .fetch_one(&mut **tx)
    .await?;
    let (id, status) = (inserted.id, inserted.status);
    Ok(if status == "suppressed" {
        Queued::Suppressed(id)
    } else {
        Queued::Queued(id)
    })
}

/// Queues the same content to many people with one statement (`INSERT … SELECT FROM unnest`),
/// for invitation lists of thousands. Addresses are lowercased; duplicates go once.
pub async fn queue_bulk(
    tx: &mut TenantTx,
    to: &[String],
    content: &MailContent<'_>,
) -> Result<BulkQueued, sqlx::Error> {
    insert_bulk(tx, to, content, None).await
}

/// [`queue_bulk`], the mails marked as `batch`'s (an invitation list confirmed in the console):
/// [`status::counts`](super::status::counts) with `Filter::batch` then follows them alone.
pub async fn queue_batch(
    tx: &mut TenantTx,
    batch: Uuid,
    to: &[String],
    content: &MailContent<'_>,
) -> Result<BulkQueued, sqlx::Error> {
    insert_bulk(tx, to, content, Some(batch)).await
}

async fn insert_bulk(
    tx: &mut TenantTx,
    to: &[String],
    content: &MailContent<'_>,
    batch: Option<Uuid>,
) -> Result<BulkQueued, sqlx::Error> {
    let mut outcome = BulkQueued::default();
    let mut seen = HashSet::with_capacity(to.len());
    let mut addresses = Vec::with_capacity(to.len());
    for candidate in to {
        match EmailAddress::parse(candidate) {
            Ok(address) => {
                if seen.insert(address.as_str().to_owned()) {
                    addresses.push(address.as_str().to_owned());
                } else {
                    outcome.duplicates += 1;
                }
            }
            Err(_) => outcome.invalid.push(candidate.clone()),
        }
    }
    if addresses.is_empty() {
        return Ok(outcome);
    }
    // The same parameters as `queue_to`, with every address in $2, $11 the batch, $12 the language.
    let counts = sqlx::query!(
        r#"
WITH input AS (
    SELECT unnest($2::text[]) AS address
), recipients AS (
    INSERT INTO mail_recipients (tenant_id, address)
    SELECT $1, address FROM input WHERE $7
    ON CONFLICT DO NOTHING
), inserted AS (
    INSERT INTO mail_outbox (tenant_id, kind, to_address, subject, text_body, campaign_id, status,
                             attachment_name, attachment_type, attachment_text, batch_id, lang)
    SELECT $1, $3, i.address, $4, $5, $6,
           CASE WHEN $7 AND s.address IS NOT NULL THEN 'suppressed' ELSE 'queued' END,
           $8, $9, $10, $11, $12
      FROM input i
      LEFT JOIN mail_suppressions s ON s.tenant_id = $1 AND s.address = i.address
    RETURNING status
)
SELECT count(*) FILTER (WHERE status = 'queued') AS "queued!", count(*) FILTER (WHERE status = 'suppressed') AS "suppressed!"
  FROM inserted"#,
        tx.tenant_id(),
        &addresses,
        content.kind.as_str(),
        content.subject,
        content.text,
        content.campaign,
        content.kind.is_list_mail(),
        content.attachment.map(|a| a.filename.as_str()),
        content.attachment.map(|a| a.content_type.as_str()),
        content.attachment.map(|a| a.text.as_str()),
        batch,
        content.lang.code(),
    )
    .fetch_one(&mut **tx)
    .await?;
    let (queued, suppressed) = (counts.queued, counts.suppressed);
    outcome.queued = queued as u64;
    outcome.suppressed = suppressed as u64;
    Ok(outcome)
}

/// One follower of a campaign, for [`queue_follow_news`]: their address and the token of their
/// follow, whose link ends that follow only.
#[derive(Debug, Clone)]
pub struct Follower {
    pub address: String,
    pub follow_token: Vec<u8>,
}

/// Queues a campaign's news, written in Markdown, to its followers (all of whom read
/// `content.lang`: the caller groups them by language), each mail with the follow's
/// own unsubscribe link (the worker puts it in `List-Unsubscribe`). An address that left the
/// space's list mail is recorded as `suppressed`, as for [`queue_bulk`]. Returns how many mails
/// will be sent.
pub async fn queue_follow_news(
    tx: &mut TenantTx,
    followers: &[Follower],
    content: &MailContent<'_>,
) -> Result<u64, sqlx::Error> {
    let (addresses, tokens): (Vec<String>, Vec<Vec<u8>>) = followers
        .iter()
        .filter_map(|f| {
            Some((
                EmailAddress::parse(&f.address).ok()?.as_str().to_owned(),
                f.follow_token.clone(),
            ))
        })
        .unzip();
    if addresses.is_empty() {
        return Ok(0);
    }
    let queued = sqlx::query_scalar!(
        r#"
WITH inserted AS (
    INSERT INTO mail_outbox (tenant_id, kind, to_address, subject, text_body, campaign_id, status, text_format, follow_token, lang)
    SELECT $1, $4, i.address, $5, $6, $7,
           CASE WHEN s.address IS NOT NULL THEN 'suppressed' ELSE 'queued' END, 'markdown', i.token, $8
      FROM unnest($2::text[], $3::bytea[]) AS i (address, token)
      LEFT JOIN mail_suppressions s ON s.tenant_id = $1 AND s.address = i.address
    RETURNING status
)
SELECT count(*) FILTER (WHERE status = 'queued') AS "queued!" FROM inserted"#,
        tx.tenant_id(),
        &addresses,
        &tokens,
        content.kind.as_str(),
        content.subject,
        content.text,
        content.campaign,
        content.lang.code(),
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(queued as u64)
}
