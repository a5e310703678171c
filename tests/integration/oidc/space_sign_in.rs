//! Signing in with a space's own provider (the Keycloak-like test provider: RS256, userinfo as
//! plain JSON, client_secret_basic): a citizen is linked by a verified address, recorded with
//! the `space` kind and signed out at the provider; an unverified address is refused; a
//! provider of space A never signs anyone into space B; a sealed secret opens only with its
//! key, in its space and its row, and a rotated key seals it again; operators follow
//! ProConnect's rules when the space lets them.

use super::space_console::{NAME, app_with_keys, configure, keycloak, keys, operator};
use super::*;
use crate::browser::Browser;

const GIRONDE: &str = "gironde.localhost";

/// Starts the space provider's sign-in on `browser`'s host: the redirect to the provider.
async fn start(browser: &mut Browser<'_>) -> (u16, Option<String>) {
    let (status, location, _) = browser.get_full("/connexion/annuaire?retour=/").await;
    (status, location)
}

/// Signs in at the provider as `person` from a started sign-in; the callback's answer.
async fn finish(
    browser: &mut Browser<'_>,
    provider: &NodeProvider,
    to_provider: &str,
    person: &str,
) -> (u16, Option<String>, String) {
    let back = provider.sign_in(to_provider, person).await;
    let (status, location, body) = browser.get_full(&path_of(&back)).await;
    (status, location, unescape(&body))
}

#[tokio::test]
async fn a_citizen_signs_in_with_the_space_provider_linked_by_verified_email_and_signs_out_there() {
    let provider = keycloak().await;
    let app = app_with_keys(Some(keys(7, None))).await;
    configure(&mut operator(&app, "gironde").await, &provider.issuer, false).await;
    let owner = app.test_db.owner().await;
    crate::helpers::session_for(&owner, "gironde", "dominique@exemple.fr").await;
    let existing: uuid::Uuid = sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'dominique@exemple.fr'")
        .fetch_one(&owner)
        .await
        .unwrap();

    let mut browser = Browser::new(&app, GIRONDE);
    let (_, page) = browser.get("/connexion").await;
    assert!(page.contains(&format!("Se connecter avec {NAME}")), "{page}");
    assert!(page.contains("href=\"/connexion/annuaire?retour="), "{page}");
    let (status, to_provider) = start(&mut browser).await;
    let to_provider = to_provider.unwrap();
    assert_eq!(status, 303);
    assert!(
        to_provider.starts_with(&format!("{}/auth?", provider.issuer)),
        "{to_provider}"
    );
    assert_eq!(param(&to_provider, "client_id").as_deref(), Some("caf-ecoute"));
    assert_eq!(param(&to_provider, "scope").as_deref(), Some("openid email profile"));
    assert_eq!(param(&to_provider, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(
        param(&to_provider, "redirect_uri").as_deref(),
        Some("http://gironde.localhost/connexion/annuaire/retour")
    );

    let (status, location, body) = finish(
        &mut browser,
        &provider,
        &to_provider,
        "sub=kc-dominique&email=Dominique@Exemple.fr",
    )
    .await;
    assert_eq!((status, location.as_deref()), (303, Some("/")), "{body}");
    let (linked, kind): (uuid::Uuid, String) =
        sqlx::query_as("SELECT account_id, provider FROM oidc_identities WHERE subject = 'kc-dominique'")
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!((linked, kind.as_str()), (existing, "space"));
    let session_kind: String = sqlx::query_scalar("SELECT oidc_provider FROM sessions WHERE oidc_provider IS NOT NULL")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(session_kind, "space");

    // Sign-out goes on to the space's provider.
    let csrf = browser.csrf("/compte").await;
    let (status, _, body) = browser.post_form("/deconnexion", &[("csrf", &csrf)]).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        unescape(&body).contains(&format!("{}/session/end?", provider.issuer)),
        "{body}"
    );

    // Another space offers nothing of it.
    let mut aude = Browser::new(&app, "aude.localhost");
    let (_, page) = aude.get("/connexion").await;
    assert!(!page.contains("/connexion/annuaire"), "{page}");
    assert_eq!(start(&mut aude).await.0, 404);
}

#[tokio::test]
async fn an_address_the_provider_did_not_verify_links_nothing() {
    let provider = keycloak().await;
    let app = app_with_keys(Some(keys(7, None))).await;
    configure(&mut operator(&app, "gironde").await, &provider.issuer, false).await;
    let before = stored(&app).await;
    let mut browser = Browser::new(&app, GIRONDE);
    let to_provider = start(&mut browser).await.1.unwrap();
    let (status, _, body) = finish(
        &mut browser,
        &provider,
        &to_provider,
        "sub=kc-x&email=dominique@exemple.fr&verified=0",
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("n’a pas confirmé avoir vérifié votre adresse"), "{body}");
    assert_eq!(stored(&app).await, before, "no session, identity nor account");
    assert!(browser.cookie("ecoute_session").is_none());
}

#[tokio::test]
async fn a_provider_of_one_space_never_signs_anyone_into_another() {
    let provider = keycloak().await;
    let app = app_with_keys(Some(keys(7, None))).await;
    // The same Keycloak serves two spaces, each with its own row.
    configure(&mut operator(&app, "gironde").await, &provider.issuer, false).await;
    configure(&mut operator(&app, "aude").await, &provider.issuer, false).await;
    let before = stored(&app).await;

    // Started in gironde, its answer brought to aude's callback (with gironde's binding).
    let mut gironde = Browser::new(&app, GIRONDE);
    let to_provider = start(&mut gironde).await.1.unwrap();
    let back = provider
        .sign_in(&to_provider, "sub=kc-camille&email=camille@exemple.fr")
        .await;
    let mut aude = Browser::new(&app, "aude.localhost");
    aude.set_cookie("ecoute_oidc", gironde.cookie("ecoute_oidc").unwrap());
    let (status, _, body) = aude.get_full(&path_of(&back)).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        unescape(&body).contains("Cette connexion n’a pas été demandée ici"),
        "{body}"
    );
    assert!(aude.cookie("ecoute_session").is_none());
    assert_eq!(stored(&app).await, before, "nothing signed in anywhere");
}

/// Gironde's sealed secret and row id, as the owner reads them.
async fn sealed_row(owner: &sqlx::PgPool) -> (uuid::Uuid, Vec<u8>) {
    sqlx::query_as(
        "SELECT p.id, p.client_secret_sealed FROM space_oidc_providers p JOIN tenants t ON t.id = p.tenant_id
          WHERE t.slug = 'gironde'",
    )
    .fetch_one(owner)
    .await
    .unwrap()
}

/// The same database served with other server keys.
async fn sibling_with(app: &TestApp, keys: ecoute::config::oidc::ServerKeys) -> TestApp {
    let mut settings = app.test_db.settings();
    settings.server_keys = Some(keys);
    TestApp::spawn_with_settings(app.test_db.sharing(), settings).await
}

#[tokio::test]
async fn a_sealed_secret_opens_only_with_its_key_in_its_space_and_row_and_rotation_seals_it_again() {
    let provider = keycloak().await;
    let app = app_with_keys(Some(keys(7, None))).await;
    configure(&mut operator(&app, "gironde").await, &provider.issuer, false).await;
    let owner = app.test_db.owner().await;
    let (id, sealed) = sealed_row(&owner).await;
    assert_eq!(start(&mut Browser::new(&app, GIRONDE)).await.0, 303);

    // Another server key: the secret does not open, the provider is not offered.
    let other = sibling_with(&app, keys(8, None)).await;
    assert_eq!(start(&mut Browser::new(&other, GIRONDE)).await.0, 404);

    // Copied into another space's row: it does not open there.
    let aude = crate::helpers::tenant_id(&owner, "aude").await;
    sqlx::query(
        "INSERT INTO space_oidc_providers (id, tenant_id, display_name, issuer, client_id, client_secret_sealed)
         VALUES ($1, $2, 'copie', $3, 'caf-ecoute', $4)",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(aude)
    .bind(&provider.issuer)
    .bind(&sealed)
    .execute(&owner)
    .await
    .unwrap();
    assert_eq!(start(&mut Browser::new(&app, "aude.localhost")).await.0, 404);
    // Nor under another row id of its own space.
    let moved = uuid::Uuid::new_v4();
    sqlx::query("UPDATE space_oidc_providers SET id = $2 WHERE id = $1")
        .bind(id)
        .bind(moved)
        .execute(&owner)
        .await
        .unwrap();
    assert_eq!(start(&mut Browser::new(&app, GIRONDE)).await.0, 404);
    sqlx::query("UPDATE space_oidc_providers SET id = $1 WHERE id = $2")
        .bind(id)
        .bind(moved)
        .execute(&owner)
        .await
        .unwrap();

    // Rotation: the new key with the old one as previous opens it, and seals it again.
    let rotated = sibling_with(&app, keys(9, Some(7))).await;
    assert_eq!(start(&mut Browser::new(&rotated, GIRONDE)).await.0, 303);
    let (_, resealed) = sealed_row(&owner).await;
    assert_ne!(resealed, sealed);
    let only_new = sibling_with(&app, keys(9, None)).await;
    assert_eq!(start(&mut Browser::new(&only_new, GIRONDE)).await.0, 303);
    assert_eq!(
        start(&mut Browser::new(&app, GIRONDE)).await.0,
        404,
        "the old key alone no longer opens it"
    );
}

#[tokio::test]
async fn operators_sign_in_with_it_only_where_the_space_allows_and_by_their_address() {
    let provider = keycloak().await;
    let app = app_with_keys(Some(keys(7, None))).await;
    let mut console = operator(&app, "gironde").await;
    configure(&mut console, &provider.issuer, false).await;
    let mut browser = Browser::new(&app, GIRONDE);
    let (_, page) = browser.get("/admin/connexion").await;
    assert!(
        !page.contains("/admin/connexion/annuaire"),
        "not for operators yet: {page}"
    );
    let (status, _, _) = browser.get_full("/admin/connexion/annuaire?retour=/admin").await;
    assert_eq!(status, 404);

    configure(&mut console, &provider.issuer, true).await;
    let (_, page) = browser.get("/admin/connexion").await;
    assert!(page.contains("href=\"/admin/connexion/annuaire?retour="), "{page}");
    let (status, to_provider, _) = browser.get_full("/admin/connexion/annuaire?retour=/admin").await;
    assert_eq!(status, 303);
    // An address that is no operator's: refused.
    let (status, _, body) = finish(
        &mut browser,
        &provider,
        &to_provider.unwrap(),
        "sub=kc-stranger&email=stranger@exemple.fr&mfa=1",
    )
    .await;
    assert_eq!(status, 403, "{body}");
    // The operator, with a second factor at the provider: into the console.
    let (_, to_provider, _) = browser.get_full("/admin/connexion/annuaire?retour=/admin").await;
    let (status, _, body) = finish(
        &mut browser,
        &provider,
        &to_provider.unwrap(),
        "sub=kc-op&email=equipe@gironde.caf.fr&mfa=1",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("content=\"0; url=/admin\""), "{body}");
    let (status, home) = browser.get("/admin").await;
    assert_eq!(status, 200);
    assert!(!home.contains("action=\"/admin/connexion\""), "in the console");
}
