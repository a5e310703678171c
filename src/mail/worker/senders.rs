//! Senders: one per SMTP connection, each taking mails from the bounded channel and running
//! the SMTP transaction command by command.

use super::*;

/// What senders share.
pub(super) struct Shared {
    pub(super) transport: Transport,
    pub(super) link_base: String,
    pub(super) breaker: Breaker,
    pub(super) gate: Gate,
    pub(super) recorder: Recorder,
}

pub(super) enum Next {
    Job(Box<Job>),
    Idle,
    Stop,
    Closed,
}

/// One SMTP connection's loop.
pub(super) async fn sender(
    shared: Arc<Shared>,
    jobs: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>,
    stop: CancellationToken,
) {
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

pub(super) struct Connection {
    pub(super) smtp: AsyncSmtpConnection,
    /// Has carried a mail already (so a failure on the next one may just mean it went stale).
    pub(super) used: bool,
}

impl Shared {
    pub(super) fn release(&self, job: &Job, why: &str) {
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

    pub(super) fn finish(&self, job: &Job, outcome: AttemptOutcome, detail: String) {
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

    pub(super) async fn handle(&self, conn: &mut Option<Connection>, job: Job) {
        let (endpoint, sender) = match &self.transport {
            Transport::Log => {
                tracing::info!(mail = %job.mail, tenant = %job.tenant(), to = %job.to, subject = %job.subject,
                    body = %job.text, "mail (no SMTP configured; logged instead of sent)");
                return self.finish(&job, AttemptOutcome::Sent, "logged".into());
            }
            Transport::Smtp { endpoint, sender } => (endpoint, sender),
        };
        let unsubscribe_url = match (&job.unsubscribe_token, job.kind.is_list_mail()) {
            _ if job.follow_token.is_some() => job
                .follow_token
                .as_deref()
                .map(|token| job.space.follow_unsubscribe_url(&self.link_base, token)),
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
            markdown: job.markdown,
            follow: job.follow_token.is_some(),
            lang: job.lang,
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
