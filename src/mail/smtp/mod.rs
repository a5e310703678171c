//! One SMTP transaction at a time, command by command, so the worker can record that a mail
//! is about to be handed over *before* the server can accept it.
//!
//! lettre's transports run `MAIL`, `RCPT`, `DATA` and the message in one call. Here the worker
//! drives lettre's connection itself: `MAIL FROM`, `RCPT TO`, then the *gate* (a committed
//! database write, see [`super::worker`]), then `DATA` and the message with its final dot. A
//! server can only accept a message after that dot, so a worker that dies before the gate has
//! delivered nothing, and only a death between the gate and the server's answer leaves a doubt.

use std::future::Future;
use std::time::Duration;

use anyhow::{Context, bail};
use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Quit, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailParameter};
use lettre::transport::smtp::{Error as SmtpError, response::Response};

use crate::config::SmtpTls;

/// Time allowed for connecting (TCP, greeting, EHLO, TLS, AUTH) and for each command.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// Time allowed for sending a message and hearing the answer to its final dot.
const DATA_TIMEOUT: Duration = Duration::from_secs(120);

mod endpoint;

pub use endpoint::*;

/// Why a command got no positive answer.
#[derive(Debug)]
pub enum Failure {
    /// lettre's error: a 4xx or 5xx answer, or a network, TLS or protocol problem.
    Smtp(SmtpError),
    /// No answer within the time allowed.
    TimedOut,
}

impl Failure {
    /// 4xx or 5xx: the server answered, the connection is in a known state.
    fn is_answer(&self) -> bool {
        matches!(self, Failure::Smtp(e) if e.is_transient() || e.is_permanent())
    }

    fn code(&self) -> Option<u16> {
        match self {
            Failure::Smtp(e) => e.status().map(u16::from),
            Failure::TimedOut => None,
        }
    }

    /// The server as a whole is unavailable (421, or no answer at all), as opposed to this one
    /// mail being deferred.
    pub fn server_unavailable(&self) -> bool {
        !self.is_answer() || self.code() == Some(421)
    }

    /// Whether the connection can carry the next mail.
    fn connection_survives(&self) -> bool {
        self.is_answer() && self.code() != Some(421)
    }

    /// What this means for the mail: a 5xx refuses it for good, anything else defers it.
    fn delivery(&self) -> Delivery {
        match self {
            Failure::Smtp(e) if e.is_permanent() => Delivery::Rejected(self.to_string()),
            _ => Delivery::Deferred(self.to_string()),
        }
    }
}

impl std::fmt::Display for Failure {
    /// The error and the server's words, without lettre's nesting.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::TimedOut => f.write_str("the SMTP server did not answer in time"),
            Failure::Smtp(error) => {
                write!(f, "{error}")?;
                let mut source = std::error::Error::source(error);
                while let Some(cause) = source {
                    write!(f, ": {cause}")?;
                    source = cause.source();
                }
                Ok(())
            }
        }
    }
}

/// How one SMTP transaction ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// 250 after the final dot: the server took responsibility.
    Sent(String),
    /// Not accepted, try again later: a 4xx answer, or the connection lost before the final dot.
    Deferred(String),
    /// Refused for good: a 5xx answer.
    Rejected(String),
    /// The final dot went out and no answer came: delivered or not, nobody knows.
    Uncertain(String),
    /// The gate refused: another worker has taken this mail over. Nothing was handed over.
    Superseded,
}

pub(super) async fn command<C: std::fmt::Display>(conn: &mut AsyncSmtpConnection, cmd: C) -> Result<Response, Failure> {
    match tokio::time::timeout(COMMAND_TIMEOUT, conn.command(cmd)).await {
        Ok(result) => result.map_err(Failure::Smtp),
        Err(_) => Err(Failure::TimedOut),
    }
}

/// What the gate says before `DATA`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateAnswer {
    /// Recorded as handing over: go on.
    Pass,
    /// Another worker has taken the mail back: do not send it.
    Refused,
    /// Could not be recorded (database unreachable): do not send it now.
    Unavailable,
}

/// The outcome of [`deliver`], and whether the connection may carry the next mail.
pub struct Transaction {
    pub delivery: Delivery,
    pub reusable: bool,
    /// The server failed before accepting `MAIL FROM` on a connection that had already been
    /// used: probably closed while idle. Nothing happened; retry on a new connection.
    pub stale: bool,
    /// The error, when the server (not this mail) is the problem.
    pub server_error: Option<String>,
}

/// Runs one mail transaction: `MAIL FROM`, `RCPT TO`, `gate`, `DATA`, message, final dot.
/// `gate` must commit that the message is about to be handed over, and answer whether this
/// worker still owns the mail.
pub async fn deliver<G: Future<Output = GateAnswer>>(
    conn: &mut AsyncSmtpConnection,
    sender: &Address,
    to: &Address,
    message: &[u8],
    gate: G,
) -> Transaction {
    let done = |delivery, reusable| Transaction {
        delivery,
        reusable,
        stale: false,
        server_error: None,
    };
    let failed = |failure: Failure, first: bool| {
        let reusable = failure.connection_survives();
        Transaction {
            stale: first && !reusable,
            server_error: failure.server_unavailable().then(|| failure.to_string()),
            delivery: failure.delivery(),
            reusable,
        }
    };
    let mut parameters = Vec::new();
    if !AsRef::<str>::as_ref(to).is_ascii() {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            return done(
                Delivery::Rejected("the address is not ASCII and the server does not support SMTPUTF8".into()),
                true,
            );
        }
        parameters.push(MailParameter::SmtpUtfEight);
    }
    if let Err(error) = command(conn, Mail::new(Some(sender.clone()), parameters)).await {
        return failed(error, true);
    }
    if let Err(error) = command(conn, Rcpt::new(to.clone(), Vec::new())).await {
        let mut outcome = failed(error, false);
        if outcome.reusable && command(conn, Rset).await.is_err() {
            outcome.reusable = false;
        }
        return outcome;
    }
    let not_now = match gate.await {
        GateAnswer::Pass => None,
        GateAnswer::Refused => Some(Delivery::Superseded),
        GateAnswer::Unavailable => Some(Delivery::Deferred(
            "the attempt could not be recorded before DATA; not handed over".into(),
        )),
    };
    if let Some(delivery) = not_now {
        let reusable = command(conn, Rset).await.is_ok();
        return done(delivery, reusable);
    }
    if let Err(error) = command(conn, Data).await {
        // Refused, or lost before a single byte of the message: nothing was accepted.
        return failed(error, false);
    }
    // The message and its final dot in one write: lettre's `message` writes the dot separately,
    // and that small second write waits for the server's delayed ACK (Nagle): 40 ms a mail.
    match tokio::time::timeout(DATA_TIMEOUT, conn.command(DataPayload(message))).await {
        Ok(Ok(response)) => done(Delivery::Sent(reply(&response)), true),
        // The server answered after the dot: a clear refusal.
        Ok(Err(error)) if error.is_transient() || error.is_permanent() => failed(Failure::Smtp(error), false),
        Ok(Err(error)) => done(Delivery::Uncertain(Failure::Smtp(error).to_string()), false),
        Err(_) => done(
            Delivery::Uncertain("no answer to the end of the message within 120 s".into()),
            false,
        ),
    }
}

/// A message as sent after `DATA`: dot-stuffed (RFC 5321 4.5.2), ending with `CRLF . CRLF`.
/// Built messages are 7-bit ASCII (bodies quoted-printable or base64, headers RFC 2047).
pub(super) struct DataPayload<'a>(&'a [u8]);

impl std::fmt::Display for DataPayload<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = String::from_utf8_lossy(self.0);
        let mut at_line_start = true;
        for line in text.split_inclusive('\n') {
            if at_line_start && line.starts_with('.') {
                f.write_str(".")?;
            }
            f.write_str(line)?;
            at_line_start = line.ends_with('\n');
        }
        if text.ends_with("\r\n") {
            f.write_str(".\r\n")
        } else {
            f.write_str("\r\n.\r\n")
        }
    }
}

pub(super) fn reply(response: &Response) -> String {
    format!(
        "{} {}",
        response.code(),
        response.message().collect::<Vec<_>>().join(" ")
    )
}

/// Says goodbye (best effort).
pub async fn quit(mut conn: AsyncSmtpConnection) {
    let _ = tokio::time::timeout(Duration::from_secs(5), conn.command(Quit)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_dot_stuffed_and_terminated() {
        assert_eq!(
            DataPayload(b".a\r\nb\r\n.\r\n..c\r\n").to_string(),
            "..a\r\nb\r\n..\r\n...c\r\n.\r\n"
        );
        assert_eq!(DataPayload(b"x").to_string(), "x\r\n.\r\n");
    }

    #[test]
    fn urls() {
        let e = SmtpEndpoint::parse("smtp://localhost:1025", None).unwrap();
        assert_eq!((e.host.as_str(), e.port, e.tls), ("localhost", 1025, SmtpTls::None));
        let e = SmtpEndpoint::parse("smtps://user%40caf:p%3Ass@smtp.caf.fr", None).unwrap();
        assert_eq!((e.host.as_str(), e.port, e.tls), ("smtp.caf.fr", 465, SmtpTls::Tls));
        assert!(e.credentials.is_some());
        assert!(!format!("{e:?}").contains("p:ss"));
        let e = SmtpEndpoint::parse("smtp://relay?tls=required", None).unwrap();
        assert_eq!((e.port, e.tls), (587, SmtpTls::StartTls));
        let e = SmtpEndpoint::parse("smtp://relay:2525", Some(SmtpTls::StartTls)).unwrap();
        assert_eq!((e.port, e.tls), (2525, SmtpTls::StartTls));
        let e = SmtpEndpoint::parse("smtp://[::1]:2525/", None).unwrap();
        assert_eq!((e.host.as_str(), e.port), ("::1", 2525));
        assert!(SmtpEndpoint::parse("http://relay", None).is_err());
        assert!(SmtpEndpoint::parse("relay:25", None).is_err());
        assert!(SmtpEndpoint::parse("smtp://relay:x", None).is_err());
    }
}
