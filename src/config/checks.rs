//! From what the layers say to [`Settings`]: defaults filled in, each value parsed and
//! checked, every error naming the environment variable an operator would set.

use std::net::SocketAddr;

use anyhow::{Context, bail};

use super::retention::{DEFAULT_MAIL_BODY_DAYS, DEFAULT_MAIL_LOG_DAYS, DEFAULT_SIGN_IN_DAYS};
use super::sources::{Layers, List, Text};
use super::{
    DEFAULT_APP_ROLE, DEFAULT_BASE_DOMAIN, DEFAULT_LISTEN, DEFAULT_MAIL_CONNECTIONS, DEFAULT_MAIL_LEASE_SECONDS,
    DEFAULT_MAIL_PER_MINUTE, DEFAULT_STATEMENT_TIMEOUT_SECONDS, DEFAULT_WRITE_LIMIT, Retention, Settings, SmtpTls,
    TrustedProxies, is_plain_identifier,
};

impl Settings {
    pub(super) fn from_layers(layers: Layers) -> anyhow::Result<Self> {
        let text = |value: Option<Text>| value.map(|Text(v)| v);
        let listen = text(layers.listen).unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen: SocketAddr = listen
            .trim()
            .parse()
            .with_context(|| format!("ECOUTE_LISTEN must be an address like 127.0.0.1:8080, got {listen:?}"))?;
        let base_domain = text(layers.base_domain)
            .unwrap_or_else(|| DEFAULT_BASE_DOMAIN.into())
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if base_domain.is_empty() || base_domain.contains(['/', ':', ' ']) {
            bail!("ECOUTE_BASE_DOMAIN must be a bare domain name such as caf-ecoute.fr");
        }
        let trusted_proxies = TrustedProxies::parse(&layers.trusted_proxies.map(|List(l)| l).unwrap_or_default())?;
        let app_role = text(layers.app_role).unwrap_or_else(|| DEFAULT_APP_ROLE.into());
        if !is_plain_identifier(&app_role) {
            bail!("ECOUTE_APP_ROLE must be a lowercase SQL identifier, got {app_role:?}");
        }
        let project_dir = std::env::current_dir().context("cannot read the current directory")?;
        let mail_from =
            text(layers.mail_from).unwrap_or_else(|| format!("La Caf à votre écoute <ne-pas-repondre@{base_domain}>"));
        let smtp_tls = text(layers.smtp_tls).map(|v| SmtpTls::parse(&v)).transpose()?;
        let background_jobs = switch("ECOUTE_BACKGROUND_JOBS", layers.background_jobs)?
            .or(switch("ECOUTE_MAIL_WORKER", layers.mail_worker)?)
            .unwrap_or(true);
        let mail_sending = switch("ECOUTE_MAIL_SENDING", layers.mail_sending)?.unwrap_or(true);
        let mail_per_minute = limit(
            "ECOUTE_MAIL_PER_MINUTE",
            layers.mail_per_minute,
            DEFAULT_MAIL_PER_MINUTE,
        )?;
        let mail_connections = number("ECOUTE_MAIL_CONNECTIONS", layers.mail_connections)?;
        let mail_connections = mail_connections.unwrap_or(DEFAULT_MAIL_CONNECTIONS);
        if !(1..=256).contains(&mail_connections) {
            bail!("ECOUTE_MAIL_CONNECTIONS must be between 1 and 256, got {mail_connections}");
        }
        let mail_link_base = text(layers.mail_link_base).unwrap_or_else(|| {
            if base_domain == "localhost" {
                format!("http://{{host}}:{}", listen.port())
            } else {
                "https://{host}".to_owned()
            }
        });
        if !mail_link_base.contains("{host}") || !mail_link_base.starts_with("http") {
            bail!("ECOUTE_MAIL_LINK_BASE must look like https://{{host}}, got {mail_link_base:?}");
        }
        let mail_lease_seconds = number("ECOUTE_MAIL_LEASE_SECONDS", layers.mail_lease_seconds)?;
        let mail_lease_seconds = mail_lease_seconds.unwrap_or(DEFAULT_MAIL_LEASE_SECONDS);
        if mail_lease_seconds == 0 {
            bail!("ECOUTE_MAIL_LEASE_SECONDS must be at least 1");
        }
        let statement_timeout_seconds = limit(
            "ECOUTE_STATEMENT_TIMEOUT_SECONDS",
            layers.statement_timeout_seconds,
            DEFAULT_STATEMENT_TIMEOUT_SECONDS,
        )?;
        if statement_timeout_seconds.is_some_and(|s| s > 3600) {
            bail!("ECOUTE_STATEMENT_TIMEOUT_SECONDS must be at most 3600 (keep it under the 30 s request timeout)");
        }
        let retention = Retention {
            sign_in_days: number("ECOUTE_RETENTION_SIGN_IN_DAYS", layers.retention_sign_in_days)?
                .unwrap_or(DEFAULT_SIGN_IN_DAYS),
            mail_body_days: number("ECOUTE_RETENTION_MAIL_BODY_DAYS", layers.retention_mail_body_days)?
                .unwrap_or(DEFAULT_MAIL_BODY_DAYS),
            mail_log_days: number("ECOUTE_RETENTION_MAIL_LOG_DAYS", layers.retention_mail_log_days)?
                .unwrap_or(DEFAULT_MAIL_LOG_DAYS),
        }
        .checked()?;
        Ok(Settings {
            database_url: layers.database_url,
            app_database_url: layers.app_database_url,
            app_role,
            app_password: layers.app_db_password,
            listen,
            base_domain,
            trusted_proxies,
            tenants_dir: layers.tenants_dir.unwrap_or_else(|| project_dir.join("tenants")),
            data_dir: layers.data_dir.unwrap_or_else(|| project_dir.join(".ecoute")),
            smtp_url: layers.smtp_url,
            write_limit_per_minute: limit(
                "ECOUTE_WRITE_LIMIT_PER_MINUTE",
                layers.write_limit_per_minute,
                DEFAULT_WRITE_LIMIT,
            )?,
            statement_timeout_seconds,
            mail_from,
            smtp_tls,
            background_jobs,
            mail_sending,
            mail_per_minute,
            mail_connections,
            mail_link_base,
            mail_lease_seconds,
            retention,
            oidc: Vec::new(),
            server_keys: None,
        })
    }
}

/// `on` / `off` (or true, 1, yes / false, 0, no).
fn switch(name: &str, value: Option<Text>) -> anyhow::Result<Option<bool>> {
    value
        .map(|Text(v)| parse_switch(&v).with_context(|| format!("{name} must be on or off, got {v:?}")))
        .transpose()
}

fn parse_switch(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Some(true),
        "off" | "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

fn number<N: std::str::FromStr>(name: &str, value: Option<Text>) -> anyhow::Result<Option<N>> {
    value
        .map(|Text(v)| {
            v.trim()
                .parse()
                .ok()
                .with_context(|| format!("{name} must be a number, got {v:?}"))
        })
        .transpose()
}

/// A count (per minute, or of seconds): `off` (or 0) for none, the default when unset.
fn limit(name: &str, value: Option<Text>, default: u32) -> anyhow::Result<Option<u32>> {
    match value {
        Some(Text(v)) if matches!(v.trim(), "0" | "off") => Ok(None),
        Some(Text(v)) => v
            .trim()
            .parse()
            .map(Some)
            .with_context(|| format!("{name} must be a number or off, got {v:?}")),
        None => Ok(Some(default)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_defaults() {
        let s = Settings::from_text(
            "",
            &[
                ("ECOUTE_BASE_DOMAIN", "Caf-Ecoute.FR."),
                ("ECOUTE_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
            ],
        )
        .unwrap();
        assert_eq!(s.base_domain, "caf-ecoute.fr");
        assert_eq!(s.trusted_proxies.len(), 2);
        assert!(s.trusted_proxies.trusts("127.0.0.1".parse().unwrap()));
        assert_eq!(s.listen.to_string(), DEFAULT_LISTEN);
    }

    #[test]
    fn mail_settings() {
        let s = Settings::defaults();
        assert!(s.background_jobs && s.mail_sending);
        assert_eq!(s.mail_per_minute, Some(DEFAULT_MAIL_PER_MINUTE));
        assert_eq!(s.mail_link_base, "http://{host}:8080");
        assert_eq!(s.smtp_tls, None);
        let s = Settings::from_text(
            "",
            &[
                ("ECOUTE_BASE_DOMAIN", "caf-ecoute.fr"),
                ("ECOUTE_MAIL_SENDING", "off"),
                ("ECOUTE_MAIL_PER_MINUTE", "off"),
                ("ECOUTE_SMTP_TLS", "starttls"),
                ("ECOUTE_MAIL_CONNECTIONS", "16"),
            ],
        )
        .unwrap();
        assert!(s.background_jobs && !s.mail_sending, "mail alone stops");
        assert_eq!(s.mail_per_minute, None);
        assert_eq!(s.smtp_tls, Some(SmtpTls::StartTls));
        assert_eq!(s.mail_connections, 16);
        assert_eq!(s.mail_link_base, "https://{host}");
        let s = Settings::from_text("mail_per_minute = 30\nbackground_jobs = false\nsmtp_tls = \"tls\"", &[]).unwrap();
        assert_eq!(
            (s.mail_per_minute, s.background_jobs, s.mail_sending, s.smtp_tls),
            (Some(30), false, true, Some(SmtpTls::Tls))
        );
        // The former name still stops every job, and the new one wins over it.
        let jobs = |vars: &[(&str, &str)]| {
            let s = Settings::from_text("", vars).unwrap();
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
            assert!(Settings::from_text("", &[(key, bad)]).is_err());
        }
    }

    #[test]
    fn statement_timeout() {
        let seconds = |vars: &[(&str, &str)]| Settings::from_text("", vars).unwrap().statement_timeout_seconds;
        assert_eq!(seconds(&[]), Some(DEFAULT_STATEMENT_TIMEOUT_SECONDS));
        assert_eq!(seconds(&[("ECOUTE_STATEMENT_TIMEOUT_SECONDS", "5")]), Some(5));
        assert_eq!(seconds(&[("ECOUTE_STATEMENT_TIMEOUT_SECONDS", "off")]), None);
        assert_eq!(seconds(&[("ECOUTE_STATEMENT_TIMEOUT_SECONDS", "0")]), None);
    }

    #[test]
    fn errors_name_the_variable() {
        for (key, bad) in [
            ("ECOUTE_LISTEN", "localhost"),
            ("ECOUTE_MAIL_CONNECTIONS", "many"),
            ("ECOUTE_MAIL_LEASE_SECONDS", "-1"),
            ("ECOUTE_WRITE_LIMIT_PER_MINUTE", "lots"),
            ("ECOUTE_STATEMENT_TIMEOUT_SECONDS", "-3"),
            ("ECOUTE_STATEMENT_TIMEOUT_SECONDS", "4000000"),
            ("ECOUTE_BACKGROUND_JOBS", "maybe"),
            ("ECOUTE_APP_ROLE", "Robert'); DROP"),
            ("ECOUTE_TRUSTED_PROXIES", "10.0.0.0/40"),
        ] {
            let error = format!("{:#}", Settings::from_text("", &[(key, bad)]).unwrap_err());
            let named = error.contains(key) || key == "ECOUTE_TRUSTED_PROXIES" && error.contains(bad);
            assert!(named, "{key}={bad}: {error}");
        }
    }
}
