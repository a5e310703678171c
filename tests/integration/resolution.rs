//! Host → space resolution, seen from outside through HTTP.

use crate::helpers::{TestApp, TestDb, eventually};
use std::time::Duration;

const LOCAL_NAMES: [&str; 3] = ["Gironde", "Haute-Garonne", "Aude"];

#[tokio::test]
async fn base_domain_and_www_are_the_national_space() {
    let app = TestApp::spawn().await;
    for host in ["localhost", "www.localhost", "localhost:8080"] {
        let (status, body) = app.get_text(host, "/").await;
        assert_eq!(status, 200, "{host}");
        assert!(body.contains("Cnaf – Espace national"), "{host}: national name missing");
        assert!(!body.contains("Caf de la Gironde"), "{host}: shows a local space");
    }
}

#[tokio::test]
async fn a_subdomain_is_its_local_space_with_its_branding() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_text("gironde.localhost", "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("<h1 lang=\"fr\">Caf de la Gironde</h1>"));
    assert!(body.contains("Bassin d’Arcachon"), "welcome text of the tenant file");
    assert!(body.contains("/branding.css?v="));

    let css = app.get("gironde.localhost", "/branding.css").await;
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    let css = css.text().await.unwrap();
    assert!(css.contains("--brand-primary: #6a1b4d;"), "{css}");
    let aude_css = app.get("aude.localhost", "/branding.css").await.text().await.unwrap();
    assert!(aude_css.contains("--brand-primary: #1b5e20;"), "{aude_css}");
}

#[tokio::test]
async fn case_port_and_trailing_dot_are_ignored() {
    let app = TestApp::spawn().await;
    for host in [
        "GIRONDE.LocalHost",
        "gironde.localhost:8080",
        "gironde.localhost.",
        "Gironde.LOCALHOST.:443",
    ] {
        let (status, body) = app.get_text(host, "/").await;
        assert_eq!(status, 200, "{host}");
        assert!(body.contains("<h1 lang=\"fr\">Caf de la Gironde</h1>"), "{host}");
    }
}

#[tokio::test]
async fn a_custom_domain_reaches_its_space() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_text("Participez.Caf31.example", "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("<h1 lang=\"fr\">Caf de la Haute-Garonne</h1>"));
}

#[tokio::test]
async fn an_unknown_host_gets_a_french_404_that_reveals_no_tenant() {
    let app = TestApp::spawn().await;
    for host in [
        "inconnu.localhost",
        "example.org",
        "a.b.localhost",
        "national.localhost",
    ] {
        let (status, body) = app.get_text(host, "/").await;
        assert_eq!(status, 404, "{host}");
        assert!(body.contains("Espace introuvable"), "{host}: French title");
        assert!(body.contains("lang=\"fr\""));
        for name in LOCAL_NAMES.iter().chain(&["Espace national"]) {
            assert!(!body.contains(name), "{host}: the 404 page names {name}");
        }
    }
    // The same for the API, as problem+json.
    let response = app.get("inconnu.localhost", "/api/v1/tenant").await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["type"], "/problems/unknown-space");
}

#[tokio::test]
async fn a_suspended_space_says_it_is_unavailable() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("aude.localhost", "/").await.status(), 200);
    let owner = app.test_db.owner().await;
    sqlx::query("UPDATE tenants SET status = 'suspended' WHERE slug = 'aude'")
        .execute(&owner)
        .await
        .unwrap();

    // The change reaches the (already warm) cache through NOTIFY.
    assert!(
        eventually(Duration::from_secs(2), || async {
            app.get("aude.localhost", "/").await.status() == 503
        })
        .await
    );
    let (_, body) = app.get_text("aude.localhost", "/").await;
    assert!(body.contains("Espace momentanément indisponible"), "{body}");
    let api = app.get("aude.localhost", "/api/v1/tenant").await;
    assert_eq!(api.status(), 503);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    // Other spaces are unaffected.
    assert_eq!(app.get("gironde.localhost", "/").await.status(), 200);
}

#[tokio::test]
async fn forwarded_host_from_an_untrusted_peer_is_ignored() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/api/v1/tenant"))
        .header("host", "localhost")
        .header("x-forwarded-host", "gironde.localhost")
        .send()
        .await
        .unwrap();
    let tenant: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        tenant["slug"], "national",
        "a spoofed X-Forwarded-Host must not switch spaces"
    );
}

#[tokio::test]
async fn forwarded_host_from_a_trusted_proxy_is_used() {
    let app = TestApp::spawn_on(TestDb::new().await, &["127.0.0.0/8"]).await;
    let response = app
        .client
        .get(app.url("/api/v1/tenant"))
        .header("host", "internal-service:8080")
        .header("x-forwarded-host", "gironde.localhost")
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(
        response.headers().contains_key("strict-transport-security"),
        "HSTS behind a TLS proxy"
    );
    let tenant: serde_json::Value = response.json().await.unwrap();
    assert_eq!(tenant["slug"], "gironde");
}

#[tokio::test]
async fn the_tenant_api_describes_the_current_space() {
    let app = TestApp::spawn().await;
    let response = app.get("haute-garonne.localhost", "/api/v1/tenant").await;
    assert_eq!(response.status(), 200);
    let tenant: serde_json::Value = response.json().await.unwrap();
    assert_eq!(tenant["slug"], "haute-garonne");
    assert_eq!(tenant["name"], "Caf de la Haute-Garonne");
    assert_eq!(tenant["kind"], "local");
    assert_eq!(tenant["branding"]["primary_color"], "#b23a48");
    assert_eq!(tenant["branding"]["secondary_color"], "#1d3557");
    let national: serde_json::Value = app.get("localhost", "/api/v1/tenant").await.json().await.unwrap();
    assert_eq!(national["kind"], "national");
}

/// Sends `request` as raw bytes (reqwest cannot write an absolute-form target) and returns the
/// status and the body.
async fn raw_http(app: &TestApp, request: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {response}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// RFC 9112 §3.2.2: an absolute-form target names the host. When it names another space than
/// `Host`, the request is refused (400, naming neither space) rather than served to one of them;
/// when they agree, it is served as usual; `X-Forwarded-Host` is still believed only from a
/// trusted proxy.
#[tokio::test]
async fn an_absolute_target_naming_another_space_than_host_is_refused() {
    let app = TestApp::spawn_on(TestDb::new().await, &["10.0.0.0/8"]).await;
    let send = |target: &str, host: &str, extra: &str| {
        format!("GET {target} HTTP/1.1\r\nHost: {host}\r\n{extra}Accept-Language: fr\r\nConnection: close\r\n\r\n")
    };

    let (status, body) = raw_http(&app, &send("http://aude.localhost/", "gironde.localhost", "")).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Adresse contradictoire"), "French error page: {body}");
    for name in LOCAL_NAMES {
        assert!(!body.contains(name), "the refusal names {name}");
    }
    let (status, body) = raw_http(
        &app,
        &send("http://aude.localhost/api/v1/tenant", "gironde.localhost", ""),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("application/problem+json") || body.contains("/problems/bad-request"),
        "{body}"
    );
    assert!(!body.contains("gironde") && !body.contains("aude\""), "{body}");

    // Agreeing (case, port and trailing dot aside): served by that space.
    let (status, body) = raw_http(
        &app,
        &send("http://Aude.Localhost.:8080/api/v1/tenant", "aude.localhost", ""),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"slug\":\"aude\""), "{body}");

    // An untrusted peer's X-Forwarded-Host still changes nothing (loopback is not trusted here).
    let (status, body) = raw_http(
        &app,
        &send(
            "http://aude.localhost/api/v1/tenant",
            "aude.localhost",
            "X-Forwarded-Host: gironde.localhost\r\n",
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"slug\":\"aude\""), "{body}");

    // Behind a trusted proxy, its X-Forwarded-Host names the space, and a target that
    // disagrees with the proxy's own Host is refused all the same.
    let proxied = TestApp::spawn_on(TestDb::new().await, &["127.0.0.0/8"]).await;
    let forwarded = "X-Forwarded-Host: gironde.localhost\r\n";
    let (status, body) = raw_http(
        &proxied,
        &send(
            "http://internal-service:8080/api/v1/tenant",
            "internal-service",
            forwarded,
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"slug\":\"gironde\""), "{body}");
    let (status, body) = raw_http(
        &proxied,
        &send("http://aude.localhost/api/v1/tenant", "internal-service", forwarded),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}
