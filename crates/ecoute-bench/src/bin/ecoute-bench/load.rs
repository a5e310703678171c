//! Closed-loop load with the in-process client, on its own runtime, as a separate client
//! process would run it.

use super::*;

// ---------------------------------------------------------------------------------------------
// Closed-loop load with the in-process client

pub(super) type MakeRequest = Arc<dyn Fn(u64) -> Req + Send + Sync>;

pub(super) struct Load {
    pub(super) addr: SocketAddr,
    pub(super) connections: usize,
    pub(super) duration: Duration,
    /// Work items are 0..limit, each sent at most once.
    pub(super) limit: u64,
    pub(super) make: MakeRequest,
    /// Read the `"id"` of 2xx JSON answers.
    pub(super) want_id: bool,
}

impl Load {
    pub(super) fn fixed(addr: SocketAddr, connections: usize, duration: Duration, request: Req) -> Self {
        Load {
            addr,
            connections,
            duration,
            limit: u64::MAX,
            make: Arc::new(move |_| request.clone()),
            want_id: false,
        }
    }
}

#[derive(Default)]
pub(super) struct LoadOutcome {
    pub(super) elapsed: Duration,
    pub(super) latencies_us: Vec<u32>,
    /// Work items answered 2xx, with the id read from the answer when asked.
    pub(super) acked: Vec<(u64, Option<Uuid>)>,
    pub(super) statuses: BTreeMap<u16, u64>,
    pub(super) io_errors: u64,
    pub(super) first_error: Option<String>,
}

impl LoadOutcome {
    pub(super) fn sent(&self) -> u64 {
        self.statuses.values().sum::<u64>() + self.io_errors
    }

    pub(super) fn per_second(&self, n: usize) -> f64 {
        n as f64 / self.elapsed.as_secs_f64()
    }

    pub(super) fn percentile_us(&mut self, p: f64) -> u64 {
        if self.latencies_us.is_empty() {
            return 0;
        }
        self.latencies_us.sort_unstable();
        let rank = ((p / 100.0) * self.latencies_us.len() as f64).ceil() as usize;
        self.latencies_us[rank.clamp(1, self.latencies_us.len()) - 1] as u64
    }
}

pub(super) fn read_id(body: &[u8]) -> Option<Uuid> {
    let needle = b"\"id\":\"";
    let start = body.windows(needle.len()).position(|w| w == needle)? + needle.len();
    std::str::from_utf8(body.get(start..start + 36)?).ok()?.parse().ok()
}

/// Runs the load on its own two-thread runtime (as a separate client process would), so that
/// client tasks do not sit in the server's run queues.
pub(super) async fn run_load(load: Load) -> LoadOutcome {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("bench-client")
            .enable_all()
            .build()
            .expect("client runtime");
        let _ = tx.send(runtime.block_on(drive(load)));
    });
    rx.await.unwrap_or_default()
}

pub(super) async fn drive(load: Load) -> LoadOutcome {
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + load.duration;
    let mut tasks = Vec::new();
    for _ in 0..load.connections {
        let (next, make, addr, limit, want_id) = (next.clone(), load.make.clone(), load.addr, load.limit, load.want_id);
        tasks.push(tokio::spawn(async move {
            let mut out = LoadOutcome::default();
            let mut conn = HttpConn::new(addr);
            while Instant::now() < deadline {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= limit {
                    break;
                }
                let request = make(k);
                let sent = Instant::now();
                match tokio::time::timeout(Duration::from_secs(10), conn.send(&request)).await {
                    Ok(Ok(response)) => {
                        out.latencies_us
                            .push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                        *out.statuses.entry(response.status).or_default() += 1;
                        if (200..300).contains(&response.status) {
                            out.acked
                                .push((k, if want_id { read_id(&response.body) } else { None }));
                        } else if out.first_error.is_none() {
                            let text = String::from_utf8_lossy(&response.body);
                            out.first_error = Some(format!(
                                "{} {}",
                                response.status,
                                text.chars().take(300).collect::<String>()
                            ));
                        }
                    }
                    failed => {
                        out.io_errors += 1;
                        conn.reset();
                        if out.first_error.is_none() {
                            out.first_error = Some(match failed {
                                Ok(Err(e)) => format!("HTTP error: {e:#}"),
                                _ => "no answer within 10 s".into(),
                            });
                        }
                    }
                }
            }
            out
        }));
    }
    let mut total = LoadOutcome::default();
    for task in tasks {
        if let Ok(out) = task.await {
            total.latencies_us.extend(out.latencies_us);
            total.acked.extend(out.acked);
            for (status, n) in out.statuses {
                *total.statuses.entry(status).or_default() += n;
            }
            total.io_errors += out.io_errors;
            total.first_error = total.first_error.or(out.first_error);
        }
    }
    total.elapsed = start.elapsed();
    total
}
