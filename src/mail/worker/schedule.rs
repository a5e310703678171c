//! When the dispatcher wakes: notifications, the sweep, and the timers of retries and rate
//! windows.

use super::*;

pub(super) async fn sleep_until(until: Option<Instant>) {
    match until {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The space a notification names; `None` when notifications may have been missed (the listener
/// reconnected, or cannot: then after a pause, so a database outage does not spin the loop).
pub(super) async fn notification(listener: &mut Option<PgListener>) -> Option<TenantId> {
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
pub(super) fn instant_of(at: chrono::DateTime<chrono::Utc>) -> Instant {
    let ahead = (at - chrono::Utc::now()).to_std().unwrap_or_default();
    Instant::now() + ahead
}

/// Which spaces to visit, in turn.
#[derive(Default)]
pub(super) struct Schedule {
    pub(super) hot: VecDeque<TenantId>,
    pub(super) queued: HashSet<TenantId>,
    pub(super) timers: BinaryHeap<Reverse<(Instant, TenantId)>>,
}

impl Schedule {
    pub(super) fn wake(&mut self, tenant: TenantId) {
        if self.queued.insert(tenant) {
            self.hot.push_back(tenant);
        }
    }

    pub(super) fn wake_at(&mut self, at: Instant, tenant: TenantId) {
        self.timers.push(Reverse((at, tenant)));
    }

    pub(super) fn fire_due(&mut self, now: Instant) {
        while let Some(Reverse((at, tenant))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            self.wake(tenant);
        }
    }

    pub(super) fn next_timer(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((at, _))| *at)
    }

    pub(super) fn take(&mut self) -> Option<TenantId> {
        let tenant = self.hot.pop_front()?;
        self.queued.remove(&tenant);
        Some(tenant)
    }
}
