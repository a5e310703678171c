//! What consoles show about mail: each mail's fate, counts per status, its attempts, and the
//! two decisions only an operator can take about an `uncertain` mail.
//!
//! Everything runs in the caller's tenant-scoped transaction, so a console sees its own
//! space's mail and nothing else.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{MailKind, MailStatus};
use crate::tenancy::TenantTx;

/// Which mails to show. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<MailStatus>,
    pub kind: Option<MailKind>,
    pub campaign: Option<Uuid>,
    /// Part of the recipient's address (case-insensitive).
    pub to: Option<String>,
    /// The batch that queued them ([`queue_batch`](super::queue_batch)).
    pub batch: Option<Uuid>,
}

/// A page of results, counted from 1.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { page: 1, per_page: 50 }
    }
}

/// One mail, as a console lists it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub kind: MailKind,
    pub status: MailStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// When the next try is due (queued mail).
    pub next_try_at: DateTime<Utc>,
    pub message_id: String,
    pub campaign: Option<Uuid>,
}

/// A page of [`DeliveryRow`]s, newest first, and how many match in all.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    pub rows: Vec<DeliveryRow>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// Lists mails matching `filter`, newest first.
pub async fn list(tx: &mut TenantTx, filter: &Filter, page: PageRequest) -> Result<Listing, sqlx::Error> {
    let per_page = page.per_page.clamp(1, 500);
    let page_number = page.page.max(1);
    let rows = sqlx::query!(
        r#"SELECT id, to_address, subject, kind, status, attempts, last_error, created_at, sent_at, next_try_at,
                message_id, campaign_id, count(*) OVER () AS "total!"
           FROM mail_outbox
          WHERE tenant_id = $1
            AND ($2::text IS NULL OR status = $2)
            AND ($3::text IS NULL OR kind = $3)
            AND ($4::uuid IS NULL OR campaign_id = $4)
            AND ($5::text IS NULL OR strpos(to_address, lower($5)) > 0)
            AND ($8::uuid IS NULL OR batch_id = $8)
          ORDER BY created_at DESC, id
          LIMIT $6 OFFSET $7"#,
        tx.tenant_id(),
        filter.status.map(MailStatus::as_str),
        filter.kind.map(MailKind::as_str),
        filter.campaign,
        filter.to.as_deref(),
        i64::from(per_page),
        i64::from(page_number - 1) * i64::from(per_page),
        filter.batch,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut total = 0;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        total = row.total;
        out.push(DeliveryRow {
            id: row.id,
            to: row.to_address,
            subject: row.subject,
            kind: MailKind::parse(&row.kind).unwrap_or(MailKind::SignIn),
            status: MailStatus::parse(&row.status).unwrap_or(MailStatus::Queued),
            attempts: row.attempts,
            last_error: row.last_error,
            created_at: row.created_at,
            sent_at: row.sent_at,
            next_try_at: row.next_try_at,
            message_id: row.message_id,
            campaign: row.campaign_id,
        });
    }
    if out.is_empty() && page_number > 1 {
        // Past the end: the total still says how many there are.
        total = counts(tx, filter).await?.matching(filter.status);
    }
    Ok(Listing {
        rows: out,
        total,
        page: page_number,
        per_page,
    })
}

/// How many mails are in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub queued: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub suppressed: i64,
    pub uncertain: i64,
    /// Of the `failed` ones, those the receiving server refused for good on the last try (a
    /// 5xx answer: unknown address, mailbox closed): bounced. The others ran out of time.
    /// Bounce reports that arrive later by mail are not read.
    pub bounced: i64,
}

impl Counts {
    pub fn get(&self, status: MailStatus) -> i64 {
        match status {
            MailStatus::Queued => self.queued,
            MailStatus::Sending => self.sending,
            MailStatus::Sent => self.sent,
            MailStatus::Failed => self.failed,
            MailStatus::Suppressed => self.suppressed,
            MailStatus::Uncertain => self.uncertain,
        }
    }

    pub fn total(&self) -> i64 {
        MailStatus::ALL.iter().map(|s| self.get(*s)).sum()
    }

    fn matching(&self, status: Option<MailStatus>) -> i64 {
        status.map_or_else(|| self.total(), |s| self.get(s))
    }
}

/// Counts per status of the mails matching `filter` (its `status` is ignored).
pub async fn counts(tx: &mut TenantTx, filter: &Filter) -> Result<Counts, sqlx::Error> {
    // A failed mail bounced when its last attempt was refused (`rejected`); the attempts are
    // read for failed mails only, by their key.
    let rows = sqlx::query!(
        r#"SELECT o.status, count(*) AS "count!",
                count(*) FILTER (WHERE o.status = 'failed' AND (
                    SELECT a.outcome FROM mail_attempts a
                     WHERE a.tenant_id = o.tenant_id AND a.mail_id = o.id
                     ORDER BY a.started_at DESC, a.id DESC LIMIT 1) = 'rejected') AS "bounced!"
           FROM mail_outbox o
          WHERE o.tenant_id = $1
            AND ($2::text IS NULL OR o.kind = $2)
            AND ($3::uuid IS NULL OR o.campaign_id = $3)
            AND ($4::text IS NULL OR strpos(o.to_address, lower($4)) > 0)
            AND ($5::uuid IS NULL OR o.batch_id = $5)
          GROUP BY o.status"#,
        tx.tenant_id(),
        filter.kind.map(MailKind::as_str),
        filter.campaign,
        filter.to.as_deref(),
        filter.batch,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut counts = Counts::default();
    for (status, n, bounced) in rows.into_iter().map(|r| (r.status, r.count, r.bounced)) {
        counts.bounced += bounced;
        match MailStatus::parse(&status) {
            Some(MailStatus::Queued) => counts.queued = n,
            Some(MailStatus::Sending) => counts.sending = n,
            Some(MailStatus::Sent) => counts.sent = n,
            Some(MailStatus::Failed) => counts.failed = n,
            Some(MailStatus::Suppressed) => counts.suppressed = n,
            Some(MailStatus::Uncertain) => counts.uncertain = n,
            None => {}
        }
    }
    Ok(counts)
}

/// One try to send a mail.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AttemptRow {
    pub id: Uuid,
    pub worker: String,
    pub started_at: DateTime<Utc>,
    /// When the message was about to be handed over (after `RCPT TO`, before `DATA`).
    pub data_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `sent`, `deferred`, `rejected`, `uncertain`, `abandoned`, `released`; `None` while open.
    pub outcome: Option<String>,
    /// The server's reply or the error.
    pub detail: Option<String>,
}

/// The attempts of one mail, oldest first.
pub async fn attempts(tx: &mut TenantTx, mail: Uuid) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query_as!(
        AttemptRow,
        "SELECT id, worker, started_at, data_at, finished_at, outcome, detail FROM mail_attempts
          WHERE tenant_id = $1 AND mail_id = $2 ORDER BY started_at, id",
        tx.tenant_id(),
        mail,
    )
    .fetch_all(&mut **tx)
    .await
}

/// Queues again every `uncertain` mail of the space (an operator's one action after a worker
/// died mid-session, knowing some recipients may get the mail twice). Each keeps its
/// Message-ID, so a receiving system may drop a duplicate. Returns how many were queued.
pub async fn resend_uncertain(tx: &mut TenantTx) -> Result<u64, sqlx::Error> {
    let resent = sqlx::query!(
        "UPDATE mail_outbox SET status = 'queued', next_try_at = now(), last_error = 'resent by an operator'
          WHERE tenant_id = $1 AND status = 'uncertain' AND text_body <> ''",
        tx.tenant_id(),
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if resent > 0 {
        // The space's uuid, cast by `$1::text` (`as _`: the macros would want a &str).
        sqlx::query!("SELECT pg_notify('ecoute_mail_queued', $1::text)", tx.tenant_id() as _)
            .execute(&mut **tx)
            .await?;
    }
    Ok(resent)
}

/// An operator's decision on an `uncertain` mail (or a `failed` one, for resending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send it again, with the same Message-ID so a receiving system may drop a duplicate.
    Resend,
    /// The person confirmed they got it: count it as sent.
    MarkSent,
}

/// Applies `decision`; returns whether the mail was in a state it applies to (`Resend`:
/// uncertain or failed; `MarkSent`: uncertain).
pub async fn decide(tx: &mut TenantTx, mail: Uuid, decision: Decision) -> Result<bool, sqlx::Error> {
    let tenant = tx.tenant_id();
    let changed = match decision {
        Decision::Resend => {
            sqlx::query!(
                "UPDATE mail_outbox SET status = 'queued', next_try_at = now(), last_error = 'resent by an operator'
              WHERE tenant_id = $1 AND id = $2 AND status IN ('uncertain', 'failed') AND text_body <> ''",
                tenant,
                mail,
            )
            .execute(&mut **tx)
            .await?
        }
        Decision::MarkSent => {
            sqlx::query!(
                "UPDATE mail_outbox SET status = 'sent', sent_at = now(), last_error = 'marked sent by an operator'
              WHERE tenant_id = $1 AND id = $2 AND status = 'uncertain'",
                tenant,
                mail,
            )
            .execute(&mut **tx)
            .await?
        }
    }
    .rows_affected();
    if changed > 0 && decision == Decision::Resend {
        // The space's uuid, cast by `$1::text` (`as _`: the macros would want a &str).
        sqlx::query!("SELECT pg_notify('ecoute_mail_queued', $1::text)", tx.tenant_id() as _)
            .execute(&mut **tx)
            .await?;
    }
    Ok(changed > 0)
}
