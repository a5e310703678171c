//! The gate (the committed "about to hand over" between `RCPT TO` and `DATA`) and the
//! recorder (outcomes stored right after the server's answer, grouped in short transactions).

use super::*;

/// A task aborted when dropped, so a worker dropped mid-way (a crash, in tests) stops entirely.
pub(super) struct OwnedTask<T>(pub(super) Option<tokio::task::JoinHandle<T>>);

impl<T> OwnedTask<T> {
    pub(super) async fn join(mut self) -> Option<T> {
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
pub(super) struct Gate(pub(super) mpsc::UnboundedSender<(TenantId, GatePass)>);

/// One sender's request: (mail, attempt, where to answer).
type GatePass = (Uuid, Uuid, oneshot::Sender<smtp::GateAnswer>);

impl Gate {
    /// Whether this worker still owns the attempt, now marked as handing the message over.
    pub(super) async fn pass(&self, tenant: TenantId, mail: Uuid, attempt: Uuid) -> smtp::GateAnswer {
        let (answer, answered) = oneshot::channel();
        if self.0.send((tenant, (mail, attempt, answer))).is_err() {
            return smtp::GateAnswer::Unavailable;
        }
        answered.await.unwrap_or(smtp::GateAnswer::Unavailable)
    }
}

pub(super) fn spawn_gate(db: TenantDb, lease: Duration) -> (Gate, OwnedTask<()>) {
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
pub(super) struct Recorder(pub(super) mpsc::UnboundedSender<(TenantId, Record)>);

impl Recorder {
    pub(super) fn push(&self, tenant: TenantId, record: Record) {
        if self.0.send((tenant, record)).is_err() {
            tracing::error!("mail recorder gone; the lease will settle this attempt");
        }
    }
}

/// The task returns how many mails it marked `sent`.
pub(super) fn spawn_recorder(db: TenantDb) -> (Recorder, OwnedTask<u64>) {
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
pub(super) async fn store(db: &TenantDb, tenant: TenantId, records: &[Record]) -> u64 {
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
