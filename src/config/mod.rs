//! Layered settings: an optional TOML file, then environment variables, then CLI flags.
//!
//! Everything the process needs to know about its surroundings lives in [`Settings`].
//! Secrets (database passwords) are redacted from `Debug` so settings can be logged.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use serde::Deserialize;

mod proxies;

pub use proxies::TrustedProxies;

/// Default address the HTTP server binds to.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default base domain: `gironde.localhost` resolves to loopback in browsers and curl.
pub const DEFAULT_BASE_DOMAIN: &str = "localhost";
/// Default name of the non-owner role the web process connects as.
pub const DEFAULT_APP_ROLE: &str = "ecoute_app";
/// Default writes per client IP and minute on a server.
pub const DEFAULT_WRITE_LIMIT: u32 = 120;
/// Default list and transactional mails one space may send per minute.
pub const DEFAULT_MAIL_PER_MINUTE: u32 = 1000;
/// Default parallel SMTP connections of one mail worker.
pub const DEFAULT_MAIL_CONNECTIONS: usize = 8;
/// Default lease of a claimed mail: how long a worker may hold one before another worker
/// decides it died (longer than any SMTP timeout).
pub const DEFAULT_MAIL_LEASE_SECONDS: u64 = 300;

/// Process-wide settings.
#[derive(Clone)]
pub struct Settings {
    /// Owner connection (migrations, `tenants sync`). `None` means: start the embedded cluster.
    pub database_url: Option<String>,
    /// Connection for the application role. When absent it is derived from the owner
    /// connection with the user replaced by `app_role`.
    pub app_database_url: Option<String>,
    /// Name of the non-owner, non-BYPASSRLS role the server runs its queries as.
    pub app_role: String,
    /// Password for `app_role` when it is derived (none with trust or peer auth).
    pub app_password: Option<String>,
    pub listen: SocketAddr,
    /// Base domain: `<base>` is the national space, `<slug>.<base>` a local one.
    pub base_domain: String,
    /// Peers whose `X-Forwarded-Host` / `X-Forwarded-Proto` headers are believed.
    pub trusted_proxies: TrustedProxies,
    /// Folder of declarative tenant files.
    pub tenants_dir: PathBuf,
    /// Folder for local state (the embedded PostgreSQL cluster).
    pub data_dir: PathBuf,
    /// SMTP server for outgoing mail (`smtp://host:port`, `smtps://user:pass@host`); none: mail is logged.
    pub smtp_url: Option<String>,
    /// Sender of outgoing mail. Its address is the sender of every mail; the display name is
    /// replaced by the space's name (`Caf de la Gironde <ne-pas-repondre@…>`).
    pub mail_from: String,
    /// TLS towards the SMTP server; `None`: as the URL says (`smtps://` is TLS, `smtp://` none,
    /// `smtp://…?tls=required` STARTTLS). `ECOUTE_SMTP_TLS` = `none` | `starttls` | `tls`.
    pub smtp_tls: Option<SmtpTls>,
    /// Run the background jobs (mail sending, metering roll-up, analysis sweep, workshop
    /// retention: `src/jobs.rs`) inside `serve` and `demo` (`ECOUTE_BACKGROUND_JOBS`, default
    /// on). Turn it off on web pods when `ecoute worker` runs them on its own. The former name
    /// `ECOUTE_MAIL_WORKER` is still read: it always stopped every job, not only mail.
    pub background_jobs: bool,
    /// Send queued mail wherever the background jobs run (`ECOUTE_MAIL_SENDING`, default on).
    /// Off, mail stays queued (visible in the deliveries console) and the other jobs go on.
    pub mail_sending: bool,
    /// Mails one space may send per minute, across all workers; `None`: unlimited.
    pub mail_per_minute: Option<u32>,
    /// Parallel SMTP connections of one worker.
    pub mail_connections: usize,
    /// Origin of links in mail that no request made (List-Unsubscribe): `{host}` is replaced by
    /// the space's host name. Default `https://{host}`, or `http://{host}:<port>` when the base
    /// domain is `localhost`.
    pub mail_link_base: String,
    /// How long a worker may hold a claimed mail before another one takes over (seconds).
    pub mail_lease_seconds: u64,
    /// Writes (POST, PUT, PATCH, DELETE) allowed per client IP and minute; `None`: unlimited
    /// (tests and tools). `ECOUTE_WRITE_LIMIT_PER_MINUTE`, default 120 for servers.
    pub write_limit_per_minute: Option<u32>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &self.database_url.as_deref().map(redact_url))
            .field("app_database_url", &self.app_database_url.as_deref().map(redact_url))
            .field("app_role", &self.app_role)
            .field("app_password", &self.app_password.as_ref().map(|_| "[redacted]"))
            .field("listen", &self.listen)
            .field("base_domain", &self.base_domain)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("tenants_dir", &self.tenants_dir)
            .field("data_dir", &self.data_dir)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_from", &self.mail_from)
            .field("smtp_tls", &self.smtp_tls)
            .field("background_jobs", &self.background_jobs)
            .field("mail_sending", &self.mail_sending)
            .field("mail_per_minute", &self.mail_per_minute)
            .field("mail_connections", &self.mail_connections)
            .field("mail_link_base", &self.mail_link_base)
            .field("mail_lease_seconds", &self.mail_lease_seconds)
            .field("write_limit_per_minute", &self.write_limit_per_minute)
            .finish()
    }
}

/// Replaces the password of a connection URL by `***`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme_end + 3], &userinfo[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The optional settings file (`ECOUTE_CONFIG` or `--config`). Every key is optional and
/// environment variables win over it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    app_database_url: Option<String>,
    app_role: Option<String>,
    listen: Option<String>,
    base_domain: Option<String>,
    trusted_proxies: Option<Vec<String>>,
    tenants_dir: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    smtp_tls: Option<String>,
    background_jobs: Option<bool>,
    /// Former name of `background_jobs`.
    mail_worker: Option<bool>,
    mail_sending: Option<bool>,
    /// A number, or `"off"`.
    mail_per_minute: Option<toml::Value>,
    mail_connections: Option<usize>,
    mail_link_base: Option<String>,
    mail_lease_seconds: Option<u64>,
}

impl Settings {
    /// Loads settings from an optional file, then the process environment.
    pub fn load(config_file: Option<&std::path::Path>) -> anyhow::Result<Self> {
        let file: FileSettings = match config_file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read settings file {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("invalid settings file {}", path.display()))?
            }
            None => FileSettings::default(),
        };
        Self::from_sources(file, |key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()))
    }

    fn from_sources(file: FileSettings, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let listen = env("ECOUTE_LISTEN")
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen: SocketAddr = listen
            .parse()
            .with_context(|| format!("ECOUTE_LISTEN must be an address like 127.0.0.1:8080, got {listen:?}"))?;
        let base_domain = env("ECOUTE_BASE_DOMAIN")
            .or(file.base_domain)
            .unwrap_or_else(|| DEFAULT_BASE_DOMAIN.into())
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if base_domain.is_empty() || base_domain.contains(['/', ':', ' ']) {
            bail!("ECOUTE_BASE_DOMAIN must be a bare domain name such as caf-ecoute.fr");
        }
        let proxies: Vec<String> = match env("ECOUTE_TRUSTED_PROXIES") {
            Some(list) => list
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            None => file.trusted_proxies.unwrap_or_default(),
        };
        let trusted_proxies = TrustedProxies::parse(&proxies)?;
        let app_role = env("ECOUTE_APP_ROLE")
            .or(file.app_role)
            .unwrap_or_else(|| DEFAULT_APP_ROLE.into());
        if !is_plain_identifier(&app_role) {
            bail!("ECOUTE_APP_ROLE must be a lowercase SQL identifier, got {app_role:?}");
        }
        let project_dir = std::env::current_dir().context("cannot read the current directory")?;
        let mail_from = env("ECOUTE_MAIL_FROM")
            .or(file.mail_from)
            .unwrap_or_else(|| format!("La Caf à votre écoute <ne-pas-repondre@{base_domain}>"));
        let smtp_tls = env("ECOUTE_SMTP_TLS")
            .or(file.smtp_tls)
            .map(|v| SmtpTls::parse(&v))
            .transpose()?;
        let switch = |name: &str| -> anyhow::Result<Option<bool>> {
            env(name)
                .map(|v| parse_switch(&v).with_context(|| format!("{name} must be on or off, got {v:?}")))
                .transpose()
        };
        let background_jobs = switch("ECOUTE_BACKGROUND_JOBS")?
            .or(switch("ECOUTE_MAIL_WORKER")?)
            .or(file.background_jobs)
            .or(file.mail_worker)
            .unwrap_or(true);
        let mail_sending = switch("ECOUTE_MAIL_SENDING")?.or(file.mail_sending).unwrap_or(true);
        let mail_per_minute = match env("ECOUTE_MAIL_PER_MINUTE").or(file.mail_per_minute.map(|v| match v {
            toml::Value::String(s) => s,
            other => other.to_string(),
        })) {
            Some(v) if v == "0" || v == "off" => None,
            Some(v) => Some(
                v.parse()
                    .with_context(|| format!("ECOUTE_MAIL_PER_MINUTE must be a number or off, got {v:?}"))?,
            ),
            None => Some(DEFAULT_MAIL_PER_MINUTE),
        };
        let mail_connections = match env("ECOUTE_MAIL_CONNECTIONS") {
            Some(v) => v
                .parse()
                .with_context(|| format!("ECOUTE_MAIL_CONNECTIONS must be a number, got {v:?}"))?,
            None => file.mail_connections.unwrap_or(DEFAULT_MAIL_CONNECTIONS),
        };
        if !(1..=256).contains(&mail_connections) {
            bail!("ECOUTE_MAIL_CONNECTIONS must be between 1 and 256, got {mail_connections}");
        }
        let mail_link_base = env("ECOUTE_MAIL_LINK_BASE").or(file.mail_link_base).unwrap_or_else(|| {
            if base_domain == "localhost" {
                format!("http://{{host}}:{}", listen.port())
            } else {
                "https://{host}".to_owned()
            }
        });
        if !mail_link_base.contains("{host}") || !mail_link_base.starts_with("http") {
            bail!("ECOUTE_MAIL_LINK_BASE must look like https://{{host}}, got {mail_link_base:?}");
        }
        let mail_lease_seconds = match env("ECOUTE_MAIL_LEASE_SECONDS") {
            Some(v) => v
                .parse()
                .with_context(|| format!("ECOUTE_MAIL_LEASE_SECONDS must be a number, got {v:?}"))?,
            None => file.mail_lease_seconds.unwrap_or(DEFAULT_MAIL_LEASE_SECONDS),
        };
        if mail_lease_seconds == 0 {
            bail!("ECOUTE_MAIL_LEASE_SECONDS must be at least 1");
        }
        Ok(Settings {
            database_url: env("DATABASE_URL").or(file.database_url),
            app_database_url: env("ECOUTE_APP_DATABASE_URL").or(file.app_database_url),
            app_role,
            app_password: env("ECOUTE_APP_DB_PASSWORD"),
            listen,
            base_domain,
            trusted_proxies,
            tenants_dir: env("ECOUTE_TENANTS_DIR")
                .map(PathBuf::from)
                .or(file.tenants_dir)
                .unwrap_or_else(|| project_dir.join("tenants")),
            data_dir: env("ECOUTE_DATA_DIR")
                .map(PathBuf::from)
                .or(file.data_dir)
                .unwrap_or_else(|| project_dir.join(".ecoute")),
            smtp_url: env("ECOUTE_SMTP_URL").or(file.smtp_url),
            write_limit_per_minute: match env("ECOUTE_WRITE_LIMIT_PER_MINUTE") {
                Some(v) if v == "0" || v == "off" => None,
                Some(v) => Some(
                    v.parse()
                        .with_context(|| format!("ECOUTE_WRITE_LIMIT_PER_MINUTE must be a number, got {v:?}"))?,
                ),
                None => Some(DEFAULT_WRITE_LIMIT),
            },
            mail_from,
            smtp_tls,
            background_jobs,
            mail_sending,
            mail_per_minute,
            mail_connections,
            mail_link_base,
            mail_lease_seconds,
        })
    }

    /// Settings for tests and tools: defaults everywhere, no environment read.
    pub fn defaults() -> Self {
        let mut settings = Self::from_sources(FileSettings::default(), |_| None).expect("default settings are valid");
        settings.write_limit_per_minute = None;
        settings
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (a relay on the same host or network).
    None,
    /// Plain connection upgraded with STARTTLS, required (port 587).
    StartTls,
    /// TLS from the first byte (port 465, `smtps://`).
    Tls,
}

impl SmtpTls {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "none" | "off" => Ok(SmtpTls::None),
            "starttls" | "required" => Ok(SmtpTls::StartTls),
            "tls" | "wrapper" => Ok(SmtpTls::Tls),
            other => bail!("ECOUTE_SMTP_TLS must be none, starttls or tls, got {other:?}"),
        }
    }
}

fn parse_switch(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Some(true),
        "off" | "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// `[a-z_][a-z0-9_]*`: safe to splice into DDL such as `GRANT … TO <role>`.
pub fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && name.len() <= 63
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_defaults() {
        let s = Settings::from_sources(FileSettings::default(), |k| match k {
            "ECOUTE_BASE_DOMAIN" => Some("Caf-Ecoute.FR.".into()),
            "ECOUTE_TRUSTED_PROXIES" => Some("10.0.0.0/8, 127.0.0.1".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.base_domain, "caf-ecoute.fr");
        assert_eq!(s.trusted_proxies.len(), 2);
        assert_eq!(s.listen.to_string(), DEFAULT_LISTEN);
    }

    #[test]
    fn mail_settings() {
        let s = Settings::defaults();
        assert!(s.background_jobs && s.mail_sending);
        assert_eq!(s.mail_per_minute, Some(DEFAULT_MAIL_PER_MINUTE));
        assert_eq!(s.mail_link_base, "http://{host}:8080");
        assert_eq!(s.smtp_tls, None);
        let s = Settings::from_sources(FileSettings::default(), |k| match k {
            "ECOUTE_BASE_DOMAIN" => Some("caf-ecoute.fr".into()),
            "ECOUTE_MAIL_SENDING" => Some("off".into()),
            "ECOUTE_MAIL_PER_MINUTE" => Some("off".into()),
            "ECOUTE_SMTP_TLS" => Some("starttls".into()),
            "ECOUTE_MAIL_CONNECTIONS" => Some("16".into()),
            _ => None,
        })
        .unwrap();
        assert!(s.background_jobs && !s.mail_sending, "mail alone stops");
        assert_eq!(s.mail_per_minute, None);
        assert_eq!(s.smtp_tls, Some(SmtpTls::StartTls));
        assert_eq!(s.mail_connections, 16);
        assert_eq!(s.mail_link_base, "https://{host}");
        let file: FileSettings =
            toml::from_str("mail_per_minute = 30\nbackground_jobs = false\nsmtp_tls = \"tls\"").unwrap();
        let s = Settings::from_sources(file, |_| None).unwrap();
        assert_eq!(
            (s.mail_per_minute, s.background_jobs, s.mail_sending, s.smtp_tls),
            (Some(30), false, true, Some(SmtpTls::Tls))
        );
        // The former name still stops every job, and the new one wins over it.
        let jobs = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let s = Settings::from_sources(FileSettings::default(), |k| {
                vars.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone())
            })
            .unwrap();
            (s.background_jobs, s.mail_sending)
        };
        assert_eq!(jobs(&[("ECOUTE_MAIL_WORKER", "off")]), (false, true));
        assert_eq!(
            jobs(&[("ECOUTE_MAIL_WORKER", "off"), ("ECOUTE_BACKGROUND_JOBS", "on")]),
            (true, true)
        );
        assert_eq!(jobs(&[("ECOUTE_BACKGROUND_JOBS", "off")]), (false, true));
        for (key, bad) in [
            ("ECOUTE_SMTP_TLS", "maybe"),
            ("ECOUTE_MAIL_CONNECTIONS", "0"),
            ("ECOUTE_MAIL_LINK_BASE", "gironde.fr"),
        ] {
            assert!(Settings::from_sources(FileSettings::default(), |k| (k == key).then(|| bad.to_owned())).is_err());
        }
    }

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        let mut s = Settings::defaults();
        s.database_url = Some("postgres://owner:hunter2@db/ecoute".into());
        s.app_password = Some("hunter3".into());
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("hunter3"), "{shown}");
    }
}
