//! A space's own OpenID provider, configured in its console (`/admin/equipe/service-identification`)
//! against the Keycloak-like test provider: discovery checked on save, the client secret sealed
//! (never in clear in the database, never shown back, kept when left empty), audited without it,
//! and bad input answered with the form, its entry kept (422), nothing stored.

use ecoute::config::oidc::ServerKeys;

use super::*;
use crate::browser::{Browser, extract};
use crate::consoles::{make_operator, signed_in};

pub const PAGE: &str = "/admin/equipe/service-identification";
pub const NAME: &str = "l’annuaire de la Caf de la Gironde";
pub const SPACE_SECRET: &str = "keycloak-client-secret-do-not-leak-42";

/// A server key of 32 bytes, all `byte`.
pub fn keys(byte: u8, previous: Option<u8>) -> ServerKeys {
    ServerKeys {
        current: vec![byte; 32].into(),
        previous: previous.map(|p| vec![p; 32].into()),
    }
}

/// The callbacks of the space's provider on `host` (citizens, operators).
pub fn space_callbacks(host: &str) -> Vec<String> {
    vec![
        format!("http://{host}/connexion/annuaire/retour"),
        format!("http://{host}/admin/connexion/annuaire/retour"),
    ]
}

/// The Keycloak-like provider, knowing the gironde and aude callbacks, with the space's client.
pub async fn keycloak() -> NodeProvider {
    let mut uris = space_callbacks("gironde.localhost");
    uris.extend(space_callbacks("aude.localhost"));
    NodeProvider::start_with("keycloak", "caf-ecoute", SPACE_SECRET, &uris, &[]).await
}

/// An app sealing with `keys` (none: no server key).
pub async fn app_with_keys(keys: Option<ServerKeys>) -> TestApp {
    let test_db = TestDb::new().await;
    let mut settings = test_db.settings();
    settings.server_keys = keys;
    TestApp::spawn_with_settings(test_db, settings).await
}

/// A local operator of `slug`, signed in.
pub async fn operator<'a>(app: &'a TestApp, slug: &str) -> Browser<'a> {
    let owner = app.test_db.owner().await;
    let email = format!("equipe@{slug}.caf.fr");
    let password = make_operator(&owner, &email, false, Some((slug, "local_operator"))).await;
    signed_in(app, &format!("{slug}.localhost"), &email, &password).await
}

/// Posts the console form with `fields` over sensible defaults; returns the answer.
pub async fn save(browser: &mut Browser<'_>, fields: &[(&str, &str)]) -> (u16, Option<String>, String) {
    let (_, html) = browser.get(PAGE).await;
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    for (name, value) in fields {
        form.retain(|(n, _)| n != name);
        form.push((name, value));
    }
    let (status, location, body) = browser.post_form(PAGE, &form).await;
    (status, location, unescape(&body))
}

/// Configures the Keycloak-like provider in `slug` (citizens; operators when `for_operators`).
pub async fn configure(browser: &mut Browser<'_>, issuer: &str, for_operators: bool) {
    let mut fields = vec![
        ("display_name", NAME),
        ("issuer", issuer),
        ("client_id", "caf-ecoute"),
        ("client_secret", SPACE_SECRET),
        ("scopes", "profile"),
        ("enabled", "on"),
    ];
    if for_operators {
        fields.push(("for_operators", "on"));
    }
    let (status, location, body) = save(browser, &fields).await;
    assert_eq!(
        (status, location.as_deref()),
        (
            303,
            Some("/admin/equipe/service-identification?fait=service_identification")
        ),
        "{body}"
    );
}

/// The rows of `space_oidc_providers`, as the owner reads them (every column, as text).
pub async fn provider_rows(app: &TestApp) -> Vec<String> {
    let owner = app.test_db.owner().await;
    sqlx::query_scalar("SELECT p::text FROM space_oidc_providers p ORDER BY tenant_id")
        .fetch_all(&owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_operator_adds_the_caf_keycloak_and_its_secret_is_sealed_never_shown_and_audited() {
    let provider = keycloak().await;
    let app = app_with_keys(Some(keys(7, None))).await;
    let mut browser = operator(&app, "gironde").await;

    // From the team page; the redirect URIs to register are shown.
    let (_, team) = browser.get("/admin/equipe").await;
    assert!(team.contains(&format!("href=\"{PAGE}\"")), "{team}");
    let (status, html) = browser.get(PAGE).await;
    let html = unescape(&html);
    assert_eq!(status, 200);
    assert!(
        html.contains("http://gironde.localhost/connexion/annuaire/retour"),
        "{html}"
    );
    assert!(html.contains("http://gironde.localhost/admin/connexion/annuaire/retour"));

    configure(&mut browser, &provider.issuer, false).await;
    let rows = provider_rows(&app).await;
    assert_eq!(rows.len(), 1);
    // The secret is nowhere in clear: not in the row (bytea shown in hex), nor as text.
    let hex: String = SPACE_SECRET.bytes().map(|b| format!("{b:02x}")).collect();
    assert!(
        !rows[0].contains(SPACE_SECRET) && !rows[0].contains(&hex),
        "{}",
        rows[0]
    );
    let owner = app.test_db.owner().await;
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT client_secret_sealed FROM space_oidc_providers")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert!(!sealed.windows(SPACE_SECRET.len()).any(|w| w == SPACE_SECRET.as_bytes()));
    assert_eq!(sealed.len(), 12 + SPACE_SECRET.len() + 16, "nonce, ciphertext, tag");

    // Shown again without the secret; saving with the field empty keeps it.
    let (_, html) = browser.get(PAGE).await;
    assert!(!html.contains(SPACE_SECRET));
    assert!(html.contains("Un secret est enregistré"), "{html}");
    let (status, _, body) = save(
        &mut browser,
        &[
            ("display_name", "l’annuaire de la Caf 33"),
            ("issuer", &provider.issuer),
            ("client_id", "caf-ecoute"),
            ("client_secret", ""),
            ("scopes", "profile"),
            ("enabled", "on"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let kept: Vec<u8> = sqlx::query_scalar("SELECT client_secret_sealed FROM space_oidc_providers")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(kept, sealed, "an empty secret field keeps the stored one");

    // Audited twice, never with the secret; a form sent again changes and audits nothing.
    let (status, _, _) = save(
        &mut browser,
        &[
            ("display_name", "l’annuaire de la Caf 33"),
            ("issuer", &provider.issuer),
            ("client_id", "caf-ecoute"),
            ("scopes", "profile"),
            ("enabled", "on"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT details::text FROM audit_log WHERE action = 'team.save_sign_in_provider' ORDER BY at",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(audit.iter().all(|d| !d.contains(SPACE_SECRET)), "{audit:?}");
    assert!(audit[0].contains("\"secret_changed\": true") && audit[1].contains("\"secret_changed\": false"));
}

#[tokio::test]
async fn bad_input_comes_back_with_the_entry_kept_and_nothing_stored() {
    let provider = keycloak().await;
    let app = app_with_keys(Some(keys(7, None))).await;
    let mut browser = operator(&app, "gironde").await;
    let good = |name: &'static str, value: &str| -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("display_name", NAME.to_owned()),
            ("issuer", provider.issuer.clone()),
            ("client_id", "caf-ecoute".to_owned()),
            ("client_secret", SPACE_SECRET.to_owned()),
            ("scopes", "profile".to_owned()),
        ];
        fields.retain(|(n, _)| *n != name);
        fields.push((name, value.to_owned()));
        fields
    };
    let long_name = "a".repeat(121);
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (good("display_name", "Caf\0 33"), "caractère de contrôle"),
        (good("display_name", &long_name), "trop long"),
        (good("issuer", "pas une adresse"), "adresse https complète"),
        (good("issuer", "javascript:alert(1)"), "adresse https complète"),
        (
            good("issuer", "http://127.0.0.1:9/realms/caf"),
            "ne répond pas comme un service OpenID Connect",
        ),
        (good("client_secret", ""), "Saisissez le secret du client"),
        (good("scopes", "profile \"roles\""), "sans accent ni guillemet"),
        (good("client_id", "caf ecoute"), "sans espace"),
    ];
    for (fields, message) in cases {
        let refs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let (status, _, body) = save(&mut browser, &refs).await;
        assert_eq!(status, 422, "{fields:?}: {body}");
        assert!(body.contains(message), "{fields:?} says {message:?}: {body}");
        // The entry is kept, the secret never comes back.
        assert!(
            body.contains("value=\"caf-ecoute\"") || body.contains("value=\"caf ecoute\""),
            "{body}"
        );
        assert!(!body.contains(SPACE_SECRET), "{body}");
        assert!(provider_rows(&app).await.is_empty(), "{fields:?} stored nothing");
    }

    // Without the right to manage the team: refused. Without CSRF: refused.
    let owner = app.test_db.owner().await;
    let password = make_operator(&owner, "moderation@caf33.caf.fr", false, Some(("gironde", "moderator"))).await;
    let mut moderator = signed_in(&app, "gironde.localhost", "moderation@caf33.caf.fr", &password).await;
    let (status, _) = moderator.get(PAGE).await;
    assert_eq!(status, 403);
    let (status, _, _) = browser
        .post_form(
            PAGE,
            &[("csrf", "forged"), ("display_name", NAME), ("issuer", &provider.issuer)],
        )
        .await;
    assert_eq!(status, 403);
    assert!(provider_rows(&app).await.is_empty());
}

#[tokio::test]
async fn without_a_server_key_no_space_can_store_a_provider() {
    let provider = keycloak().await;
    let app = app_with_keys(None).await;
    let mut browser = operator(&app, "gironde").await;
    let (_, html) = browser.get(PAGE).await;
    assert!(html.contains("ECOUTE_SECRETS_KEY"), "{html}");
    let (status, _, body) = save(
        &mut browser,
        &[
            ("display_name", NAME),
            ("issuer", &provider.issuer),
            ("client_id", "caf-ecoute"),
            ("client_secret", SPACE_SECRET),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(provider_rows(&app).await.is_empty());
}
