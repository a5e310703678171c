//! Pages, headers, probes and assets, through a real server.

use crate::helpers::{TestApp, insert_campaign};

#[tokio::test]
async fn a_local_home_lists_its_campaigns_and_national_ones_but_no_one_elses() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    insert_campaign(&owner, "national", "national", "Consultation nationale témoin").await;
    insert_campaign(&owner, "gironde", "local", "Consultation girondine témoin").await;
    insert_campaign(&owner, "aude", "local", "Consultation audoise témoin").await;

    let (_, gironde) = app.get_text("gironde.localhost", "/").await;
    assert!(gironde.contains("Consultation nationale témoin"));
    assert!(gironde.contains("Consultation girondine témoin"));
    assert!(!gironde.contains("Consultation audoise témoin"));

    let (_, national) = app.get_text("localhost", "/").await;
    assert!(national.contains("Consultation nationale témoin"));
    assert!(!national.contains("Consultation girondine témoin"));
    assert!(!national.contains("Consultation audoise témoin"));
}

#[tokio::test]
async fn an_empty_space_says_so() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_text("aude.localhost", "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("Aucune consultation n’est ouverte pour le moment"));
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.get("gironde.localhost", "/").await;
    let h = response.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
    assert!(!h.contains_key("strict-transport-security"), "no HSTS over plain HTTP");
    let id = h["x-request-id"].to_str().unwrap();
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "a 128-bit hex request id: {id}"
    );
    let second = app.get("gironde.localhost", "/").await;
    assert_ne!(
        second.headers()["x-request-id"].to_str().unwrap(),
        id,
        "one id per request"
    );
    // A caller's request id is kept.
    let response = app
        .client
        .get(app.url("/"))
        .header("host", "localhost")
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "abc-123");

    // Each group of routes has its own layer stack (app::router): every one carries the
    // envelope, including fallbacks and refusals.
    for (host, path, status) in [
        ("gironde.localhost", "/consultations/inconnue", 404), // a space's fallback
        ("gironde.localhost", "/api/v1/campaigns/inconnue", 404), // the API
        ("gironde.localhost", "/desabonnement/jeton-inconnu", 404), // mail links
        ("inconnu.localhost", "/", 404),                       // no such space
        ("inconnu.localhost", "/healthz", 200),                // infrastructure, any host
        ("gironde.localhost", "/static/app.css", 200),         // static files
    ] {
        let response = app.get(host, path).await;
        assert_eq!(response.status().as_u16(), status, "{host}{path}");
        let h = response.headers();
        assert!(h.contains_key("content-security-policy"), "{host}{path}: CSP");
        assert_eq!(h["x-frame-options"], "DENY", "{host}{path}");
        assert!(h.contains_key("x-request-id"), "{host}{path}: request id");
    }
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/"))
        .header("host", "localhost")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn probes_answer_on_any_host() {
    let app = TestApp::spawn().await;
    for host in ["localhost", "10.0.0.7:8080", "unknown.example"] {
        assert_eq!(app.get_text(host, "/healthz").await, (200, "ok".into()));
        assert_eq!(app.get_text(host, "/readyz").await, (200, "ready".into()));
    }
}

#[tokio::test]
async fn static_assets_are_cached_and_revalidated() {
    let app = TestApp::spawn().await;
    let response = app.get("localhost", "/static/app.css").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=31536000")
    );
    let etag = response.headers()["etag"].clone();
    let again = app
        .client
        .get(app.url("/static/app.css"))
        .header("host", "localhost")
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(app.get("localhost", "/static/missing.css").await.status(), 404);
}

#[tokio::test]
async fn english_is_offered_and_remembered() {
    let app = TestApp::spawn().await;
    let english = app
        .client
        .get(app.url("/"))
        .header("host", "gironde.localhost")
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    let body = english.text().await.unwrap();
    assert!(
        body.contains("<html lang=\"en\">") && body.contains("Consultations"),
        "English by negotiation"
    );

    let switch = app.get("gironde.localhost", "/langue/en?retour=/").await;
    assert_eq!(switch.status(), 303);
    assert_eq!(switch.headers()["location"], "/");
    let cookie = switch.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("lang=en;") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let body = app
        .client
        .get(app.url("/"))
        .header("host", "gironde.localhost")
        .header("cookie", "lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Have your say"));

    // No open redirect through the language switch.
    let evil = app.get("gironde.localhost", "/langue/fr?retour=//evil.example/").await;
    assert_eq!(evil.headers()["location"], "/");
    assert_eq!(app.get("gironde.localhost", "/langue/de").await.status(), 404);
}

#[tokio::test]
async fn unknown_paths_get_a_branded_french_404_or_a_problem() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_text("gironde.localhost", "/nulle-part").await;
    assert_eq!(status, 404);
    assert!(
        body.contains("Page introuvable") && body.contains("Caf de la Gironde") && body.contains("Retour à l’accueil")
    );
    let api = app.get("gironde.localhost", "/api/v1/nulle-part").await;
    assert_eq!(api.status(), 404);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = api.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/unknown-route");
}

#[tokio::test]
async fn demo_seeding_is_idempotent() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let first = ecoute::demo::seed(&owner).await.unwrap();
    assert!(first >= 6, "{first}");
    assert_eq!(ecoute::demo::seed(&owner).await.unwrap(), 0);
    let (_, body) = app.get_text("gironde.localhost", "/").await;
    assert!(body.contains("Notre accueil à Bordeaux") && body.contains("Simplifier vos démarches en ligne"));
}

#[tokio::test]
async fn the_openapi_document_lists_only_routes_that_exist() {
    let app = TestApp::spawn().await;
    let doc: serde_json::Value = app
        .get("gironde.localhost", "/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc, ecoute::app::openapi::document(), "the served document");
    let operations: Vec<(&String, &String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |method| (method, path)))
        .collect();
    assert!(operations.len() >= 24, "{operations:?}");
    for (method, path) in operations {
        let url = path
            .replace("{slug}", "inconnue")
            .replace("{id}", &uuid::Uuid::new_v4().to_string())
            .replace("{comment}", &uuid::Uuid::new_v4().to_string());
        let method: reqwest::Method = method.to_uppercase().parse().unwrap();
        let response = app
            .client
            .request(method.clone(), app.url(&url))
            .header("host", "gironde.localhost")
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        // The router knows the route: no 405, and not the fallback's "unknown route" problem.
        assert_ne!(response.status(), 405, "{method} {path}");
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        assert!(status < 500, "{method} {path}: {status}");
        assert_ne!(body["type"], "/problems/unknown-route", "{method} {path}");
    }
}

/// The reverse: every `/api` route declared under `src/` (read from the source), with each of
/// its methods, is an operation of the document.
#[test]
fn every_api_route_is_documented() {
    let document = ecoute::app::openapi::document();
    let mut checked = 0;
    for route in crate::boundary_oracles::declared_routes() {
        if !route.path.starts_with("/api/") || route.path == "/api/openapi.json" {
            continue;
        }
        for method in &route.methods {
            let method = method.as_str().to_lowercase();
            assert!(
                document["paths"][&route.path][&method].is_object(),
                "{method} {} is not in the OpenAPI document",
                route.path
            );
            checked += 1;
        }
    }
    assert!(checked >= 24, "{checked}");
}

#[tokio::test]
async fn a_campaign_cover_is_shown_with_its_text_alternative_and_only_safe_urls_are_stored() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = crate::helpers::campaign_slug(&app, "gironde", "local").await;
    let gironde = crate::helpers::tenant_id(&owner, "gironde").await;
    let set_cover = |url: &'static str| {
        let owner = owner.clone();
        let slug = slug.clone();
        async move {
            let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
            let result = sqlx::query(
                "UPDATE campaigns SET cover_image_url = $2, cover_image_alt = 'Une agence de la Caf' WHERE slug = $1",
            )
            .bind(&slug)
            .bind(url)
            .execute(&mut *tx)
            .await;
            tx.commit().await.unwrap();
            result.is_ok()
        }
    };
    assert!(
        !set_cover("javascript:alert(1)").await,
        "the database refuses a script URL"
    );
    assert!(
        !set_cover("http://exemple.fr/x.png").await,
        "plain http is refused (mixed content)"
    );
    assert!(set_cover("/static/cover-demarches.svg").await);
    // Attributes come escaped (`/` as `&#x2f;`), as browsers read them.
    let (_, html) = app
        .get_text("gironde.localhost", &format!("/consultations/{slug}"))
        .await;
    let html = html.replace("&#x2f;", "/");
    assert!(
        html.contains(r#"<img class="cover" src="/static/cover-demarches.svg" alt="Une agence de la Caf""#),
        "the cover and its alternative"
    );
    let (_, home) = app.get_text("gironde.localhost", "/").await;
    let home = home.replace("&#x2f;", "/");
    assert!(
        home.contains(r#"<img class="card-cover" src="/static/cover-demarches.svg" alt="""#),
        "decorative on cards"
    );
    let svg = app.get("gironde.localhost", "/static/cover-demarches.svg").await;
    assert_eq!(svg.status(), 200);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
}
