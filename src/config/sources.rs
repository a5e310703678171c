//! Where settings come from, layered by `figment`: the optional TOML file, then the
//! environment, then the command line, each later one winning key by key. What comes out is
//! [`Layers`]: every key optional and still as written; `Settings` checks and types them.
//!
//! The environment is our own provider over a fixed table ([`VARIABLES`]) rather than
//! figment's `Env`: it keeps the names we document (`DATABASE_URL` has no prefix, two names
//! share a key), treats a blank variable as unset, as a chart's `value: ""` means, and takes
//! every value as the text it is (figment's `Env` would read `123` as a number and `"x"` as
//! `x`, which would change a password).

use std::fmt;
use std::path::{Path, PathBuf};

use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Error, Figment, Metadata, Profile, Provider};
use secrecy::SecretString;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// Environment variables and the key each sets, the later of two for one key winning.
const VARIABLES: &[(&str, &str)] = &[
    ("DATABASE_URL", "database_url"),
    ("ECOUTE_APP_DATABASE_URL", "app_database_url"),
    ("ECOUTE_APP_ROLE", "app_role"),
    ("ECOUTE_APP_DB_PASSWORD", "app_db_password"),
    ("ECOUTE_LISTEN", "listen"),
    ("ECOUTE_BASE_DOMAIN", "base_domain"),
    ("ECOUTE_TRUSTED_PROXIES", "trusted_proxies"),
    ("ECOUTE_TENANTS_DIR", "tenants_dir"),
    ("ECOUTE_DATA_DIR", "data_dir"),
    ("ECOUTE_SMTP_URL", "smtp_url"),
    ("ECOUTE_SMTP_TLS", "smtp_tls"),
    ("ECOUTE_MAIL_FROM", "mail_from"),
    // The former name first: the new one wins over it, and either over the file.
    ("ECOUTE_MAIL_WORKER", "background_jobs"),
    ("ECOUTE_BACKGROUND_JOBS", "background_jobs"),
    ("ECOUTE_MAIL_SENDING", "mail_sending"),
    ("ECOUTE_MAIL_PER_MINUTE", "mail_per_minute"),
    ("ECOUTE_MAIL_CONNECTIONS", "mail_connections"),
    ("ECOUTE_MAIL_LINK_BASE", "mail_link_base"),
    ("ECOUTE_MAIL_LEASE_SECONDS", "mail_lease_seconds"),
    ("ECOUTE_WRITE_LIMIT_PER_MINUTE", "write_limit_per_minute"),
    ("ECOUTE_STATEMENT_TIMEOUT_SECONDS", "statement_timeout_seconds"),
    ("ECOUTE_RETENTION_SIGN_IN_DAYS", "retention_sign_in_days"),
    ("ECOUTE_RETENTION_MAIL_BODY_DAYS", "retention_mail_body_days"),
    ("ECOUTE_RETENTION_MAIL_LOG_DAYS", "retention_mail_log_days"),
];

/// Every setting as the layers left it. The file may name any key here; an unknown key is
/// refused, as a misspelt setting would otherwise be silently ignored.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Layers {
    pub database_url: Option<SecretString>,
    pub app_database_url: Option<SecretString>,
    pub app_role: Option<Text>,
    pub app_db_password: Option<SecretString>,
    pub listen: Option<Text>,
    pub base_domain: Option<Text>,
    pub trusted_proxies: Option<List>,
    pub tenants_dir: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub smtp_url: Option<SecretString>,
    pub smtp_tls: Option<Text>,
    pub mail_from: Option<Text>,
    pub background_jobs: Option<Text>,
    /// Former name of `background_jobs`, in a file (the environment maps it above).
    pub mail_worker: Option<Text>,
    pub mail_sending: Option<Text>,
    /// A number, or `off`.
    pub mail_per_minute: Option<Text>,
    pub mail_connections: Option<Text>,
    pub mail_link_base: Option<Text>,
    pub mail_lease_seconds: Option<Text>,
    /// A number, or `off`.
    pub write_limit_per_minute: Option<Text>,
    /// A number of seconds, or `off`.
    pub statement_timeout_seconds: Option<Text>,
    /// Days (see [`super::Retention`]).
    pub retention_sign_in_days: Option<Text>,
    pub retention_mail_body_days: Option<Text>,
    pub retention_mail_log_days: Option<Text>,
}

/// Settings given on the command line; they win over the file and the environment.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Flags {
    /// `--listen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<std::net::SocketAddr>,
}

impl Layers {
    /// Merges the file (when given), the environment (read through `env`) and the flags.
    pub(super) fn gather(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
        flags: &Flags,
    ) -> Result<Self, Box<Error>> {
        let mut figment = Figment::new();
        if let Some(path) = file {
            figment = figment.merge(Toml::file_exact(path));
        }
        Self::extract(figment, env, flags)
    }

    /// As [`Layers::gather`], with the file's text given (tests).
    #[cfg(test)]
    pub(super) fn gather_text(toml: &str, env: impl Fn(&str) -> Option<String>) -> Result<Self, Box<Error>> {
        Self::extract(Figment::from(Toml::string(toml)), env, &Flags::default())
    }

    fn extract(figment: Figment, env: impl Fn(&str) -> Option<String>, flags: &Flags) -> Result<Self, Box<Error>> {
        figment
            .merge(Environment::read(env))
            .merge(Serialized::defaults(flags))
            .extract()
            .map_err(Box::new)
    }
}

/// The environment, read once through [`VARIABLES`].
struct Environment(Dict);

impl Environment {
    fn read(env: impl Fn(&str) -> Option<String>) -> Self {
        let mut dict = Dict::new();
        for (variable, key) in VARIABLES {
            if let Some(value) = env(variable).filter(|v| !v.trim().is_empty()) {
                dict.insert((*key).to_owned(), Value::from(value));
            }
        }
        Environment(dict)
    }
}

impl Provider for Environment {
    fn metadata(&self) -> Metadata {
        // Errors name the variable, not the key.
        Metadata::named("environment").interpolater(|_, path| {
            let key = path.last().copied().unwrap_or_default();
            VARIABLES
                .iter()
                .rev()
                .find(|(_, k)| *k == key)
                .map_or_else(|| key.to_owned(), |(variable, _)| (*variable).to_owned())
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        Ok(Profile::Default.collect(self.0.clone()))
    }
}

/// A value taken as text, whether the file wrote `30`, `true` or `"30"`.
pub(super) struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor).map(Text)
    }
}

struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, a number or a boolean")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// A list: an array in the file, comma-separated text in the environment.
pub(super) struct List(pub Vec<String>);

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;

        impl<'de> Visitor<'de> for ListVisitor {
            type Value = Vec<String>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of strings, or one string of comma-separated items")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
                Ok(v.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect())
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
                let mut items = Vec::new();
                while let Some(Text(item)) = seq.next_element()? {
                    items.push(item);
                }
                Ok(items)
            }
        }

        deserializer.deserialize_any(ListVisitor).map(List)
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;
    use crate::config::Settings;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |key| vars.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn the_file_then_the_environment_then_the_flags() {
        let dir = std::env::temp_dir().join(format!("ecoute-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("ecoute.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:7000\"\nbase_domain = \"fichier.fr\"\nmail_connections = 4\n\
             trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.1\"]\nwrite_limit_per_minute = \"off\"",
        )
        .unwrap();
        let vars = [("ECOUTE_LISTEN", "127.0.0.1:7001"), ("ECOUTE_BASE_DOMAIN", "env.fr")];
        let flags = Flags {
            listen: Some("127.0.0.1:7002".parse().unwrap()),
        };
        let settings = |vars: &[(&str, &str)], flags: &Flags| {
            Settings::from_layers(Layers::gather(Some(&file), env(vars), flags).unwrap()).unwrap()
        };
        let s = settings(&vars, &flags);
        assert_eq!(s.listen.port(), 7002, "the flag wins");
        assert_eq!(s.base_domain, "env.fr", "the environment wins over the file");
        assert_eq!(s.mail_connections, 4, "the file wins over the default");
        assert_eq!(s.trusted_proxies.len(), 2);
        assert_eq!(s.write_limit_per_minute, None);
        let s = settings(&vars, &Flags::default());
        assert_eq!(s.listen.port(), 7001);
        // A blank variable is unset: the file's value stands.
        let s = settings(&[("ECOUTE_LISTEN", " "), ("ECOUTE_BASE_DOMAIN", "")], &Flags::default());
        assert_eq!((s.listen.port(), s.base_domain.as_str()), (7000, "fichier.fr"));
        std::fs::remove_dir_all(&dir).unwrap();
        let missing = Layers::gather(Some(&dir.join("absent.toml")), env(&[]), &Flags::default());
        assert!(missing.is_err(), "a settings file that cannot be read is an error");
    }

    #[test]
    fn values_are_taken_as_written() {
        let vars = [
            ("ECOUTE_APP_DB_PASSWORD", "123456"),
            ("DATABASE_URL", "postgres://owner:\"quoted\"@db/ecoute"),
            ("ECOUTE_MAIL_FROM", "\"Caf\" <a@b.fr>"),
            ("ECOUTE_SMTP_URL", "[smtp]"),
        ];
        let layers = Layers::gather_text("", env(&vars)).unwrap();
        assert_eq!(layers.app_db_password.unwrap().expose_secret(), "123456");
        assert_eq!(
            layers.database_url.unwrap().expose_secret(),
            "postgres://owner:\"quoted\"@db/ecoute"
        );
        assert_eq!(layers.mail_from.unwrap().0, "\"Caf\" <a@b.fr>");
        assert_eq!(layers.smtp_url.unwrap().expose_secret(), "[smtp]");
    }

    #[test]
    fn the_file_is_checked() {
        let error = Layers::gather_text("listen_address = \"0.0.0.0:80\"", env(&[]))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("listen_address"), "an unknown key is named: {error}");
        let error = Layers::gather_text("listen = [1, 2]", env(&[]))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("listen"), "{error}");
        // The former name in a file still stops the jobs; the new name wins over it.
        let s = Settings::from_text("mail_worker = false", &[]).unwrap();
        assert!(!s.background_jobs);
        let s = Settings::from_text("mail_worker = false\nbackground_jobs = true", &[]).unwrap();
        assert!(s.background_jobs);
        // The environment's former name wins over the file's new one, as before.
        let s = Settings::from_text("background_jobs = true", &[("ECOUTE_MAIL_WORKER", "off")]).unwrap();
        assert!(!s.background_jobs);
    }
}
