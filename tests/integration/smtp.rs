//! A minimal SMTP server over real TCP, in the test process, that keeps what it receives.
//!
//! Like a real server it stores a message when its final dot arrives, *then* answers; a
//! [`SinkMode`] makes it refuse (4xx), or answer slowly after storing (the window where a
//! client that dies cannot know whether its message was taken). It can stop listening and
//! start again on the same port, like a server that goes down and comes back.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

/// Addresses starting with this have no mailbox here: `RCPT TO` answers 550, in every mode
/// (the mail bounces).
pub const UNKNOWN_MAILBOX: &str = "inexistant";

/// How the sink answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkMode {
    /// 250 to everything.
    Accept,
    /// 451 to `MAIL FROM`: the server is up but defers all mail.
    DeferAll,
    /// Takes the whole message, then answers 451 (kept in [`SmtpSink::refused`]).
    DeferAfterData,
    /// Stores the message at its final dot, then waits this long before answering 250.
    SlowAccept(Duration),
}

struct State {
    received: Mutex<Vec<ReceivedMail>>,
    refused: Mutex<Vec<ReceivedMail>>,
    mode: Mutex<SinkMode>,
    /// Messages stored whose 250 has not been written yet.
    pending: AtomicUsize,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    state: Arc<State>,
    stop: Arc<Mutex<CancellationToken>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// A port nobody listens on (yet): for a server that is down.
    pub async fn free_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    }

    /// Listens on `port` (0: any).
    pub async fn start_on(port: u16) -> Self {
        let sink = SmtpSink {
            port,
            state: Arc::new(State {
                received: Mutex::default(),
                refused: Mutex::default(),
                mode: Mutex::new(SinkMode::Accept),
                pending: AtomicUsize::new(0),
            }),
            stop: Arc::new(Mutex::new(CancellationToken::new())),
        };
        let port = sink.listen(port).await;
        SmtpSink { port, ..sink }
    }

    async fn listen(&self, port: u16) -> u16 {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = CancellationToken::new();
        *self.stop.lock().unwrap() = stop.clone();
        let state = self.state.clone();
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    _ = stop.cancelled() => return,
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => stream,
                        Err(_) => return,
                    },
                };
                let (state, stop) = (state.clone(), stop.clone());
                tokio::spawn(async move {
                    tokio::select! {
                        _ = stop.cancelled() => {}
                        _ = serve(stream, &state) => {}
                    }
                });
            }
        });
        port
    }

    /// Stops listening and drops every connection: the server is down.
    pub fn stop(&self) {
        self.stop.lock().unwrap().cancel();
    }

    /// Listens again on the same port.
    pub async fn restart(&self) {
        self.listen(self.port).await;
    }

    pub fn set_mode(&self, mode: SinkMode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.state.received.lock().unwrap().clone()
    }

    /// Messages taken in full and then refused with a 4xx.
    pub fn refused(&self) -> Vec<ReceivedMail> {
        self.state.refused.lock().unwrap().clone()
    }

    /// Stored messages whose 250 has not been written yet.
    pub fn pending(&self) -> usize {
        self.state.pending.load(Ordering::SeqCst)
    }
}

fn empty() -> ReceivedMail {
    ReceivedMail {
        from: String::new(),
        to: Vec::new(),
        data: String::new(),
    }
}

async fn serve(stream: tokio::net::TcpStream, state: &State) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
    let mut current = empty();
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let mode = *state.mode.lock().unwrap();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-sink\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            if mode == SinkMode::DeferAll {
                b"451 4.3.0 try again later\r\n"
            } else {
                current = empty();
                current.from = line[10..].trim().to_owned();
                b"250 OK\r\n"
            }
        } else if upper.starts_with("RCPT TO:") {
            let to = line[8..].trim().trim_matches(['<', '>']).to_owned();
            if to.starts_with(UNKNOWN_MAILBOX) {
                b"550 5.1.1 no such mailbox\r\n"
            } else {
                current.to.push(to);
                b"250 OK\r\n"
            }
        } else if upper == "RSET" {
            current = empty();
            b"250 OK\r\n"
        } else if upper == "DATA" {
            let _ = write.write_all(b"354 go ahead\r\n").await;
            while let Ok(Some(data_line)) = lines.next_line().await {
                if data_line == "." {
                    break;
                }
                current.data.push_str(data_line.strip_prefix('.').unwrap_or(&data_line));
                current.data.push('\n');
            }
            let mail = std::mem::replace(&mut current, empty());
            match mode {
                SinkMode::DeferAfterData => {
                    state.refused.lock().unwrap().push(mail);
                    b"451 4.3.0 not now\r\n"
                }
                SinkMode::SlowAccept(delay) => {
                    state.received.lock().unwrap().push(mail);
                    state.pending.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(delay).await;
                    state.pending.fetch_sub(1, Ordering::SeqCst);
                    b"250 queued\r\n"
                }
                _ => {
                    state.received.lock().unwrap().push(mail);
                    b"250 queued\r\n"
                }
            }
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 bye\r\n").await;
            break;
        } else {
            b"250 OK\r\n"
        };
        if write.write_all(reply).await.is_err() {
            break;
        }
    }
}

impl ReceivedMail {
    /// A header's value, unfolded and decoded (RFC 2047), from the message's own header block.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\n\n").next().unwrap_or("");
        let mut unfolded: Vec<String> = Vec::new();
        for line in head.lines() {
            match (line.starts_with([' ', '\t']), unfolded.last_mut()) {
                (true, Some(last)) => last.push_str(line),
                _ => unfolded.push(line.to_owned()),
            }
        }
        unfolded.iter().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| decode_words(value.trim()))
        })
    }

    pub fn message_id(&self) -> String {
        self.header("Message-ID").expect("a Message-ID")
    }

    /// The decoded body of the part with this content type (`text/plain`, `text/html`), nested
    /// multiparts included.
    pub fn part(&self, content_type: &str) -> Option<String> {
        let outer = self.header("Content-Type")?;
        let boundary = outer.split("boundary=").nth(1)?.trim_matches('"');
        let part = self
            .data
            .split(&format!("--{boundary}"))
            .find(|p| p.contains(&format!("Content-Type: {content_type}")))?;
        let (head, body) = part.trim_start_matches('\n').split_once("\n\n")?;
        let body = body.strip_suffix('\n').unwrap_or(body);
        // A part nested in another multipart (the text beside an attachment): look inside it.
        if head.contains("Content-Type: multipart/") {
            let inner = ReceivedMail {
                data: part.trim_start_matches('\n').to_owned(),
                ..self.clone()
            };
            return inner.part(content_type);
        }
        if head.contains("quoted-printable") {
            Some(decode_quoted_printable(body))
        } else if head.contains("base64") {
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(body.replace('\n', ""))
                .ok()?;
            String::from_utf8(bytes).ok()
        } else {
            Some(body.to_owned())
        }
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(byte) = joined.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `=?utf-8?b?…?=` and `=?utf-8?q?…?=` words, the whitespace between them dropped.
fn decode_words(value: &str) -> String {
    use base64::Engine;
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let Some(end) = rest[start + 2..].find("?=").map(|e| start + 2 + e) else {
            break;
        };
        let between = &rest[..start];
        if !(last_was_word && between.trim().is_empty()) {
            out.push_str(between);
        }
        let word = &rest[start + 2..end];
        let mut parts = word.splitn(3, '?');
        let (_charset, encoding, text) = (parts.next(), parts.next(), parts.next().unwrap_or(""));
        // "?=" can end the encoding letter's part too early for q-words with "?=" inside; not here.
        let decoded = match encoding.map(|e| e.to_ascii_lowercase()) {
            Some(e) if e == "b" => base64::engine::general_purpose::STANDARD
                .decode(text)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default(),
            Some(e) if e == "q" => decode_quoted_printable(&text.replace('_', " ")),
            _ => word.to_owned(),
        };
        out.push_str(&decoded);
        rest = &rest[end + 2..];
        last_was_word = true;
    }
    out.push_str(rest);
    out
}
