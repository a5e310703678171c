//! A small HTTP/1.1 keep-alive client: enough to send the benchmark's requests with distinct
//! cookies and bodies and read each answer (content-length or chunked).

use super::*;

// ---------------------------------------------------------------------------------------------
// A small HTTP/1.1 keep-alive client

pub(super) struct Response {
    pub(super) status: u16,
    pub(super) body: Vec<u8>,
}

pub(super) struct HttpConn {
    pub(super) addr: SocketAddr,
    pub(super) stream: Option<TcpStream>,
    pub(super) buf: Vec<u8>,
}

pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub(super) fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned())
}

pub(super) async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.reserve(16 * 1024);
    if stream.read_buf(buf).await? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// A complete chunked body at the start of `data`: (body, bytes used), or `None` if incomplete.
pub(super) fn parse_chunked(data: &[u8]) -> std::io::Result<Option<(Vec<u8>, usize)>> {
    let mut pos = 0;
    let mut body = Vec::new();
    loop {
        let Some(line) = find(&data[pos..], b"\r\n") else {
            return Ok(None);
        };
        let size = std::str::from_utf8(&data[pos..pos + line])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .ok_or_else(|| invalid("bad chunk size"))?;
        pos += line + 2;
        if size == 0 {
            // Trailers, up to an empty line.
            loop {
                let Some(end) = find(&data[pos..], b"\r\n") else {
                    return Ok(None);
                };
                pos += end + 2;
                if end == 0 {
                    return Ok(Some((body, pos)));
                }
            }
        }
        if data.len() < pos + size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&data[pos..pos + size]);
        pos += size + 2;
    }
}

impl HttpConn {
    pub(super) fn new(addr: SocketAddr) -> Self {
        HttpConn {
            addr,
            stream: None,
            buf: Vec::with_capacity(64 * 1024),
        }
    }

    pub(super) fn reset(&mut self) {
        self.stream = None;
        self.buf.clear();
    }

    pub(super) async fn send(&mut self, request: &[u8]) -> std::io::Result<Response> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
            self.buf.clear();
        }
        let result = self.exchange(request).await;
        if result.is_err() {
            self.reset();
        }
        result
    }

    pub(super) async fn exchange(&mut self, request: &[u8]) -> std::io::Result<Response> {
        let HttpConn { stream, buf, .. } = self;
        let stream = stream.as_mut().expect("connected");
        stream.write_all(request).await?;
        let head_end = loop {
            if let Some(pos) = find(buf, b"\r\n\r\n") {
                break pos + 4;
            }
            read_more(stream, buf).await?;
        };
        let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| invalid("response head is not UTF-8"))?;
        let status: u16 = head
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid("bad status line"))?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        for line in head.split("\r\n").skip(1) {
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse::<usize>().ok();
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.to_ascii_lowercase().contains("chunked");
                } else if name.eq_ignore_ascii_case("connection") {
                    close = value.eq_ignore_ascii_case("close");
                }
            }
        }
        let body = if chunked {
            loop {
                if let Some((body, used)) = parse_chunked(&buf[head_end..])? {
                    buf.drain(..head_end + used);
                    break body;
                }
                read_more(stream, buf).await?;
            }
        } else {
            let length = length.unwrap_or(0);
            while buf.len() < head_end + length {
                read_more(stream, buf).await?;
            }
            let body = buf[head_end..head_end + length].to_vec();
            buf.drain(..head_end + length);
            body
        };
        if close {
            self.reset();
        }
        Ok(Response { status, body })
    }
}

pub(super) fn get_request(path: &str, host: &str, cookie: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nAccept: text/html\r\nAccept-Language: fr\r\n\r\n"
    )
    .into_bytes()
}
