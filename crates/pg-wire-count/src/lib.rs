//! A PostgreSQL wire proxy that counts what a client really sends to the server.
//!
//! `pg_stat_statements` needs `shared_preload_libraries` (a server restart), and a client
//! library's statement log misses `BEGIN` and pool pings; the wire sees everything. The proxy
//! listens on a Unix socket named like PostgreSQL's own (`<dir>/.s.PGSQL.<port>`, so a client
//! points its socket directory at `dir`), forwards every byte both ways unchanged, and parses
//! the frontend protocol (message types and lengths only) to count:
//! - **statements**: `Query` (simple protocol) and `Execute` (extended protocol) messages;
//! - **round trips**: `Query` and `Sync` messages, each of which waits for `ReadyForQuery`;
//! - **prepares**: `Parse` messages.
//!
//! Counts are taken before the bytes reach the server, so a client that has its answer has
//! been counted. Used by `ecoute-bench` to measure statements per page; it knows nothing of
//! ecoute.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixListener, UnixStream};
use tokio::task::JoinHandle;

/// What went through the proxy so far, from every client.
#[derive(Debug, Default)]
pub struct WireCount {
    statements: AtomicU64,
    round_trips: AtomicU64,
    parses: AtomicU64,
}

/// A reading of [`WireCount`]; subtract two to count what happened between them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// `Query` and `Execute` messages.
    pub statements: u64,
    /// `Query` and `Sync` messages.
    pub round_trips: u64,
    /// `Parse` messages (statements prepared).
    pub parses: u64,
}

impl std::ops::Sub for Counts {
    type Output = Counts;
    fn sub(self, earlier: Counts) -> Counts {
        Counts {
            statements: self.statements - earlier.statements,
            round_trips: self.round_trips - earlier.round_trips,
            parses: self.parses - earlier.parses,
        }
    }
}

impl WireCount {
    /// The counts now.
    pub fn snapshot(&self) -> Counts {
        Counts {
            statements: self.statements.load(Ordering::SeqCst),
            round_trips: self.round_trips.load(Ordering::SeqCst),
            parses: self.parses.load(Ordering::SeqCst),
        }
    }

    fn message(&self, kind: u8) {
        let add = |counter: &AtomicU64| {
            counter.fetch_add(1, Ordering::SeqCst);
        };
        match kind {
            b'Q' => {
                add(&self.statements);
                add(&self.round_trips);
            }
            b'E' => add(&self.statements),
            b'S' => add(&self.round_trips),
            b'P' => add(&self.parses),
            _ => {}
        }
    }
}

/// Frontend message parser of one connection: reads message headers, skips bodies, and
/// copes with messages split across reads in any way.
#[derive(Debug, Default)]
pub struct FrontendParser {
    /// Past the startup phase (whose messages have no type byte).
    started: bool,
    header: Vec<u8>,
    skip: usize,
}

impl FrontendParser {
    /// Counts the messages that `data`, the next bytes from the client, completes.
    pub fn feed(&mut self, mut data: &[u8], count: &WireCount) {
        while !data.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(data.len());
                self.skip -= n;
                data = &data[n..];
                continue;
            }
            // Startup-phase messages: length and a protocol code; then type byte and length.
            let want = if self.started { 5 } else { 8 };
            let n = (want - self.header.len()).min(data.len());
            self.header.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.header.len() < want {
                continue;
            }
            let be = |bytes: &[u8]| u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
            if self.started {
                count.message(self.header[0]);
                self.skip = be(&self.header[1..5]).saturating_sub(4);
            } else {
                let (len, code) = (be(&self.header[0..4]), be(&self.header[4..8]));
                // SSLRequest and GSSENCRequest are followed by another startup message.
                self.started = !matches!(code, 80877103 | 80877104);
                self.skip = len.saturating_sub(8);
            }
            self.header.clear();
        }
    }
}

/// Where the proxy forwards to.
#[derive(Debug, Clone)]
pub enum Upstream {
    /// A Unix socket file (`<dir>/.s.PGSQL.<port>`).
    Unix(PathBuf),
    /// A TCP host and port.
    Tcp(String, u16),
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

impl Upstream {
    /// The upstream a PostgreSQL client would reach with this host (a directory for a socket
    /// when it starts with `/`) and port.
    pub fn of(host: &str, socket_dir: Option<&Path>, port: u16) -> Self {
        match socket_dir {
            Some(dir) => Upstream::Unix(dir.join(format!(".s.PGSQL.{port}"))),
            None if host.starts_with('/') => Upstream::Unix(Path::new(host).join(format!(".s.PGSQL.{port}"))),
            None => Upstream::Tcp(host.to_owned(), port),
        }
    }

    async fn connect(&self) -> std::io::Result<Box<dyn Io>> {
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

/// A running proxy; it stops when dropped.
pub struct Proxy {
    dir: PathBuf,
    count: Arc<WireCount>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Listens on `<dir>/.s.PGSQL.<port>` (creating `dir`) and forwards to `upstream`.
    pub fn start(dir: &Path, port: u16, upstream: Upstream) -> std::io::Result<Proxy> {
        std::fs::create_dir_all(dir)?;
        let socket = dir.join(format!(".s.PGSQL.{port}"));
        let _ = std::fs::remove_file(&socket);
        let listener = UnixListener::bind(&socket)?;
        let upstream = Arc::new(upstream);
        let count = Arc::new(WireCount::default());
        let counter = count.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, counter) = (upstream.clone(), counter.clone());
                tokio::spawn(async move {
                    if let Ok(server) = upstream.connect().await {
                        let _ = pipe(client, server, &counter).await;
                    }
                });
            }
        });
        Ok(Proxy {
            dir: dir.to_owned(),
            count,
            task,
        })
    }

    /// The directory to give a client as its socket directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The counts so far.
    pub fn count(&self) -> &WireCount {
        &self.count
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn pipe(client: UnixStream, server: Box<dyn Io>, count: &WireCount) -> std::io::Result<()> {
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

#[cfg(test)]
mod tests;
