//! Sign-in with OpenID providers, against the OpenID-certified `oidc-provider` (Node, started
//! here on loopback from `tests/oidc/provider.mjs`) and, for the tokens no honest provider
//! makes, a loopback fake that serves crafted ones (`forge.rs`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Mutex;

use ecoute::config::oidc::{OidcKind, OidcProvider};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::helpers::{TestApp, TestDb, project_dir};

mod agents;
mod attacks;
mod citizens;
mod forge;
mod forged;
mod one_voice;
mod operators;
mod space_console;
mod space_sign_in;

pub const CLIENT_ID: &str = "ecoute-test";
pub const CLIENT_SECRET: &str = "test-only-secret-0123456789";

fn provider_dir() -> PathBuf {
    project_dir().join("tests/oidc")
}

/// `npm ci` once, when the packages are missing (a fresh clone).
fn install_packages() {
    static DONE: Mutex<bool> = Mutex::new(false);
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if *done {
        return;
    }
    let dir = provider_dir();
    if !dir.join("node_modules/oidc-provider/package.json").exists() {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("npm runs (Node.js >= 20.19 is needed by the OIDC tests)");
        assert!(status.success(), "npm ci in tests/oidc failed");
    }
    *done = true;
}

/// The real provider, in a Node process of its own, stopped with the test.
pub struct NodeProvider {
    pub issuer: String,
    _child: tokio::process::Child,
}

impl NodeProvider {
    /// `profile`: `franceconnect` or `proconnect`; one client with these redirect URIs.
    pub async fn start(profile: &str, redirect_uris: &[String], post_logout: &[String]) -> Self {
        Self::start_with(profile, CLIENT_ID, CLIENT_SECRET, redirect_uris, post_logout).await
    }

    /// `profile`: `franceconnect`, `proconnect` or `keycloak`; one client `client_id` with
    /// `client_secret` and these redirect URIs.
    pub async fn start_with(
        profile: &str,
        client_id: &str,
        client_secret: &str,
        redirect_uris: &[String],
        post_logout: &[String],
    ) -> Self {
        install_packages();
        let config = serde_json::json!({
            "profile": profile,
            "clients": [{
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uris": redirect_uris,
                "post_logout_redirect_uris": post_logout,
            }],
        });
        let mut child = tokio::process::Command::new("node")
            .arg(provider_dir().join("provider.mjs"))
            .env("OIDC_TEST_CONFIG", config.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let issuer = tokio::time::timeout(std::time::Duration::from_secs(20), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(issuer) = line.strip_prefix("listening ") {
                    return issuer.to_owned();
                }
            }
            panic!("the provider stopped before listening");
        })
        .await
        .expect("the provider listens within 20 s");
        // Keep reading: the provider logs to stdout, and a closed pipe would stop it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        NodeProvider { issuer, _child: child }
    }

    /// Follows the provider's redirects from `url` (the authorization request), answering its
    /// interaction with `person` (`sub=…&email=…`, test-only); returns the URL it sends the
    /// browser back to.
    pub async fn sign_in(&self, url: &str, person: &str) -> String {
        crate::helpers::crypto();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut cookies = BTreeMap::new();
        let mut url = url.to_owned();
        for _ in 0..10 {
            if url.starts_with(&format!("{}/interaction/", self.issuer)) {
                url = format!("{url}?{person}");
            }
            let jar = cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let response = client.get(&url).header("cookie", jar).send().await.unwrap();
            for value in response.headers().get_all("set-cookie") {
                let pair = value.to_str().unwrap().split(';').next().unwrap();
                if let Some((name, v)) = pair.split_once('=') {
                    cookies.insert(name.to_owned(), v.to_owned());
                }
            }
            let status = response.status();
            let Some(location) = response.headers().get("location") else {
                panic!("the provider answered {status}: {}", response.text().await.unwrap());
            };
            let location = location.to_str().unwrap().to_owned();
            let next = if location.starts_with('/') {
                format!("{}{location}", self.issuer)
            } else {
                location
            };
            if !next.starts_with(&self.issuer) {
                return next;
            }
            url = next;
        }
        panic!("too many redirects at the provider");
    }
}

/// The path and query of an absolute URL (what the test browser sends to the app).
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.find('/').map_or("/".to_owned(), |k| rest[k..].to_owned())
}

/// A query parameter of a URL, decoded.
pub fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A page's HTML with the escapes of its attribute values undone (`/` and `&`), to read links.
pub fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/").replace("&amp;", "&")
}

/// The callback URI of `kind` on `host`, as the app computes it.
pub fn callback(host: &str) -> String {
    format!("http://{host}/connexion/franceconnect/retour")
}

/// An app whose spaces `spaces` offer FranceConnect at `issuer`.
pub async fn app_with_franceconnect(issuer: &str, spaces: &[&str]) -> TestApp {
    let test_db = TestDb::new().await;
    let mut settings = test_db.settings();
    settings.oidc = vec![OidcProvider {
        kind: OidcKind::FranceConnect,
        issuer: issuer.to_owned(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned().into(),
        spaces: Some(spaces.iter().map(|s| (*s).to_owned()).collect()),
        scopes: Vec::new(),
    }];
    TestApp::spawn_with_settings(test_db, settings).await
}

/// Rows a refused sign-in must not have left: sessions, identities, accounts.
pub async fn stored(app: &TestApp) -> (i64, i64, i64) {
    let owner = app.test_db.owner().await;
    let count = |sql: &'static str| {
        let owner = owner.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&owner).await.unwrap() }
    };
    (
        count("SELECT count(*) FROM sessions").await,
        count("SELECT count(*) FROM oidc_identities").await,
        count("SELECT count(*) FROM accounts").await,
    )
}
