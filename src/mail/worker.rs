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

async fn sleep_until(until: Option<Instant>) {
    match until {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The space a notification names; `None` when notifications may have been missed (the listener
/// reconnected, or cannot: then after a pause, so a database outage does not spin the loop).
async fn notification(listener: &mut Option<PgListener>) -> Option<TenantId> {
    match listener.as_mut() {
        Some(l) => match l.try_recv().await {
            // The payload is a space id that a trigger sent (not a request).
            Ok(Some(n)) => n.payload().parse().ok().map(TenantId::from_database),
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(%error, "mail worker lost its LISTEN connection");
                tokio::time::sleep(Duration::from_secs(1)).await;
                None
            }
        },
        None => std::future::pending().await,
    }
}

/// The instant at which a database time falls (now, if it is past).
fn instant_of(at: chrono::DateTime<chrono::Utc>) -> Instant {
    let ahead = (at - chrono::Utc::now()).to_std().unwrap_or_default();
    Instant::now() + ahead
}

/// Which spaces to visit, in turn.
#[derive(Default)]
struct Schedule {
    hot: VecDeque<TenantId>,
    queued: HashSet<TenantId>,
    timers: BinaryHeap<Reverse<(Instant, TenantId)>>,
}

impl Schedule {
    fn wake(&mut self, tenant: TenantId) {
        if self.queued.insert(tenant) {
            self.hot.push_back(tenant);
        }
    }

    fn wake_at(&mut self, at: Instant, tenant: TenantId) {
        self.timers.push(Reverse((at, tenant)));
    }

    fn fire_due(&mut self, now: Instant) {
        while let Some(Reverse((at, tenant))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            self.wake(tenant);
        }
    }

    fn next_timer(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((at, _))| *at)
    }

    fn take(&mut self) -> Option<TenantId> {
        let tenant = self.hot.pop_front()?;
        self.queued.remove(&tenant);
        Some(tenant)
    }
}

/// Stops claiming while the SMTP server is unreachable, then probes it with one mail at
/// doubling intervals (1 s … 60 s).
struct Breaker {
    state: Mutex<BreakerState>,
    changed: Notify,
    /// Consecutive deferred mails (4xx) that trip it, as if the server were down.
    deferrals_to_trip: u32,
}

#[derive(Default)]
struct BreakerState {
    open_until: Option<Instant>,
    delay: Duration,
    probing: bool,
    deferrals: u32,
}

enum BreakerCheck {
    Closed,
    Open(Instant),
    /// The open period is over: claim one mail to try.
    Probe,
    /// A probe is out; wait for its answer.
    Probing,
}

impl Breaker {
    fn new(connections: usize) -> Self {
        Breaker {
            state: Mutex::new(BreakerState::default()),
            changed: Notify::new(),
            deferrals_to_trip: (connections as u32 * 2).max(4),
        }
    }

    fn check(&self) -> BreakerCheck {
        let state = self.state.lock().expect("breaker lock");
        match state.open_until {
            None => BreakerCheck::Closed,
            Some(_) if state.probing => BreakerCheck::Probing,
            Some(until) if until > Instant::now() => BreakerCheck::Open(until),
            Some(_) => BreakerCheck::Probe,
        }
    }

    /// Whether senders should hand mail back rather than try.
    fn is_open(&self) -> bool {
        let state = self.state.lock().expect("breaker lock");
        state.open_until.is_some_and(|until| until > Instant::now())
    }

    fn probing(&self) {
        self.state.lock().expect("breaker lock").probing = true;
    }

    /// Opens the breaker on a failure that says the server is unreachable. One outage counts
    /// once: senders already under way when it began fail too, and their failures change
    /// nothing. Only a failed probe lengthens the wait, doubling it up to
    /// [`MAX_PROBE_INTERVAL`], so mail resumes within that of the server's return.
    fn trip(&self, why: &str) {
        let mut state = self.state.lock().expect("breaker lock");
        state.delay = match state.open_until {
            None => Duration::from_secs(1),
            Some(_) if state.probing => (state.delay * 2).min(MAX_PROBE_INTERVAL),
            Some(_) => return,
        };
        state.open_until = Some(Instant::now() + state.delay);
        state.probing = false;
        state.deferrals = 0;
        tracing::warn!(retry_in = ?state.delay, why, "SMTP server unavailable; mail waits");
        drop(state);
        self.changed.notify_one();
    }

    fn deferred(&self, why: &str) {
        let mut state = self.state.lock().expect("breaker lock");
        state.deferrals += 1;
        let trip = state.probing || state.deferrals >= self.deferrals_to_trip;
        drop(state);
        if trip {
            self.trip(why);
        }
    }

    fn succeeded(&self) {
        let mut state = self.state.lock().expect("breaker lock");
        let was_open = state.open_until.is_some();
        *state = BreakerState::default();
        drop(state);
        if was_open {
            tracing::info!("SMTP server reachable again");
            self.changed.notify_one();
        }
    }
}

/// What senders share.
struct Shared {
    transport: Transport,
    link_base: String,
    breaker: Breaker,
    gate: Gate,
    recorder: Recorder,
}

enum Next {
    Job(Box<Job>),
    Idle,
    Stop,
    Closed,
}

/// One SMTP connection's loop.
async fn sender(shared: Arc<Shared>, jobs: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>, stop: CancellationToken) {
    let mut conn: Option<Connection> = None;
    loop {
        let next = {
            let mut rx = jobs.lock().await;
            tokio::select! {
                biased;
                _ = stop.cancelled() => Next::Stop,
                job = rx.recv() => job.map_or(Next::Closed, |j| Next::Job(Box::new(j))),
                _ = tokio::time::sleep(IDLE), if conn.is_some() => Next::Idle,
            }
        };
        match next {
            Next::Job(job) => shared.handle(&mut conn, *job).await,
            Next::Idle => {
                if let Some(c) = conn.take() {
                    smtp::quit(c.smtp).await;
                }
            }
            Next::Stop => {
                // Hand back what was claimed and not started; the dispatcher has stopped.
                loop {
                    let job = jobs.lock().await.recv().await;
                    match job {
                        Some(job) => shared.release(&job, "worker stopping"),
                        None => break,
                    }
                }
                break;
            }
            Next::Closed => break,
        }
    }
    if let Some(c) = conn {
        smtp::quit(c.smtp).await;
    }
}

struct Connection {
    smtp: AsyncSmtpConnection,
    /// Has carried a mail already (so a failure on the next one may just mean it went stale).
    used: bool,
}

impl Shared {
    fn release(&self, job: &Job, why: &str) {
        self.recorder.push(
            job.tenant(),
            Record {
                attempt: job.attempt,
                mail: job.mail,
                outcome: AttemptOutcome::Released,
                detail: why.to_owned(),
                status: MailStatus::Queued,
                retry_in: Duration::ZERO,
            },
        );
    }

    fn finish(&self, job: &Job, outcome: AttemptOutcome, detail: String) {
        let (status, retry_in) = match outcome {
            AttemptOutcome::Sent => (MailStatus::Sent, Duration::ZERO),
            AttemptOutcome::Rejected => (MailStatus::Failed, Duration::ZERO),
            AttemptOutcome::Uncertain => (MailStatus::Uncertain, Duration::ZERO),
            AttemptOutcome::Released => (MailStatus::Queued, Duration::ZERO),
            AttemptOutcome::Deferred if chrono::Utc::now() - job.created_at > job.kind.give_up_after() => {
                (MailStatus::Failed, Duration::ZERO)
            }
            AttemptOutcome::Deferred => (MailStatus::Queued, backoff(job.attempts)),
        };
        if outcome != AttemptOutcome::Sent {
            tracing::warn!(mail = %job.mail, tenant = %job.tenant(), attempts = job.attempts, status = status.as_str(), %detail, "mail not sent");
        }
        self.recorder.push(
            job.tenant(),
            Record {
                attempt: job.attempt,
                mail: job.mail,
                outcome,
                detail,
                status,
                retry_in,
            },
        );
    }

    async fn handle(&self, conn: &mut Option<Connection>, job: Job) {
        let (endpoint, sender) = match &self.transport {
            Transport::Log => {
                tracing::info!(mail = %job.mail, tenant = %job.tenant(), to = %job.to, subject = %job.subject,
                    body = %job.text, "mail (no SMTP configured; logged instead of sent)");
                return self.finish(&job, AttemptOutcome::Sent, "logged".into());
            }
            Transport::Smtp { endpoint, sender } => (endpoint, sender),
        };
        let unsubscribe_url = match (&job.unsubscribe_token, job.kind.is_list_mail()) {
            (Some(token), true) => Some(job.space.unsubscribe_url(&self.link_base, token)),
            (None, true) => {
                tracing::error!(mail = %job.mail, "list mail without an unsubscribe token; not sent");
                return self.finish(&job, AttemptOutcome::Rejected, "no unsubscribe token".into());
            }
            _ => None,
        };
        let draft = Draft {
            to: &job.to,
            subject: &job.subject,
            text: &job.text,
            message_id: &job.message_id,
            unsubscribe_url: unsubscribe_url.as_deref(),
            attachment: job.attachment.as_ref(),
        };
        let (to, message) = match render::message(sender, &job.space, &draft) {
            Ok(built) => built,
            Err(error) => return self.finish(&job, AttemptOutcome::Rejected, error.to_string()),
        };
        for retry_on_fresh_connection in [true, false] {
            if self.breaker.is_open() {
                return self.release(&job, "SMTP server unavailable");
            }
            let c = match conn {
                Some(c) => c,
                None => match endpoint.connect().await {
                    Ok(smtp) => conn.insert(Connection { smtp, used: false }),
                    Err(failure) => {
                        let detail = format!("cannot connect to the SMTP server: {failure}");
                        self.breaker.trip(&detail);
                        return self.finish(&job, AttemptOutcome::Deferred, detail);
                    }
                },
            };
            let gate = self.gate.pass(job.tenant(), job.mail, job.attempt);
            let outcome = smtp::deliver(&mut c.smtp, sender, &to, &message, gate).await;
            if outcome.stale && c.used && retry_on_fresh_connection {
                // The server closed it while idle; nothing was said about this mail yet.
                conn.take();
                continue;
            }
            c.used = true;
            if !outcome.reusable
                && let Some(c) = conn.take()
            {
                let mut smtp = c.smtp;
                smtp.abort().await;
            }
            return match outcome.delivery {
                Delivery::Sent(reply) => {
                    self.breaker.succeeded();
                    self.finish(&job, AttemptOutcome::Sent, reply)
                }
                Delivery::Rejected(reply) => {
                    self.breaker.succeeded();
                    self.finish(&job, AttemptOutcome::Rejected, reply)
                }
                Delivery::Deferred(reply) => {
                    match &outcome.server_error {
                        Some(error) => self.breaker.trip(error),
                        None => self.breaker.deferred(&reply),
                    }
                    self.finish(&job, AttemptOutcome::Deferred, reply)
                }
                Delivery::Uncertain(error) => self.finish(&job, AttemptOutcome::Uncertain, error),
                // Another worker took this mail back; it records what becomes of it.
                Delivery::Superseded => {}
            };
        }
    }
}

/// 1 s after the first failure, doubling, at most [`MAX_BACKOFF`].
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 7) - 1;
    Duration::from_secs(1 << exponent).min(MAX_BACKOFF)
}

/// A task aborted when dropped, so a worker dropped mid-way (a crash, in tests) stops entirely.
struct OwnedTask<T>(Option<tokio::task::JoinHandle<T>>);

impl<T> OwnedTask<T> {
    async fn join(mut self) -> Option<T> {
        self.0.take()?.await.ok()
    }
}

impl<T> Drop for OwnedTask<T> {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            handle.abort();
        }
    }
}

/// Hands out gate passes: commits "about to send DATA" for every waiting sender at once.
#[derive(Clone)]
struct Gate(mpsc::UnboundedSender<(TenantId, GatePass)>);

/// One sender's request: (mail, attempt, where to answer).
type GatePass = (Uuid, Uuid, oneshot::Sender<smtp::GateAnswer>);

impl Gate {
    /// Whether this worker still owns the attempt, now marked as handing the message over.
    async fn pass(&self, tenant: TenantId, mail: Uuid, attempt: Uuid) -> smtp::GateAnswer {
        let (answer, answered) = oneshot::channel();
        if self.0.send((tenant, (mail, attempt, answer))).is_err() {
            return smtp::GateAnswer::Unavailable;
        }
        answered.await.unwrap_or(smtp::GateAnswer::Unavailable)
    }
}

fn spawn_gate(db: TenantDb, lease: Duration) -> (Gate, OwnedTask<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(TenantId, GatePass)>();
    let task = tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut by_tenant: HashMap<TenantId, Vec<GatePass>> = HashMap::new();
            let mut count = 0;
            let mut next = Some(first);
            while let Some((tenant, pass)) = next {
                by_tenant.entry(tenant).or_default().push(pass);
                count += 1;
                next = if count < FLUSH_MAX { rx.try_recv().ok() } else { None };
            }
            for (tenant, waiting) in by_tenant {
                let mails: Vec<Uuid> = waiting.iter().map(|(m, _, _)| *m).collect();
                let attempts: Vec<Uuid> = waiting.iter().map(|(_, a, _)| *a).collect();
                let passed: Option<HashSet<Uuid>> = match async {
                    let mut tx = db.begin_in(tenant).await?;
                    let passed = claim::pass_gate(&mut tx, &mails, &attempts, lease).await?;
                    tx.commit().await?;
                    Ok::<_, sqlx::Error>(passed)
                }
                .await
                {
                    Ok(passed) => Some(passed.into_iter().collect()),
                    Err(error) => {
                        // Not recorded, so not handed over: these mails will be tried again.
                        tracing::warn!(%tenant, %error, "mail gate unavailable");
                        None
                    }
                };
                for (_, attempt, answer) in waiting {
                    let _ = answer.send(match &passed {
                        Some(passed) if passed.contains(&attempt) => smtp::GateAnswer::Pass,
                        Some(_) => smtp::GateAnswer::Refused,
                        None => smtp::GateAnswer::Unavailable,
                    });
                }
            }
        }
    });
    (Gate(tx), OwnedTask(Some(task)))
}

/// Stores outcomes as they come, grouping whatever is waiting into one transaction per space.
#[derive(Clone)]
struct Recorder(mpsc::UnboundedSender<(TenantId, Record)>);

impl Recorder {
    fn push(&self, tenant: TenantId, record: Record) {
        if self.0.send((tenant, record)).is_err() {
            tracing::error!("mail recorder gone; the lease will settle this attempt");
        }
    }
}

/// The task returns how many mails it marked `sent`.
fn spawn_recorder(db: TenantDb) -> (Recorder, OwnedTask<u64>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(TenantId, Record)>();
    let task = tokio::spawn(async move {
        let mut sent = 0;
        while let Some(first) = rx.recv().await {
            let mut by_tenant: HashMap<TenantId, Vec<Record>> = HashMap::new();
            let mut count = 0;
            let mut next = Some(first);
            while let Some((tenant, record)) = next {
                by_tenant.entry(tenant).or_default().push(record);
                count += 1;
                next = if count < FLUSH_MAX { rx.try_recv().ok() } else { None };
            }
            for (tenant, records) in by_tenant {
                sent += store(&db, tenant, &records).await;
            }
        }
        sent
    });
    (Recorder(tx), OwnedTask(Some(task)))
}

/// Stores outcomes, retrying for a while if the database is away. If it stays away the leases
/// settle these attempts (`sent` ones then show as `uncertain`: visible, not duplicated).
#[tracing::instrument(name = "job.mail_record", target = "ecoute::jobs", skip_all, fields(otel.kind = "internal", ecoute.tenant_id = %tenant, outcomes = records.len()))]
async fn store(db: &TenantDb, tenant: TenantId, records: &[Record]) -> u64 {
    let mut delay = Duration::from_millis(100);
    for _ in 0..8 {
        let result = async {
            let mut tx = db.begin_in(tenant).await?;
            let sent = claim::record(&mut tx, records).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(sent)
        }
        .await;
        match result {
            Ok(sent) => {
                let failed = records.iter().filter(|r| r.status == MailStatus::Failed).count();
                crate::telemetry::metrics::mail_outcomes(tenant.uuid(), sent, failed as u64);
                return sent;
            }
            Err(error) => {
                tracing::warn!(%tenant, %error, "cannot record mail outcomes; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
    tracing::error!(%tenant, outcomes = records.len(), "mail outcomes not recorded; leases will settle them");
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_outage_counts_once_and_probes_stay_frequent() {
        let breaker = Breaker::new(4);
        let delay = |b: &Breaker| b.state.lock().unwrap().delay;
        // Four senders fail at once: one outage, the first wait.
        for _ in 0..4 {
            breaker.trip("connection refused");
        }
        assert_eq!(delay(&breaker), Duration::from_secs(1));
        assert!(breaker.is_open());
        // Each failed probe doubles the wait, up to the cap.
        let mut waits = Vec::new();
        for _ in 0..5 {
            breaker.probing();
            breaker.trip("connection refused");
            waits.push(delay(&breaker).as_secs());
            // A late failure of a sender that left before the probe changes nothing.
            breaker.trip("connection refused");
            assert_eq!(delay(&breaker).as_secs(), *waits.last().unwrap());
        }
        assert_eq!(waits, vec![2, 3, 3, 3, 3]);
        breaker.succeeded();
        assert!(matches!(breaker.check(), BreakerCheck::Closed));
    }

    #[test]
    fn backoff_is_capped() {
        let waits: Vec<u64> = (1..=9).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn give_up_depends_on_kind() {
        use crate::mail::MailKind;
        assert!(MailKind::SignIn.give_up_after() < MailKind::Invitation.give_up_after());
    }
}
