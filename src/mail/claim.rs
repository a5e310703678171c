//! The worker's statements, each in a tenant-scoped transaction: claim due mail (opening an
//! attempt per mail), pass the gate before `DATA`, record outcomes, and take back what a dead
//! worker left. The states and why they are safe are in `docs/mail.md`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::MailKind;
use super::render::Space;
use crate::tenancy::{TenantKind, TenantTx};

/// A claimed mail with its open attempt.
#[derive(Debug, Clone)]
pub struct Job {
    pub space: std::sync::Arc<Space>,
    pub attempt: Uuid,
    pub mail: Uuid,
    pub kind: MailKind,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub message_id: String,
    pub unsubscribe_token: Option<Vec<u8>>,
    pub attachment: Option<super::Attachment>,
    /// The text is Markdown (news posts).
    pub markdown: bool,
    /// The follow a news mail is about: its unsubscribe link ends that follow only.
    pub follow_token: Option<Vec<u8>>,
    /// The language of the text: the footer is written in it too.
    pub lang: crate::web::i18n::Lang,
    /// Attempts so far, this one included.
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
}

impl Job {
    /// The space of the claimed row (read from the database with the row).
    pub fn tenant(&self) -> crate::tenancy::TenantId {
        crate::tenancy::TenantId::from_database(self.space.id)
    }
}

/// What a claim found.
#[derive(Debug)]
pub enum Claim {
    /// Mails to send (possibly none: nothing due).
    Jobs(Vec<Job>),
    /// The space has used its rate; something frees at this time.
    RateLimited(DateTime<Utc>),
}

/// The space as mail shows it (a shared table, readable in any context).
pub async fn space(tx: &mut TenantTx, base_domain: &str) -> Result<Space, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT slug, kind, name, primary_color, secondary_color FROM tenants WHERE id = $1",
        tx.tenant_id(),
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(Space::new(
        tx.tenant_id(),
        &row.slug,
        TenantKind::parse(&row.kind).unwrap_or(TenantKind::Local),
        &row.name,
        base_domain,
        (&row.primary_color, &row.secondary_color),
    ))
}

/// Closes the attempts whose lease ran out (their worker is gone): before the gate nothing was
/// handed over and the mail is queued again; after it the mail becomes `uncertain`.
/// Returns (queued again, uncertain).
pub async fn reap_expired(tx: &mut TenantTx) -> Result<(u64, u64), sqlx::Error> {
    let statuses: Vec<String> = sqlx::query_scalar!(r#"SELECT mail_reap_expired($1) AS "status!""#, tx.tenant_id(),)
        .fetch_all(&mut **tx)
        .await?;
    let queued = statuses.iter().filter(|s| *s == "queued").count() as u64;
    Ok((queued, statuses.len() as u64 - queued))
}

/// Claims up to `want` due mails of the space, within its rate, each with a new attempt leased
/// for `lease`. Suppressed list mail met on the way is marked `suppressed` instead.
#[tracing::instrument(name = "job.mail_claim", target = "ecoute::jobs", skip_all, fields(otel.kind = "internal", ecoute.tenant_id = %tx.tenant_id()))]
pub async fn claim(
    tx: &mut TenantTx,
    space: std::sync::Arc<Space>,
    worker: &str,
    want: usize,
    lease: Duration,
    per_minute: Option<u32>,
) -> Result<Claim, sqlx::Error> {
    let tenant = tx.tenant_id();
    // Claims of one space are serialised, so the rate is counted exactly across workers.
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('ecoute.mail.claim:' || $1::text, 0))",
        // A uuid cast by `$1::text` in SQL, as before (`as _`: the macros would want a &str).
        tenant as _,
    )
    .execute(&mut **tx)
    .await?;
    let mut want = want as i64;
    if let Some(limit) = per_minute {
        // Buckets of one second, each counted for 61 s: no 60-second window ever holds more
        // than `limit` claimed mails.
        sqlx::query!(
            "DELETE FROM mail_send_counts WHERE tenant_id = $1 AND second < now() - interval '2 minutes'",
            tenant,
        )
        .execute(&mut **tx)
        .await?;
        let window = sqlx::query!(
            r#"SELECT COALESCE(sum(mails), 0)::int8 AS "used!", min(second) AS oldest FROM mail_send_counts
              WHERE tenant_id = $1 AND second > now() - interval '61 seconds'"#,
            tenant,
        )
        .fetch_one(&mut **tx)
        .await?;
        let (used, oldest) = (window.used, window.oldest);
        let left = i64::from(limit) - used;
        if left <= 0 {
            let free_at = oldest.unwrap_or_else(Utc::now) + chrono::Duration::seconds(61);
            return Ok(Claim::RateLimited(free_at));
        }
        want = want.min(left);
    }
    // One call: lock, mark and open attempts by primary key (see the migration's note on plans).
    // The function's columns, named so that their nullability (which PostgreSQL does not know
    // for a function's result) can be stated: only the unsubscribe token may be NULL.
    let rows = sqlx::query!(
        r#"SELECT attempt_id AS "attempt_id!", mail_id AS "mail_id!", mail_kind AS "mail_kind!",
                  to_address AS "to_address!", subject AS "subject!", text_body AS "text_body!",
                  message_id AS "message_id!", attempts AS "attempts!", created_at AS "created_at!",
                  unsubscribe_token
             FROM mail_claim($1, $2, $3, $4)"#,
        tenant,
        want as i32,
        worker,
        lease.as_secs_f64(),
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut jobs = Vec::with_capacity(rows.len());
    for row in rows {
        jobs.push(Job {
            space: space.clone(),
            attempt: row.attempt_id,
            mail: row.mail_id,
            kind: MailKind::parse(&row.mail_kind).unwrap_or(MailKind::SignIn),
            unsubscribe_token: row.unsubscribe_token,
            to: row.to_address,
            subject: row.subject,
            text: row.text_body,
            message_id: row.message_id,
            attempts: row.attempts,
            created_at: row.created_at,
            attachment: None,
            markdown: false,
            follow_token: None,
            lang: crate::web::i18n::Lang::Fr,
        });
    }
    attach(tx, &mut jobs).await?;
    if per_minute.is_some() && !jobs.is_empty() {
        sqlx::query!(
            "INSERT INTO mail_send_counts (tenant_id, second, mails) VALUES ($1, date_trunc('second', now()), $2)
             ON CONFLICT (tenant_id, second) DO UPDATE SET mails = mail_send_counts.mails + EXCLUDED.mails",
            tenant,
            jobs.len() as i32,
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(Claim::Jobs(jobs))
}

/// Fills in what few mails have (one query, by key): an attachment, Markdown text, the follow
/// that a news mail is about, a language other than French.
async fn attach(tx: &mut TenantTx, jobs: &mut [Job]) -> Result<(), sqlx::Error> {
    if jobs.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = jobs.iter().map(|j| j.mail).collect();
    // The attachment's name and type come with its text (a CHECK in the table).
    let rows = sqlx::query!(
        r#"SELECT id, attachment_name, attachment_type, attachment_text, text_format, follow_token, lang FROM mail_outbox
          WHERE tenant_id = $1 AND id = ANY($2)
            AND (attachment_text IS NOT NULL OR text_format <> 'plain' OR follow_token IS NOT NULL OR lang <> 'fr')"#,
        tx.tenant_id(),
        &ids,
    )
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        let Some(job) = jobs.iter_mut().find(|j| j.mail == row.id) else {
            continue;
        };
        if let (Some(filename), Some(content_type), Some(text)) =
            (row.attachment_name, row.attachment_type, row.attachment_text)
        {
            job.attachment = Some(super::Attachment {
                filename,
                content_type,
                text,
            });
        }
        job.markdown = row.text_format == "markdown";
        job.follow_token = row.follow_token;
        job.lang = crate::web::i18n::Lang::parse(&row.lang).unwrap_or_default();
    }
    Ok(())
}

/// The gate: marks the attempts as about to send `DATA`, renewing their lease. Returns those
/// still open (the others were taken back by [`reap_expired`]: their worker must not send).
pub async fn pass_gate(
    tx: &mut TenantTx,
    mails: &[Uuid],
    attempts: &[Uuid],
    lease: Duration,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT mail_pass_gate($1, $2, $3, $4) AS "mail_id!""#,
        tx.tenant_id(),
        mails,
        attempts,
        lease.as_secs_f64(),
    )
    .fetch_all(&mut **tx)
    .await
}

/// How an attempt ended, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Sent,
    Deferred,
    Rejected,
    Uncertain,
    /// Handed back without trying (shutdown, or the SMTP server known to be down).
    Released,
}

impl AttemptOutcome {
    fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Sent => "sent",
            AttemptOutcome::Deferred => "deferred",
            AttemptOutcome::Rejected => "rejected",
            AttemptOutcome::Uncertain => "uncertain",
            AttemptOutcome::Released => "released",
        }
    }
}

/// One outcome to store.
#[derive(Debug, Clone)]
pub struct Record {
    pub attempt: Uuid,
    pub mail: Uuid,
    pub outcome: AttemptOutcome,
    pub detail: String,
    /// The mail's new status.
    pub status: super::MailStatus,
    /// When queued again: in how long.
    pub retry_in: Duration,
}

/// Stores outcomes of one space. An attempt already closed as `uncertain` by another worker
/// still takes a late definite answer; any other closed attempt is left alone (its mail belongs
/// to someone else now). Returns how many mails became `sent`.
pub async fn record(tx: &mut TenantTx, records: &[Record]) -> Result<u64, sqlx::Error> {
    let attempts: Vec<Uuid> = records.iter().map(|r| r.attempt).collect();
    let mails: Vec<Uuid> = records.iter().map(|r| r.mail).collect();
    let outcomes: Vec<&str> = records.iter().map(|r| r.outcome.as_str()).collect();
    let details: Vec<&str> = records.iter().map(|r| r.detail.as_str()).collect();
    let statuses: Vec<&str> = records.iter().map(|r| r.status.as_str()).collect();
    let retry_in: Vec<f64> = records.iter().map(|r| r.retry_in.as_secs_f64()).collect();
    let sent: i32 = sqlx::query_scalar!(
        r#"SELECT mail_record($1, $2, $3, $4, $5, $6, $7) AS "sent!""#,
        tx.tenant_id(),
        &mails,
        &attempts,
        // Slices of &str for text[]: the macros' check wants &[String].
        &outcomes as _,
        &details as _,
        &statuses as _,
        &retry_in,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(sent as u64)
}

/// When the next queued mail of the space falls due, if any. List mail held back by the
/// space's monthly quota is not due: the periodic sweep finds it again once the quota allows.
pub async fn next_due(tx: &mut TenantTx) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT min(next_try_at) FROM mail_outbox
          WHERE tenant_id = $1 AND status = 'queued'
            AND (mail_kind_is_transactional(kind) OR coalesce(usage_emails_allowance($1), 1) > 0)",
        tx.tenant_id(),
    )
    .fetch_one(&mut **tx)
    .await
}
