//! An operator signs in with the ProConnect-like provider (RS256, `amr`): straight into the
//! console when ProConnect used a second factor, through the TOTP step otherwise; an address
//! that is no operator's is refused.

use ecoute::config::oidc::{OidcKind, OidcProvider};

use super::*;
use crate::browser::Browser;
use crate::consoles::make_operator;

const HOST: &str = "gironde.localhost";

async fn setup() -> (NodeProvider, TestApp) {
    let provider = NodeProvider::start(
        "proconnect",
        &[format!("http://{HOST}/admin/connexion/proconnect/retour")],
        &[],
    )
    .await;
    let test_db = TestDb::new().await;
    let mut settings = test_db.settings();
    settings.oidc = vec![OidcProvider {
        kind: OidcKind::ProConnect,
        issuer: provider.issuer.clone(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned().into(),
        spaces: None,
        scopes: Vec::new(),
    }];
    let app = TestApp::spawn_with_settings(test_db, settings).await;
    (provider, app)
}

/// Signs in at ProConnect as `person`; returns the browser and the callback's answer.
async fn proconnect<'a>(
    app: &'a TestApp,
    provider: &NodeProvider,
    person: &str,
) -> (Browser<'a>, u16, Option<String>, String) {
    let mut browser = Browser::new(app, HOST);
    let (_, page) = browser.get("/admin/connexion").await;
    assert!(page.contains("href=\"/admin/connexion/proconnect?retour="), "{page}");
    let (status, to_provider, _) = browser.get_full("/admin/connexion/proconnect?retour=/admin").await;
    assert_eq!(status, 303);
    let to_provider = to_provider.unwrap();
    assert!(to_provider.starts_with(&provider.issuer));
    let back = provider.sign_in(&to_provider, person).await;
    let (status, location, body) = browser.get_full(&path_of(&back)).await;
    (browser, status, location, unescape(&body))
}

#[tokio::test]
async fn an_operator_signs_in_with_proconnect_and_a_second_factor_into_the_console() {
    let (provider, app) = setup().await;
    let owner = app.test_db.owner().await;
    make_operator(&owner, "agent@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    // Even with TOTP set, ProConnect's second factor stands for the code.
    sqlx::query("UPDATE operators SET totp_secret = $1 WHERE email = 'agent@caf33.caf.fr'")
        .bind(b"12345678901234567890".to_vec())
        .execute(&owner)
        .await
        .unwrap();
    let (mut browser, status, location, body) = proconnect(
        &app,
        &provider,
        "sub=pc-agent&email=agent@caf33.caf.fr&siret=21330063500017",
    )
    .await;
    // A page of the space's host that goes on to the console (a redirect would lose the
    // `SameSite=Strict` console cookie after ProConnect's cross-site navigation).
    assert_eq!((status, location), (200, None), "{body}");
    assert!(
        body.contains("content=\"0; url=/admin\"") && body.contains("href=\"/admin\""),
        "{body}"
    );
    let (status, console) = browser.get("/admin").await;
    assert_eq!(status, 200);
    assert!(
        !console.contains("action=\"/admin/connexion\""),
        "in the console, not its sign-in form"
    );
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE details->>'provider' = 'proconnect'")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn without_a_second_factor_at_proconnect_the_totp_step_still_applies() {
    let (provider, app) = setup().await;
    let owner = app.test_db.owner().await;
    make_operator(&owner, "agent@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    sqlx::query("UPDATE operators SET totp_secret = $1 WHERE email = 'agent@caf33.caf.fr'")
        .bind(b"12345678901234567890".to_vec())
        .execute(&owner)
        .await
        .unwrap();
    let (mut browser, status, location, body) =
        proconnect(&app, &provider, "sub=pc-agent&email=agent@caf33.caf.fr&mfa=0").await;
    assert_eq!((status, location), (200, None));
    let next = crate::browser::extract(&body, "content=\"0; url=").unwrap();
    assert!(next.starts_with("/admin/connexion/code"), "{next}");
    // The console is not open before the code.
    let (status, _, _) = browser.get_full("/admin").await;
    assert_ne!(status, 200);
}

#[tokio::test]
async fn a_proconnect_address_that_is_no_operators_is_refused() {
    let (provider, app) = setup().await;
    let owner = app.test_db.owner().await;
    let (browser, status, _, body) = proconnect(&app, &provider, "sub=pc-x&email=inconnu@caf33.caf.fr").await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("n’est celle d’aucun opérateur"));
    assert!(browser.cookie("ecoute_console").is_none());
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM operator_sessions")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
}
