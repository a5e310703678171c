//! The SMTP sink the workers deliver to: a small server on loopback that accepts every
//! message and counts them, distinct (by Message-ID) and in all, so losses and duplicates show.

use super::*;

/// An SMTP server on loopback that stores nothing but how often each Message-ID arrived.
pub(super) struct Sink {
    pub(super) port: u16,
    pub(super) seen: Arc<Mutex<HashMap<String, u32>>>,
    pub(super) total: Arc<AtomicU64>,
}

impl Sink {
    pub(super) async fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let seen = Arc::new(Mutex::new(HashMap::new()));
        let total = Arc::new(AtomicU64::new(0));
        let (s, t) = (seen.clone(), total.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (seen, total) = (s.clone(), t.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, &seen, &total).await;
                });
            }
        });
        Ok(Sink { port, seen, total })
    }

    pub(super) fn distinct(&self) -> u64 {
        self.seen.lock().expect("sink lock").len() as u64
    }

    pub(super) fn total(&self) -> u64 {
        self.total.load(Ordering::SeqCst)
    }
}

pub(super) async fn serve(
    stream: tokio::net::TcpStream,
    seen: &Mutex<HashMap<String, u32>>,
    total: &AtomicU64,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::with_capacity(64 * 1024, read);
    write.write_all(b"220 bench ESMTP\r\n").await?;
    let mut line = Vec::with_capacity(1024);
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).map(|v| v.to_ascii_uppercase()).unwrap_or_default();
        match verb.as_slice() {
            b"EHLO" | b"HELO" => write.write_all(b"250-bench\r\n250 8BITMIME\r\n").await?,
            b"DATA" => {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut message_id = None;
                let mut in_headers = true;
                loop {
                    line.clear();
                    if read.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" {
                        break;
                    }
                    if in_headers {
                        if line == b"\r\n" {
                            in_headers = false;
                        } else if line.len() > 11 && line[..11].eq_ignore_ascii_case(b"message-id:") {
                            message_id = Some(String::from_utf8_lossy(&line[11..]).trim().to_owned());
                        }
                    }
                }
                if let Some(id) = message_id {
                    *seen.lock().expect("sink lock").entry(id).or_default() += 1;
                }
                total.fetch_add(1, Ordering::SeqCst);
                write.write_all(b"250 2.0.0 queued\r\n").await?;
            }
            b"QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => write.write_all(b"250 OK\r\n").await?,
        }
    }
}
