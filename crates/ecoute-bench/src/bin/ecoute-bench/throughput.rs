//! GET throughput: the campaign page against the static ceiling (the same bytes from a plain
//! axum server), with wrk when installed, else the in-process client.

use super::*;

// ---------------------------------------------------------------------------------------------
// The static ceiling

pub(super) async fn serve_static(body: Vec<u8>, stop: CancellationToken) -> anyhow::Result<SocketAddr> {
    let body: &'static [u8] = Box::leak(body.into_boxed_slice());
    let router = axum::Router::new()
        .fallback(move || async move { ([(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")], body) });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(stop.cancelled_owned())
            .await
    });
    Ok(addr)
}

// ---------------------------------------------------------------------------------------------
// GET throughput (wrk or the in-process client)

pub(super) struct GetResult {
    pub(super) requests: u64,
    pub(super) seconds: f64,
    pub(super) p50_us: u64,
    pub(super) p99_us: u64,
    pub(super) errors: u64,
    pub(super) note: Option<String>,
    /// CPU time per request of this process (the servers: the one under load and the idle
    /// other) and of its waited-for children (wrk), when `/proc` tells.
    pub(super) cpu_us: Option<CpuPerRequest>,
}

#[derive(Clone, Copy)]
pub(super) struct CpuPerRequest {
    pub(super) server: f64,
    pub(super) client: f64,
}

/// Runs a GET phase and charges the CPU time it used to its requests. Throughput on a machine
/// the load generator shares swings from run to run; CPU per request does not.
pub(super) async fn measured(phase: impl Future<Output = anyhow::Result<GetResult>>) -> anyhow::Result<GetResult> {
    let before = cpu_seconds();
    let mut result = phase.await?;
    if let (Some(before), Some(after)) = (before, cpu_seconds())
        && result.requests > 0
    {
        let per = 1e6 / result.requests as f64;
        result.cpu_us = Some(CpuPerRequest {
            server: (after.0 - before.0) * per,
            client: (after.1 - before.1) * per,
        });
    }
    Ok(result)
}

/// CPU seconds (user + system) of this process and of its waited-for children, from
/// `/proc/self/stat` (fields 14-17, in USER_HZ ticks, 100 per second on Linux).
pub(super) fn cpu_seconds() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after it follow its ')'.
    let fields: Vec<f64> = stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    let tick = |i: usize| fields.get(i - 3).copied();
    Some(((tick(14)? + tick(15)?) / 100.0, (tick(16)? + tick(17)?) / 100.0))
}

impl From<LoadOutcome> for GetResult {
    fn from(mut out: LoadOutcome) -> Self {
        let ok = out.statuses.get(&200).copied().unwrap_or(0);
        GetResult {
            requests: out.sent(),
            seconds: out.elapsed.as_secs_f64(),
            p50_us: out.percentile_us(50.0),
            p99_us: out.percentile_us(99.0),
            errors: out.sent() - ok,
            note: out.first_error.take(),
            cpu_us: None,
        }
    }
}

impl GetResult {
    pub(super) fn per_second(&self) -> f64 {
        (self.requests - self.errors) as f64 / self.seconds
    }
}

pub(super) const WRK_SCRIPT: &str = r#"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("ECOUTE_BENCH %d %d %d %d %d %d %d %d %d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"#;

pub(super) fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

pub(super) async fn run_wrk(
    addr: SocketAddr,
    path: &str,
    host: &str,
    cookie: &str,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<GetResult> {
    let script = std::env::temp_dir().join(format!("ecoute-bench-{}.lua", std::process::id()));
    std::fs::write(&script, WRK_SCRIPT)?;
    let threads = connections.clamp(1, 2);
    let output = tokio::process::Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs()))
        .args(["--timeout", "5s", "-s"])
        .arg(&script)
        .args(["-H", &format!("Host: {host}"), "-H", &format!("Cookie: {cookie}")])
        .args(["-H", "Accept: text/html", "-H", "Accept-Language: fr"])
        .arg(format!("http://{addr}{path}"))
        .output()
        .await
        .context("cannot run wrk (apt-get install wrk, or --get-client own)")?;
    let _ = std::fs::remove_file(&script);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("ECOUTE_BENCH "))
        .with_context(|| {
            format!(
                "unexpected wrk output:\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let n: Vec<u64> = line
        .split_whitespace()
        .map(|v| v.parse::<f64>().map(|f| f as u64))
        .collect::<Result<_, _>>()
        .context("wrk summary")?;
    let [requests, duration_us, connect, read, write, status, timeout, p50, p99] = n[..] else {
        bail!("wrk summary has {} fields", n.len());
    };
    let errors = status + timeout + connect + read + write;
    Ok(GetResult {
        requests,
        seconds: duration_us as f64 / 1e6,
        p50_us: p50,
        p99_us: p99,
        // Socket errors are not requests in wrk's count; non-2xx/3xx answers are.
        errors: status,
        note: (errors > 0).then(|| {
            format!("wrk errors: connect {connect}, read {read}, write {write}, status {status}, timeout {timeout}")
        }),
        cpu_us: None,
    })
}
