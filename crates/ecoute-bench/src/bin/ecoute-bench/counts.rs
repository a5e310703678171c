//! Statements per page: a second instance of the application reaches PostgreSQL through the
//! counting proxy of the `pg-wire-count` crate, and each page's count is the difference around
//! it.

use pg_wire_count::{Proxy, Upstream};

use super::*;

/// Per-request counts for one page: statements, round trips and prepares per request.
pub(super) struct PageCounts {
    pub(super) label: String,
    pub(super) statements: Vec<u64>,
    pub(super) round_trips: Vec<u64>,
    pub(super) parses: Vec<u64>,
}

impl PageCounts {
    pub(super) fn min(v: &[u64]) -> u64 {
        v.iter().copied().min().unwrap_or(0)
    }
    pub(super) fn max(v: &[u64]) -> u64 {
        v.iter().copied().max().unwrap_or(0)
    }
    pub(super) fn mean(v: &[u64]) -> f64 {
        v.iter().sum::<u64>() as f64 / v.len().max(1) as f64
    }
}

pub(super) async fn count_statements(
    args: &Args,
    settings: &Settings,
    db: &Database,
    host: &str,
    seed: &Seed,
) -> anyhow::Result<Vec<PageCounts>> {
    let stop = CancellationToken::new();
    let dir = std::env::temp_dir().join(format!("ecoute-bench-{}", std::process::id()));
    let target = &db.app;
    let upstream = Upstream::of(
        target.get_host(),
        target.get_socket().map(PathBuf::as_path),
        target.get_port(),
    );
    let proxy = Proxy::start(&dir, target.get_port(), upstream)
        .with_context(|| format!("cannot listen in {}", dir.display()))?;
    let mut counted = Database::with_options(db.owner.clone(), &db.app_role, None);
    counted.app = db.app.clone().socket(&dir).ssl_mode(PgSslMode::Disable);
    let app = Application::build(settings, &counted, "127.0.0.1:0".parse()?).await?;
    let addr = app.local_addr();
    let task = tokio::spawn(app.run_until(stop.clone().cancelled_owned()));

    let visitor = new_token();
    let (_, session, _) = &seed.people[0];
    let mut results = Vec::new();
    for (who, cookie) in [
        ("anonymous", format!("ecoute_visiteur={visitor}")),
        (
            "signed in",
            format!("ecoute_session={session}; ecoute_visiteur={visitor}"),
        ),
    ] {
        for (slug, ideas) in [(SMALL, args.small_ideas), (BIG, args.ideas)] {
            let request = Req::page(&format!("/consultations/{slug}"), host, &cookie);
            let mut conn = HttpConn::new(addr);
            // Warm-up: tenant cache, prepared statements, pool connections.
            for _ in 0..5 {
                conn.send(&request).await?;
            }
            let mut page = PageCounts {
                label: format!("{who}, {ideas} ideas"),
                statements: Vec::new(),
                round_trips: Vec::new(),
                parses: Vec::new(),
            };
            for _ in 0..args.count_requests {
                let before = proxy.count().snapshot();
                let response = conn.send(&request).await?;
                let counted = proxy.count().snapshot() - before;
                if response.status != 200 {
                    bail!("GET /consultations/{slug} ({who}) answered {}", response.status);
                }
                page.statements.push(counted.statements);
                page.round_trips.push(counted.round_trips);
                page.parses.push(counted.parses);
            }
            results.push(page);
        }
    }
    stop.cancel();
    let _ = task.await;
    drop(proxy);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(results)
}
