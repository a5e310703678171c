//! Layered settings: an optional TOML file, then environment variables, then CLI flags.
//!
//! Everything the process needs to know about its surroundings lives in [`Settings`]:
//! `sources.rs` layers the file, the environment and the flags with `figment`, `checks.rs`
//! turns what they say into typed settings with errors that name the variable. Secrets
//! (database URLs and password, the SMTP URL) are `secrecy::SecretString`s: nothing prints
//! them unless it calls `expose_secret`, and `Debug` shows URLs with the password as `***`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};

mod checks;
pub mod oidc;
mod proxies;
pub mod retention;
mod sources;

pub use proxies::TrustedProxies;
pub use retention::Retention;
pub use sources::Flags;

/// Default address the HTTP server binds to.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default base domain: `gironde.localhost` resolves to loopback in browsers and curl.
pub const DEFAULT_BASE_DOMAIN: &str = "localhost";
/// Default name of the non-owner role the web process connects as.
pub const DEFAULT_APP_ROLE: &str = "ecoute_app";
/// Default writes per client IP and minute on a server.
pub const DEFAULT_WRITE_LIMIT: u32 = 120;
/// Default longest statement a request may run, in seconds: under the 30 s request timeout, so
/// a query whose request has been answered or abandoned does not run on.
pub const DEFAULT_STATEMENT_TIMEOUT_SECONDS: u32 = 25;
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
    pub database_url: Option<SecretString>,
    /// Connection for the application role. When absent it is derived from the owner
    /// connection with the user replaced by `app_role`.
    pub app_database_url: Option<SecretString>,
    /// Name of the non-owner, non-BYPASSRLS role the server runs its queries as.
    pub app_role: String,
    /// Password for `app_role` when it is derived (none with trust or peer auth);
    /// `ECOUTE_APP_DB_PASSWORD`.
    pub app_password: Option<SecretString>,
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
    pub smtp_url: Option<SecretString>,
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
    /// The longest statement a request's transactions may run (`statement_timeout`), in
    /// seconds; `None`: no limit (`ECOUTE_STATEMENT_TIMEOUT_SECONDS`, a number or `off`,
    /// default 25). Background jobs and downloads are not limited.
    pub statement_timeout_seconds: Option<u32>,
    /// How long sign-in requests and sent mail are kept (`ECOUTE_RETENTION_SIGN_IN_DAYS`,
    /// `ECOUTE_RETENTION_MAIL_BODY_DAYS`, `ECOUTE_RETENTION_MAIL_LOG_DAYS`; see [`Retention`]).
    pub retention: Retention,
    /// The OpenID providers (FranceConnect, ProConnect) and the spaces offering them: from the
    /// environment only ([`oidc`]); none by default.
    pub oidc: Vec<oidc::OidcProvider>,
    /// The server key sealing the spaces' own providers' secrets, and the previous one while
    /// rotating: from the environment or a secret file only ([`oidc::server_keys_from`]).
    /// Without it, a space cannot add its own provider.
    pub server_keys: Option<oidc::ServerKeys>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = |secret: &Option<SecretString>| secret.as_ref().map(|url| redact_url(url.expose_secret()));
        f.debug_struct("Settings")
            .field("database_url", &url(&self.database_url))
            .field("app_database_url", &url(&self.app_database_url))
            .field("app_role", &self.app_role)
            .field("app_password", &self.app_password.as_ref().map(|_| "[redacted]"))
            .field("listen", &self.listen)
            .field("base_domain", &self.base_domain)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("tenants_dir", &self.tenants_dir)
            .field("data_dir", &self.data_dir)
            .field("smtp_url", &url(&self.smtp_url))
            .field("mail_from", &self.mail_from)
            .field("smtp_tls", &self.smtp_tls)
            .field("background_jobs", &self.background_jobs)
            .field("mail_sending", &self.mail_sending)
            .field("mail_per_minute", &self.mail_per_minute)
            .field("mail_connections", &self.mail_connections)
            .field("mail_link_base", &self.mail_link_base)
            .field("mail_lease_seconds", &self.mail_lease_seconds)
            .field("write_limit_per_minute", &self.write_limit_per_minute)
            .field("statement_timeout_seconds", &self.statement_timeout_seconds)
            .field("retention", &self.retention)
            .field("oidc", &self.oidc)
            .field("server_keys", &self.server_keys)
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

impl Settings {
    /// Loads settings from an optional TOML file, then the process environment, then the
    /// command line's flags.
    pub fn load(config_file: Option<&std::path::Path>, flags: &Flags) -> anyhow::Result<Self> {
        if let Some(path) = config_file {
            std::fs::File::open(path).with_context(|| format!("cannot read settings file {}", path.display()))?;
        }
        let layers = sources::Layers::gather(config_file, |key| std::env::var(key).ok(), flags)
            .map_err(|error| anyhow::anyhow!("invalid settings: {error}"))?;
        let mut settings = Self::from_layers(layers)?;
        settings.oidc = oidc::providers_from(|key| std::env::var(key).ok())?;
        settings.server_keys = oidc::server_keys_from(|key| std::env::var(key).ok())?;
        Ok(settings)
    }

    /// Settings for tests and tools: defaults everywhere, no environment read.
    pub fn defaults() -> Self {
        let mut settings = Self::from_layers(sources::Layers::default()).expect("default settings are valid");
        settings.write_limit_per_minute = None;
        settings
    }

    /// Settings from a file's text and environment variables (tests).
    #[cfg(test)]
    fn from_text(toml: &str, vars: &[(&str, &str)]) -> anyhow::Result<Self> {
        let env = |key: &str| vars.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned());
        let layers = sources::Layers::gather_text(toml, env).map_err(|error| anyhow::anyhow!("{error}"))?;
        Self::from_layers(layers)
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
    fn secrets_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        let mut s = Settings::defaults();
        s.database_url = Some("postgres://owner:hunter2@db/ecoute".into());
        s.app_password = Some("hunter3".into());
        s.smtp_url = Some("smtps://mailer:hunter4@smtp.example".into());
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("hunter3") && !shown.contains("hunter4"),
            "{shown}"
        );
        assert!(
            shown.contains("postgres://owner:***@db/ecoute"),
            "the rest of the URL is shown: {shown}"
        );
        assert!(shown.contains("smtps://mailer:***@smtp.example"), "{shown}");
        // A secret on its own prints as redacted too.
        assert!(!format!("{:?}", s.app_password).contains("hunter3"));
    }
}
