//! The benchmarks' HTTP/1.1 client: hyper's connection-level client, one keep-alive connection
//! per load task and no pool, so that each task sends its requests one after another on its own
//! connection, as a browser tab would, and the client's own cost stays small beside the
//! server's on a shared 2-core machine.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{ACCEPT, ACCEPT_LANGUAGE, CONTENT_TYPE, COOKIE, HOST};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A request the load can send many times (hyper's requests are consumed by sending).
#[derive(Clone, Debug)]
pub struct Req {
    method: Method,
    path: String,
    host: String,
    cookie: String,
    accept: &'static str,
    body: Option<Bytes>,
}

impl Req {
    /// A page, as a French-speaking browser asks for it.
    pub fn page(path: &str, host: &str, cookie: &str) -> Self {
        Req {
            method: Method::GET,
            path: path.to_owned(),
            host: host.to_owned(),
            cookie: cookie.to_owned(),
            accept: "text/html",
            body: None,
        }
    }

    /// A POST to the JSON API, with a JSON body or none.
    pub fn api_post(path: &str, host: &str, cookie: &str, json: Option<String>) -> Self {
        Req {
            method: Method::POST,
            path: path.to_owned(),
            host: host.to_owned(),
            cookie: cookie.to_owned(),
            accept: "application/json",
            body: json.map(Bytes::from),
        }
    }

    fn to_hyper(&self) -> anyhow::Result<Request<Full<Bytes>>> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(&self.path)
            .header(HOST, &self.host)
            .header(ACCEPT, self.accept)
            .header(ACCEPT_LANGUAGE, "fr");
        if !self.cookie.is_empty() {
            builder = builder.header(COOKIE, &self.cookie);
        }
        if self.body.is_some() {
            builder = builder.header(CONTENT_TYPE, "application/json");
        }
        Ok(builder.body(Full::new(self.body.clone().unwrap_or_default()))?)
    }
}

/// An answer: status and whole body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Bytes,
}

/// One keep-alive connection, opened on first use and again after a failure or a
/// `Connection: close`.
pub struct HttpConn {
    addr: SocketAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl HttpConn {
    pub fn new(addr: SocketAddr) -> Self {
        HttpConn { addr, sender: None }
    }

    /// Forgets the connection: the next request opens a new one.
    pub fn reset(&mut self) {
        self.sender = None;
    }

    /// Sends `req` and reads the whole answer; on an error the connection is dropped.
    pub async fn send(&mut self, req: &Req) -> anyhow::Result<Response> {
        let result = self.exchange(req).await;
        if result.is_err() {
            self.reset();
        }
        result
    }

    async fn exchange(&mut self, req: &Req) -> anyhow::Result<Response> {
        if self.sender.as_ref().is_none_or(|sender| sender.is_closed()) {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            self.sender = Some(sender);
        }
        let sender = self.sender.as_mut().expect("connected");
        sender.ready().await?;
        let response = sender.send_request(req.to_hyper()?).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Response { status, body })
    }
}
