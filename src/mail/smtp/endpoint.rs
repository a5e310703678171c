//! Where and how to reach the SMTP server: the URL (`smtp://`, `smtps://`, credentials,
//! `?tls=`), and the connection it opens (TCP, greeting, EHLO, TLS, AUTH).

use super::*;

/// Where and how to reach the SMTP server.
#[derive(Clone)]
pub struct SmtpEndpoint {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) tls: SmtpTls,
    pub(super) credentials: Option<Credentials>,
}

impl std::fmt::Debug for SmtpEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpEndpoint")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("credentials", &self.credentials.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl SmtpEndpoint {
    /// `smtp://[user:pass@]host[:port][?tls=required]` (no TLS, or STARTTLS when required) or
    /// `smtps://…` (TLS from the start). `tls` (the `ECOUTE_SMTP_TLS` setting) wins over the URL.
    pub fn parse(url: &str, tls: Option<SmtpTls>) -> anyhow::Result<Self> {
        let (scheme, rest) = url
            .split_once("://")
            .context("the SMTP URL needs a scheme, like smtp://host:25")?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let rest = rest.trim_end_matches('/');
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let from_url = match scheme.to_ascii_lowercase().as_str() {
            "smtps" => SmtpTls::Tls,
            "smtp" => match query
                .into_iter()
                .flat_map(|q| q.split('&'))
                .find_map(|pair| pair.strip_prefix("tls="))
            {
                Some("required") | Some("starttls") => SmtpTls::StartTls,
                Some("opportunistic") => bail!("tls=opportunistic is not supported: use tls=required or none"),
                Some(other) => SmtpTls::parse(other)?,
                None => SmtpTls::None,
            },
            other => bail!("unsupported SMTP URL scheme {other:?}: use smtp:// or smtps://"),
        };
        let tls = tls.unwrap_or(from_url);
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => {
                (h, Some(p.parse::<u16>().context("invalid port in the SMTP URL")?))
            }
            _ => (hostport, None),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            bail!("the SMTP URL has no host");
        }
        let port = port.unwrap_or(match tls {
            SmtpTls::Tls => 465,
            SmtpTls::StartTls => 587,
            SmtpTls::None => 25,
        });
        let credentials = match userinfo {
            Some(u) => {
                let (user, password) = u.split_once(':').unwrap_or((u, ""));
                Some(Credentials::new(percent_decode(user)?, percent_decode(password)?))
            }
            None => None,
        };
        Ok(SmtpEndpoint {
            host: host.to_owned(),
            port,
            tls,
            credentials,
        })
    }

    pub fn tls(&self) -> SmtpTls {
        self.tls
    }

    /// Connects, greets, protects and authenticates.
    pub async fn connect(&self) -> Result<AsyncSmtpConnection, Failure> {
        let hello = ClientId::default();
        let tls = |host: &str| TlsParameters::new(host.to_owned());
        let connect = async {
            let mut conn = AsyncSmtpConnection::connect_tokio1(
                (self.host.as_str(), self.port),
                Some(COMMAND_TIMEOUT),
                &hello,
                match self.tls {
                    SmtpTls::Tls => Some(tls(&self.host)?),
                    _ => None,
                },
                None,
            )
            .await?;
            if self.tls == SmtpTls::StartTls {
                conn.starttls(tls(&self.host)?, &hello).await?;
            }
            if let Some(credentials) = &self.credentials {
                conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials).await?;
            }
            Ok::<_, SmtpError>(conn)
        };
        match tokio::time::timeout(COMMAND_TIMEOUT * 2, connect).await {
            Ok(result) => result.map_err(Failure::Smtp),
            Err(_) => Err(Failure::TimedOut),
        }
    }
}

pub(super) fn percent_decode(text: &str) -> anyhow::Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).context("bad %-escape in the SMTP URL")?;
            out.push(u8::from_str_radix(hex, 16).context("bad %-escape in the SMTP URL")?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).context("the SMTP URL's user or password is not UTF-8")
}
