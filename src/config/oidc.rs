//! The OpenID providers the platform may use (FranceConnect for citizens, ProConnect for agents
//! and operators): set by the national admin in the environment, never stored in the database.
//!
//! For each provider `P` in `FRANCECONNECT`, `PROCONNECT`:
//! - `ECOUTE_P_ISSUER`: the issuer URL (discovery is read from it);
//! - `ECOUTE_P_CLIENT_ID`;
//! - `ECOUTE_P_CLIENT_SECRET`, or `ECOUTE_P_CLIENT_SECRET_FILE` (a file holding it: a mounted
//!   Kubernetes secret);
//! - `ECOUTE_P_SPACES`: the spaces (slugs, comma-separated) where it is offered, or `*` for all.
//!
//! A provider without issuer is off.
//!
//! The server key that seals what spaces store for their own provider (its client secret):
//! `ECOUTE_SECRETS_KEY` or `ECOUTE_SECRETS_KEY_FILE`, at least 32 random bytes in base64
//! (`openssl rand -base64 32`); while rotating, the key it replaces in
//! `ECOUTE_SECRETS_KEY_PREVIOUS` or `ECOUTE_SECRETS_KEY_PREVIOUS_FILE` (docs/operations.md).
//! Without it, spaces cannot add their own provider.

use anyhow::{Context, bail};
use base64::Engine;
use secrecy::{SecretSlice, SecretString};

/// Which provider, hence which people and which checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OidcKind {
    /// Citizens: identities verified by the State; the `acr` asked is eidas1.
    FranceConnect,
    /// Public agents and operators; `amr` tells whether a second factor was used.
    ProConnect,
    /// The space's own provider (a Caf's Keycloak), stored in the space and sealed
    /// (`space_oidc_providers`): citizens, and operators when the space says so.
    Space,
}

impl OidcKind {
    /// The name stored beside identities and in URLs.
    pub fn key(self) -> &'static str {
        match self {
            OidcKind::FranceConnect => "franceconnect",
            OidcKind::ProConnect => "proconnect",
            OidcKind::Space => "space",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "franceconnect" => Some(OidcKind::FranceConnect),
            "proconnect" => Some(OidcKind::ProConnect),
            "space" => Some(OidcKind::Space),
            _ => None,
        }
    }
}

/// One platform-level provider.
#[derive(Clone)]
pub struct OidcProvider {
    pub kind: OidcKind,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Slugs of the spaces where it is offered; `None`: every space.
    pub spaces: Option<Vec<String>>,
    /// The scopes asked of it; empty: the sign-in's own (the platform's providers).
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProvider")
            .field("kind", &self.kind)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("spaces", &self.spaces)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl OidcProvider {
    /// Whether the space `slug` offers it.
    pub fn offered_in(&self, slug: &str) -> bool {
        self.spaces
            .as_ref()
            .is_none_or(|spaces| spaces.iter().any(|s| s == slug))
    }
}

/// The server keys that seal the spaces' secrets: the current one, and the one it replaces
/// while rotating. Never printed.
#[derive(Clone)]
pub struct ServerKeys {
    pub current: SecretSlice<u8>,
    pub previous: Option<SecretSlice<u8>>,
}

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.previous.is_some() {
            "ServerKeys([redacted], previous: [redacted])"
        } else {
            "ServerKeys([redacted])"
        })
    }
}

/// A value from `NAME` or from the file `NAME_FILE` (not both), trimmed; `None` when neither.
fn value_or_file(var: &impl Fn(&str) -> Option<String>, name: &str) -> anyhow::Result<Option<String>> {
    let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    match (get(name), get(&format!("{name}_FILE"))) {
        (Some(value), None) => Ok(Some(value.trim().to_owned())),
        (None, Some(file)) => Ok(Some(
            std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {name}_FILE {file}"))?
                .trim()
                .to_owned(),
        )),
        (Some(_), Some(_)) => bail!("set {name} or {name}_FILE, not both"),
        (None, None) => Ok(None),
    }
}

/// The server keys the environment `var` gives, if any.
pub fn server_keys_from(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<ServerKeys>> {
    let key = |name: &str| -> anyhow::Result<Option<SecretSlice<u8>>> {
        let Some(text) = value_or_file(&var, name)? else {
            return Ok(None);
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .with_context(|| format!("{name} is not base64"))?;
        if bytes.len() < 32 {
            bail!("{name} must hold at least 32 random bytes (openssl rand -base64 32)");
        }
        Ok(Some(bytes.into()))
    };
    let previous = key("ECOUTE_SECRETS_KEY_PREVIOUS")?;
    match key("ECOUTE_SECRETS_KEY")? {
        Some(current) => Ok(Some(ServerKeys { current, previous })),
        None if previous.is_some() => bail!("ECOUTE_SECRETS_KEY_PREVIOUS is set without ECOUTE_SECRETS_KEY"),
        None => Ok(None),
    }
}

/// The providers the environment `var` describes.
pub fn providers_from(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Vec<OidcProvider>> {
    let mut providers = Vec::new();
    for (kind, prefix) in [
        (OidcKind::FranceConnect, "ECOUTE_FRANCECONNECT"),
        (OidcKind::ProConnect, "ECOUTE_PROCONNECT"),
    ] {
        let get = |name: &str| var(&format!("{prefix}_{name}")).filter(|v| !v.trim().is_empty());
        let Some(issuer) = get("ISSUER") else { continue };
        let client_id = get("CLIENT_ID").with_context(|| format!("{prefix}_CLIENT_ID is missing"))?;
        let secret = value_or_file(&var, &format!("{prefix}_CLIENT_SECRET"))?
            .with_context(|| format!("{prefix}_CLIENT_SECRET or {prefix}_CLIENT_SECRET_FILE is missing"))?;
        let spaces = match get("SPACES").as_deref().map(str::trim) {
            None | Some("*") => None,
            Some(list) => Some(
                list.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
        };
        providers.push(OidcProvider {
            kind,
            issuer: issuer.trim().trim_end_matches('/').to_owned(),
            client_id: client_id.trim().to_owned(),
            client_secret: secret.into(),
            spaces,
            scopes: Vec::new(),
        });
    }
    Ok(providers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_read_from_the_environment_with_secret_files() {
        let dir = std::env::temp_dir().join(format!("ecoute-oidc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("secret");
        std::fs::write(&file, "s3cret\n").unwrap();
        let vars = [
            ("ECOUTE_FRANCECONNECT_ISSUER", "https://fc.example/api/v2/"),
            ("ECOUTE_FRANCECONNECT_CLIENT_ID", "abc"),
            ("ECOUTE_FRANCECONNECT_CLIENT_SECRET_FILE", file.to_str().unwrap()),
            ("ECOUTE_FRANCECONNECT_SPACES", "gironde, aude"),
        ];
        let env = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned());
        let providers = providers_from(env).unwrap();
        assert_eq!(providers.len(), 1);
        let fc = &providers[0];
        assert_eq!(fc.issuer, "https://fc.example/api/v2");
        assert!(fc.offered_in("aude") && !fc.offered_in("national"));
        assert!(!format!("{fc:?}").contains("s3cret"));
        use secrecy::ExposeSecret;
        assert_eq!(fc.client_secret.expose_secret(), "s3cret");
        // A client id without secret is refused, not silently off.
        let env = |k: &str| match k {
            "ECOUTE_PROCONNECT_ISSUER" => Some("https://pc.example".to_owned()),
            "ECOUTE_PROCONNECT_CLIENT_ID" => Some("x".to_owned()),
            _ => None,
        };
        assert!(providers_from(env).is_err());
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn server_keys_are_base64_of_32_bytes_at_least() {
        let key = base64::engine::general_purpose::STANDARD.encode([3u8; 32]);
        let env = |k: &str| (k == "ECOUTE_SECRETS_KEY").then(|| key.clone());
        let keys = server_keys_from(env).unwrap().unwrap();
        assert!(keys.previous.is_none());
        assert!(!format!("{keys:?}").contains(&key));
        assert!(server_keys_from(|_| None).unwrap().is_none());
        let short = base64::engine::general_purpose::STANDARD.encode([3u8; 16]);
        assert!(server_keys_from(|k: &str| (k == "ECOUTE_SECRETS_KEY").then(|| short.clone())).is_err());
        assert!(server_keys_from(|k: &str| (k == "ECOUTE_SECRETS_KEY").then(|| "not base64!".to_owned())).is_err());
        // A previous key alone is a mistake, not a silent "off".
        assert!(server_keys_from(|k: &str| (k == "ECOUTE_SECRETS_KEY_PREVIOUS").then(|| key.clone())).is_err());
    }
}
