//! Sends the outbox: at most once per mail, and visibly when a crash leaves a doubt.
//!
//! One worker runs a small pipeline (`docs/mail.md` has the picture):
//!
//! - the **dispatcher** visits spaces with due mail (woken by `NOTIFY ecoute_mail_queued`, a
//!   sweep of all spaces, and timers for retries and rate windows) and claims batches in the
//!   space's RLS context (`FOR UPDATE SKIP LOCKED`), each mail with a new *attempt* row, all
//!   committed before any SMTP command for them ([`super::claim`]);
//! - **senders**, one per SMTP connection (`ECOUTE_MAIL_CONNECTIONS`), take mails from a bounded
//!   channel and run the SMTP transaction command by command ([`super::smtp::deliver`]);
//! - the **gate**, between `RCPT TO` and `DATA`: a committed write saying "about to hand over"
//!   that also checks this worker still owns the mail. Requests from all senders are committed
//!   together;
//! - the **recorder** stores outcomes right after the server's answer, in short transactions
//!   that group whatever outcomes are waiting.
//!
//! A worker that dies leaves attempts open; once their lease runs out the next claim in that
//! space queues again those that never passed the gate and marks `uncertain` those that did.
//! Failures are retried with a backoff capped at 60 s; when the server itself is unreachable a
//! circuit breaker stops claiming and probes it with one mail at growing intervals (at most
//! 3 s; one outage counts once, however many senders saw it), so mails wait in the queue rather
//! than burning attempts, and resume within seconds of the server's return.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use lettre::Address;
use lettre::message::Mailbox;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::MailStatus;
use super::claim::{self, AttemptOutcome, Claim, Job, Record};
use super::render::{self, Draft};
use super::smtp::{self, Delivery, SmtpEndpoint};
use crate::config::{Settings, SmtpTls};
use crate::tenancy::{TenantDb, TenantId};

mod breaker;
mod handoff;
mod schedule;
mod senders;

use breaker::*;
use handoff::*;
use schedule::*;
use senders::*;

/// Longest wait before a deferred mail is tried again.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Longest wait between two probes of an SMTP server that cannot be reached: one connection
/// attempt every few seconds costs nothing, and mail resumes within this of its return.
pub const MAX_PROBE_INTERVAL: Duration = Duration::from_secs(3);
/// An idle SMTP connection is closed after this long.
const IDLE: Duration = Duration::from_secs(20);
/// Most gate requests or outcomes committed in one transaction.
const FLUSH_MAX: usize = 2000;

/// Where mail goes.
#[derive(Clone, Debug)]
pub enum Transport {
    Smtp {
        endpoint: SmtpEndpoint,
        /// The envelope and `From` address; the display name is each space's.
        sender: Address,
    },
    /// No SMTP configured (demo, tests): log each message (with its links) and mark it sent.
    Log,
}

impl Transport {
    /// From `ECOUTE_SMTP_URL` and `ECOUTE_MAIL_FROM`; [`Transport::Log`] when no URL is given.
    pub fn from_settings(url: Option<&str>, from: &str) -> anyhow::Result<Self> {
        Self::with_tls(url, None, from)
    }

    /// As [`Transport::from_settings`], with `ECOUTE_SMTP_TLS` overriding the URL's choice.
    pub fn with_tls(url: Option<&str>, tls: Option<SmtpTls>, from: &str) -> anyhow::Result<Self> {
        match url {
            None => Ok(Transport::Log),
            Some(url) => Ok(Transport::Smtp {
                endpoint: SmtpEndpoint::parse(url, tls)?,
                sender: from
                    .parse::<Mailbox>()
                    .with_context(|| format!("ECOUTE_MAIL_FROM is not an address: {from:?}"))?
                    .email,
            }),
        }
    }
}

/// How a worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Mails one space may send per minute, across all workers; `None`: unlimited.
    pub per_minute: Option<u32>,
    /// Parallel SMTP connections.
    pub connections: usize,
    /// Most mails claimed at once.
    pub batch: usize,
    /// How long a claimed mail stays this worker's before another may take it back.
    pub lease: Duration,
    /// Origin of links in mail, `{host}` standing for the space's host (`https://{host}`).
    pub link_base: String,
    pub base_domain: String,
    /// Every space is visited this often even without notifications (expired leases, missed
    /// notifications).
    pub sweep_every: Duration,
}

impl WorkerOptions {
    pub fn from_settings(settings: &Settings) -> Self {
        WorkerOptions {
            per_minute: settings.mail_per_minute,
            connections: settings.mail_connections,
            batch: (settings.mail_connections * 8).clamp(16, 256),
            lease: Duration::from_secs(settings.mail_lease_seconds),
            link_base: settings.mail_link_base.clone(),
            base_domain: settings.base_domain.clone(),
            sweep_every: Duration::from_secs(30),
        }
    }
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self::from_settings(&Settings::defaults())
    }
}

pub struct MailWorker {
    pool: PgPool,
    db: TenantDb,
    transport: Transport,
    options: WorkerOptions,
    /// Written on each attempt, for whoever investigates.
    name: String,
}

impl MailWorker {
    /// A worker with the default options (see [`WorkerOptions::default`]).
    pub fn new(pool: PgPool, transport: Transport) -> Self {
        Self::with_options(pool, transport, WorkerOptions::default())
    }

    pub fn with_options(pool: PgPool, transport: Transport, options: WorkerOptions) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "ecoute".into());
        let run = Uuid::new_v4().simple().to_string();
        MailWorker {
            db: TenantDb::new(pool.clone()),
            pool,
            transport,
            options,
            name: format!("{host}/{}/{}", std::process::id(), &run[..8]),
        }
    }

    /// The worker the settings describe.
    pub fn from_settings(pool: PgPool, settings: &Settings) -> anyhow::Result<Self> {
        let transport = Transport::with_tls(
            settings.smtp_url.as_ref().map(|u| u.expose_secret()),
            settings.smtp_tls,
            &settings.mail_from,
        )?;
        Ok(Self::with_options(
            pool,
            transport,
            WorkerOptions::from_settings(settings),
        ))
    }

    /// Sends everything due now in every space, then returns how many mails were sent. Stops
    /// early (leaving mail queued) when the SMTP server is unreachable or a space is at its rate.
    pub async fn drain(&self) -> anyhow::Result<usize> {
        self.pump(false, CancellationToken::new()).await
    }

    /// Runs until `stop`: claims on notifications, sweeps and timers. On `stop`, the mails in
    /// hand are finished and the claimed ones not yet started are handed back.
    pub async fn run(self, stop: CancellationToken) {
        // A pass ends only on `stop`, or on an error such as the database being unreachable:
        // then it starts again a little later.
        while let Err(error) = self.pump(true, stop.clone()).await {
            tracing::error!(error = format!("{error:#}"), "mail worker failed; restarting in 5 s");
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    }

    async fn pump(&self, forever: bool, stop: CancellationToken) -> anyhow::Result<usize> {
        let capacity = self.options.batch * 2;
        let (jobs_tx, jobs_rx) = mpsc::channel::<Job>(capacity);
        let jobs_rx = Arc::new(tokio::sync::Mutex::new(jobs_rx));
        let (gate, gate_task) = spawn_gate(self.db.clone(), self.options.lease);
        let (recorder, recorder_task) = spawn_recorder(self.db.clone());
        let shared = Arc::new(Shared {
            transport: self.transport.clone(),
            link_base: self.options.link_base.clone(),
            breaker: Breaker::new(self.options.connections),
            gate,
            recorder,
        });
        let mut senders = JoinSet::new();
        let connections = match self.transport {
            Transport::Log => 1,
            Transport::Smtp { .. } => self.options.connections,
        };
        for _ in 0..connections {
            senders.spawn(sender(shared.clone(), jobs_rx.clone(), stop.clone()));
        }
        let dispatched = self.dispatch(forever, &stop, &jobs_tx, &shared.breaker).await;
        drop(jobs_tx);
        while senders.join_next().await.is_some() {}
        drop(shared);
        gate_task.join().await;
        let sent = recorder_task.join().await.unwrap_or(0);
        dispatched?;
        Ok(sent as usize)
    }

    /// Claims and hands out mail until there is nothing left (`forever` false) or `stop`.
    async fn dispatch(
        &self,
        forever: bool,
        stop: &CancellationToken,
        jobs: &mpsc::Sender<Job>,
        breaker: &Breaker,
    ) -> anyhow::Result<()> {
        let mut schedule = Schedule::default();
        for (tenant, _) in self.db.list_tenants().await? {
            schedule.wake(tenant);
        }
        let mut listener = if forever { self.listen().await } else { None };
        let mut sweep = tokio::time::interval_at(Instant::now() + self.options.sweep_every, self.options.sweep_every);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if stop.is_cancelled() {
                return Ok(());
            }
            schedule.fire_due(Instant::now());
            let mut wait_until = None;
            let chunk = match breaker.check() {
                BreakerCheck::Closed => Some(self.options.batch),
                BreakerCheck::Probe => Some(1),
                BreakerCheck::Open(until) => {
                    wait_until = Some(until);
                    None
                }
                BreakerCheck::Probing => {
                    wait_until = Some(Instant::now() + Duration::from_secs(1));
                    None
                }
            };
            let tenant = match chunk {
                Some(_) => schedule.take(),
                None if !forever => return Ok(()),
                None => None,
            };
            let (Some(chunk), Some(tenant)) = (chunk, tenant) else {
                if !forever {
                    return Ok(());
                }
                let until = [wait_until, schedule.next_timer()].into_iter().flatten().min();
                tokio::select! {
                    _ = stop.cancelled() => return Ok(()),
                    _ = breaker.changed.notified() => {}
                    _ = sweep.tick() => {
                        for (tenant, _) in self.db.list_tenants().await.unwrap_or_default() {
                            schedule.wake(tenant);
                        }
                    }
                    _ = sleep_until(until) => {}
                    woken = notification(&mut listener) => match woken {
                        Some(tenant) => schedule.wake(tenant),
                        // Lost connection: notifications may have been missed.
                        None => for (tenant, _) in self.db.list_tenants().await.unwrap_or_default() {
                            schedule.wake(tenant);
                        },
                    },
                }
                continue;
            };
            let permits = tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                permits = jobs.reserve_many(chunk) => permits.context("mail senders stopped")?,
            };
            match self.claim(tenant, chunk).await {
                Ok((Claim::Jobs(claimed), next_due)) => {
                    let full = claimed.len() == chunk;
                    if chunk == 1 && !claimed.is_empty() {
                        breaker.probing();
                    }
                    for (job, permit) in claimed.into_iter().zip(permits) {
                        permit.send(job);
                    }
                    if full {
                        schedule.wake(tenant);
                    } else if let Some(at) = next_due {
                        schedule.wake_at(instant_of(at), tenant);
                    }
                }
                Ok((Claim::RateLimited(free_at), _)) => {
                    tracing::debug!(%tenant, %free_at, "space at its mail rate");
                    schedule.wake_at(instant_of(free_at), tenant);
                }
                Err(error) => {
                    tracing::warn!(%tenant, error = format!("{error:#}"), "cannot claim mail");
                    if !forever {
                        return Err(error);
                    }
                    schedule.wake_at(Instant::now() + Duration::from_secs(5), tenant);
                }
            }
        }
    }

    /// Takes back what dead workers left, then claims up to `chunk` mails of `tenant`.
    async fn claim(
        &self,
        tenant: TenantId,
        chunk: usize,
    ) -> anyhow::Result<(Claim, Option<chrono::DateTime<chrono::Utc>>)> {
        let mut tx = self.db.begin_in(tenant).await?;
        let (requeued, uncertain) = claim::reap_expired(&mut tx).await?;
        if requeued + uncertain > 0 {
            tracing::warn!(%tenant, requeued, uncertain, "took back mail from a worker that stopped");
        }
        let space = Arc::new(claim::space(&mut tx, &self.options.base_domain).await?);
        let claimed = claim::claim(
            &mut tx,
            space,
            &self.name,
            chunk,
            self.options.lease,
            self.options.per_minute,
        )
        .await?;
        let next_due = match &claimed {
            Claim::Jobs(jobs) if jobs.len() < chunk => claim::next_due(&mut tx).await?,
            _ => None,
        };
        tx.commit().await?;
        Ok((claimed, next_due))
    }

    async fn listen(&self) -> Option<PgListener> {
        match PgListener::connect_with(&self.pool).await {
            Ok(mut listener) => match listener.listen("ecoute_mail_queued").await {
                Ok(()) => Some(listener),
                Err(error) => {
                    tracing::warn!(%error, "mail worker cannot LISTEN; sweeping only");
                    None
                }
            },
            Err(error) => {
                tracing::warn!(%error, "mail worker cannot connect a listener; sweeping only");
                None
            }
        }
    }
}
