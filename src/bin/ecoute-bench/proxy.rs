//! Statements per page: a counting proxy on the PostgreSQL wire. It parses the frontend
//! protocol (message types and lengths only) and counts what reaches the server.

use super::*;

// ---------------------------------------------------------------------------------------------
// Statements per page: a counting proxy on the PostgreSQL wire

#[derive(Default)]
pub(super) struct WireCount {
    /// `Query` (simple protocol) and `Execute` (extended protocol) messages.
    pub(super) statements: AtomicU64,
    /// `Query` and `Sync` messages: each waits for the server's `ReadyForQuery`.
    pub(super) round_trips: AtomicU64,
    /// `Parse` messages: statements prepared (sqlx caches them per connection).
    pub(super) parses: AtomicU64,
}

impl WireCount {
    pub(super) fn snapshot(&self) -> [u64; 3] {
        [
            self.statements.load(Ordering::SeqCst),
            self.round_trips.load(Ordering::SeqCst),
            self.parses.load(Ordering::SeqCst),
        ]
    }
}

/// Frontend message parser: only message types and lengths, bytes are passed through as is.
#[derive(Default)]
pub(super) struct FrontendParser {
    pub(super) started: bool,
    pub(super) header: Vec<u8>,
    pub(super) skip: usize,
}

impl FrontendParser {
    pub(super) fn feed(&mut self, mut data: &[u8], count: &WireCount) {
        while !data.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(data.len());
                self.skip -= n;
                data = &data[n..];
                continue;
            }
            // Startup-phase messages have no type byte: length and a protocol code.
            let want = if self.started { 5 } else { 8 };
            let n = (want - self.header.len()).min(data.len());
            self.header.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.header.len() < want {
                continue;
            }
            if self.started {
                let len = u32::from_be_bytes(self.header[1..5].try_into().expect("4 bytes")) as usize;
                match self.header[0] {
                    b'Q' => {
                        count.statements.fetch_add(1, Ordering::SeqCst);
                        count.round_trips.fetch_add(1, Ordering::SeqCst);
                    }
                    b'E' => {
                        count.statements.fetch_add(1, Ordering::SeqCst);
                    }
                    b'S' => {
                        count.round_trips.fetch_add(1, Ordering::SeqCst);
                    }
                    b'P' => {
                        count.parses.fetch_add(1, Ordering::SeqCst);
                    }
                    _ => {}
                }
                self.skip = len.saturating_sub(4);
            } else {
                let len = u32::from_be_bytes(self.header[0..4].try_into().expect("4 bytes")) as usize;
                let code = u32::from_be_bytes(self.header[4..8].try_into().expect("4 bytes"));
                // SSLRequest and GSSENCRequest are followed by another startup message.
                self.started = !matches!(code, 80877103 | 80877104);
                self.skip = len.saturating_sub(8);
            }
            self.header.clear();
        }
    }
}

pub(super) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

pub(super) enum Upstream {
    Unix(PathBuf),
    Tcp(String, u16),
}

impl Upstream {
    pub(super) fn of(options: &PgConnectOptions) -> Self {
        let port = options.get_port();
        match options.get_socket() {
            Some(dir) => Upstream::Unix(dir.join(format!(".s.PGSQL.{port}"))),
            None if options.get_host().starts_with('/') => {
                Upstream::Unix(Path::new(options.get_host()).join(format!(".s.PGSQL.{port}")))
            }
            None => Upstream::Tcp(options.get_host().to_owned(), port),
        }
    }

    pub(super) async fn connect(&self) -> std::io::Result<Box<dyn Io>> {
        Ok(match self {
            Upstream::Unix(path) => Box::new(UnixStream::connect(path).await?),
            Upstream::Tcp(host, port) => {
                let stream = TcpStream::connect((host.as_str(), *port)).await?;
                stream.set_nodelay(true)?;
                Box::new(stream)
            }
        })
    }
}

/// Listens on `<dir>/.s.PGSQL.<port>` and forwards to where `target` points, counting.
pub(super) async fn start_proxy(
    target: &PgConnectOptions,
    stop: CancellationToken,
) -> anyhow::Result<(PathBuf, Arc<WireCount>)> {
    let dir = std::env::temp_dir().join(format!("ecoute-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let socket = dir.join(format!(".s.PGSQL.{}", target.get_port()));
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket).with_context(|| format!("cannot listen on {}", socket.display()))?;
    let upstream = Arc::new(Upstream::of(target));
    let count = Arc::new(WireCount::default());
    let counter = count.clone();
    tokio::spawn(async move {
        loop {
            let client = tokio::select! {
                _ = stop.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok((client, _)) => client,
                    Err(_) => continue,
                },
            };
            let (upstream, counter) = (upstream.clone(), counter.clone());
            tokio::spawn(async move {
                if let Ok(server) = upstream.connect().await {
                    let _ = pipe(client, server, &counter).await;
                }
            });
        }
    });
    Ok((dir, count))
}

pub(super) async fn pipe(client: UnixStream, server: Box<dyn Io>, count: &WireCount) -> std::io::Result<()> {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = tokio::io::split(server);
    let down = tokio::spawn(async move { tokio::io::copy(&mut server_read, &mut client_write).await });
    let mut parser = FrontendParser::default();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = client_read.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        // Counted before the server can see it, so before any answer can come back.
        parser.feed(&buf[..n], count);
        server_write.write_all(&buf[..n]).await?;
    }
    let _ = server_write.shutdown().await;
    down.abort();
    Ok(())
}

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
    let (dir, count) = start_proxy(&db.app, stop.clone()).await?;
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
            let request = get_request(&format!("/consultations/{slug}"), host, &cookie);
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
                let before = count.snapshot();
                let response = conn.send(&request).await?;
                let after = count.snapshot();
                if response.status != 200 {
                    bail!("GET /consultations/{slug} ({who}) answered {}", response.status);
                }
                page.statements.push(after[0] - before[0]);
                page.round_trips.push(after[1] - before[1]);
                page.parses.push(after[2] - before[2]);
            }
            results.push(page);
        }
    }
    stop.cancel();
    let _ = task.await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(results)
}
