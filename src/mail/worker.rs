//! Sends the outbox.
//!
//! Woken by `NOTIFY ecoute_mail_queued` (payload: the tenant id) and by a periodic sweep of all
//! spaces. Each batch is claimed in a tenant-scoped transaction with `FOR UPDATE SKIP LOCKED`, so
//! several workers never send the same row. A failure is recorded on the row and retried with
//! exponential backoff; after [`MAX_ATTEMPTS`] the row is marked `failed`, visibly.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::tenancy::TenantDb;

pub const MAX_ATTEMPTS: i32 = 8;
const BATCH: i64 = 50;
const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    /// No SMTP configured: log each message (with its links) and mark it sent.
    Log,
}

impl Transport {
    /// From `ECOUTE_SMTP_URL` (e.g. `smtp://localhost:1025`, `smtps://user:pass@host`) and
    /// `ECOUTE_MAIL_FROM`; [`Transport::Log`] when no URL is given.
    pub fn from_settings(url: Option<&str>, from: &str) -> anyhow::Result<Self> {
        match url {
            None => Ok(Transport::Log),
            Some(url) => Ok(Transport::Smtp {
                transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
                from: from.parse()?,
            }),
        }
    }
}

/// What one step of the worker did, so tests can drain the queue deterministically.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    Sent(usize),
    Empty,
}

pub struct MailWorker {
    pool: PgPool,
    db: TenantDb,
    transport: Transport,
}

impl MailWorker {
    pub fn new(pool: PgPool, transport: Transport) -> Self {
        MailWorker {
            db: TenantDb::new(pool.clone()),
            pool,
            transport,
        }
    }

    /// Sends what is due in one space.
    pub async fn run_tenant(&self, tenant_id: Uuid) -> anyhow::Result<Step> {
        let mut tx = self.db.begin_for_id(tenant_id).await?;
        let due: Vec<(Uuid, String, String, String, i32)> = sqlx::query_as(
            "SELECT id, to_address, subject, text_body, attempts FROM mail_outbox
              WHERE tenant_id = $1 AND status = 'queued' AND next_try_at <= now()
              ORDER BY next_try_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        )
        .bind(tenant_id)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if due.is_empty() {
            return Ok(Step::Empty);
        }
        let mut sent = 0;
        for (id, to, subject, text, attempts) in due {
            match self.send(id, &to, &subject, &text).await {
                Ok(()) => {
                    sqlx::query("UPDATE mail_outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant_id)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    sent += 1;
                }
                Err(error) => {
                    let attempts = attempts + 1;
                    let status = if attempts >= MAX_ATTEMPTS { "failed" } else { "queued" };
                    let backoff = 2_i64.pow(attempts.min(12) as u32) * 5;
                    tracing::warn!(mail = %id, attempts, error = format!("{error:#}"), "mail not sent");
                    sqlx::query(
                        "UPDATE mail_outbox SET status = $3, attempts = $4, last_error = $5,
                                next_try_at = now() + make_interval(secs => $6) WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant_id)
                    .bind(id)
                    .bind(status)
                    .bind(attempts)
                    .bind(format!("{error:#}"))
                    .bind(backoff as f64)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(Step::Sent(sent))
    }

    async fn send(&self, id: Uuid, to: &str, subject: &str, text: &str) -> anyhow::Result<()> {
        match &self.transport {
            Transport::Log => {
                tracing::info!(mail = %id, %to, %subject, body = %text, "mail (no SMTP configured; logged instead of sent)");
                Ok(())
            }
            Transport::Smtp { transport, from } => {
                let message = Message::builder()
                    .from(from.clone())
                    .to(to.parse()?)
                    .subject(subject)
                    // A stable Message-ID: a resend after a crash is recognisable as the same mail.
                    .message_id(Some(format!("<{id}@ecoute>")))
                    .header(ContentType::TEXT_PLAIN)
                    .body(text.to_owned())?;
                transport.send(message).await?;
                Ok(())
            }
        }
    }

    /// Sends everything due in every space, until nothing is left. Used by tests and the sweep.
    pub async fn drain(&self) -> anyhow::Result<usize> {
        let tenants: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM tenants")
            .fetch_all(&self.pool)
            .await?;
        let mut total = 0;
        for tenant in tenants {
            while let Step::Sent(n) = self.run_tenant(tenant).await? {
                total += n;
                if n == 0 {
                    break;
                }
            }
        }
        Ok(total)
    }

    /// Runs until `stop`: wakes on notifications and sweeps periodically.
    pub async fn run(self, stop: CancellationToken) {
        let mut listener = match PgListener::connect_with(&self.pool).await {
            Ok(mut l) => match l.listen("ecoute_mail_queued").await {
                Ok(()) => Some(l),
                Err(error) => {
                    tracing::warn!(%error, "mail worker cannot LISTEN; sweeping only");
                    None
                }
            },
            Err(error) => {
                tracing::warn!(%error, "mail worker cannot connect a listener; sweeping only");
                None
            }
        };
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        loop {
            let woken: Option<Uuid> = tokio::select! {
                _ = stop.cancelled() => return,
                _ = sweep.tick() => None,
                n = async { match listener.as_mut() { Some(l) => l.try_recv().await, None => std::future::pending().await } } => {
                    match n {
                        Ok(Some(n)) => n.payload().parse().ok(),
                        _ => None,
                    }
                }
            };
            let result = match woken {
                Some(tenant) => self.run_tenant(tenant).await.map(|_| ()),
                None => self.drain().await.map(|_| ()),
            };
            if let Err(error) = result {
                tracing::error!(error = format!("{error:#}"), "mail worker step failed");
            }
        }
    }
}
