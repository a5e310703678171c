//! The circuit breaker: when the SMTP server is unreachable, claiming stops and one mail
//! probes it at growing intervals; one outage counts once, however many senders saw it.

use super::*;

/// Stops claiming while the SMTP server is unreachable, then probes it with one mail at
/// doubling intervals (1 s … 60 s).
pub(super) struct Breaker {
    pub(super) state: Mutex<BreakerState>,
    pub(super) changed: Notify,
    /// Consecutive deferred mails (4xx) that trip it, as if the server were down.
    pub(super) deferrals_to_trip: u32,
}

#[derive(Default)]
pub(super) struct BreakerState {
    pub(super) open_until: Option<Instant>,
    pub(super) delay: Duration,
    pub(super) probing: bool,
    pub(super) deferrals: u32,
}

pub(super) enum BreakerCheck {
    Closed,
    Open(Instant),
    /// The open period is over: claim one mail to try.
    Probe,
    /// A probe is out; wait for its answer.
    Probing,
}

impl Breaker {
    pub(super) fn new(connections: usize) -> Self {
        Breaker {
            state: Mutex::new(BreakerState::default()),
            changed: Notify::new(),
            deferrals_to_trip: (connections as u32 * 2).max(4),
        }
    }

    pub(super) fn check(&self) -> BreakerCheck {
        let state = self.state.lock().expect("breaker lock");
        match state.open_until {
            None => BreakerCheck::Closed,
            Some(_) if state.probing => BreakerCheck::Probing,
            Some(until) if until > Instant::now() => BreakerCheck::Open(until),
            Some(_) => BreakerCheck::Probe,
        }
    }

    /// Whether senders should hand mail back rather than try.
    pub(super) fn is_open(&self) -> bool {
        let state = self.state.lock().expect("breaker lock");
        state.open_until.is_some_and(|until| until > Instant::now())
    }

    pub(super) fn probing(&self) {
        self.state.lock().expect("breaker lock").probing = true;
    }

    /// Opens the breaker on a failure that says the server is unreachable. One outage counts
    /// once: senders already under way when it began fail too, and their failures change
    /// nothing. Only a failed probe lengthens the wait, doubling it up to
    /// [`MAX_PROBE_INTERVAL`], so mail resumes within that of the server's return.
    pub(super) fn trip(&self, why: &str) {
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

    pub(super) fn deferred(&self, why: &str) {
        let mut state = self.state.lock().expect("breaker lock");
        state.deferrals += 1;
        let trip = state.probing || state.deferrals >= self.deferrals_to_trip;
        drop(state);
        if trip {
            self.trip(why);
        }
    }

    pub(super) fn succeeded(&self) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn one_outage_counts_once_and_probes_stay_frequent() {
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
    pub(super) fn backoff_is_capped() {
        let waits: Vec<u64> = (1..=9).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    pub(super) fn give_up_depends_on_kind() {
        use crate::mail::MailKind;
        assert!(MailKind::SignIn.give_up_after() < MailKind::Invitation.give_up_after());
    }
}
