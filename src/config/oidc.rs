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

use anyhow::{Context, bail};
use secrecy::SecretString;

/// Which provider, hence which people and which checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OidcKind {
    /// Citizens: identities verified by the State; the `acr` asked is eidas1.
    FranceConnect,
    /// Public agents and operators; `amr` tells whether a second factor was used.
    ProConnect,
}

impl OidcKind {
    /// The name stored beside identities and in URLs.
    pub fn key(self) -> &'static str {
        match self {
            OidcKind::FranceConnect => "franceconnect",
            OidcKind::ProConnect => "proconnect",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "franceconnect" => Some(OidcKind::FranceConnect),
            "proconnect" => Some(OidcKind::ProConnect),
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
}

impl std::fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProvider")
            .field("kind", &self.kind)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("spaces", &self.spaces)
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
        let secret = match (get("CLIENT_SECRET"), get("CLIENT_SECRET_FILE")) {
            (Some(secret), None) => secret,
            (None, Some(file)) => std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {prefix}_CLIENT_SECRET_FILE {file}"))?
                .trim()
                .to_owned(),
            (Some(_), Some(_)) => bail!("set {prefix}_CLIENT_SECRET or {prefix}_CLIENT_SECRET_FILE, not both"),
            (None, None) => bail!("{prefix}_CLIENT_SECRET or {prefix}_CLIENT_SECRET_FILE is missing"),
        };
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
}
