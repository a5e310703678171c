//! A citizen signs in with the FranceConnect-like provider (ES256 ID token, eidas1, userinfo
//! as a signed JWT): first time linked and sent to choose a pseudonym, next time straight back;
//! sign-out goes on to the provider's end-session endpoint.

use super::*;
use crate::browser::Browser;

/// Starts a sign-in in `browser` (which keeps the binding cookie): the app's redirect to the
/// provider.
pub async fn start(browser: &mut Browser<'_>, retour: &str) -> String {
    let (status, location, body) = browser
        .get_full(&format!("/connexion/franceconnect?retour={retour}"))
        .await;
    assert_eq!(status, 303, "{body}");
    assert!(browser.cookie("ecoute_oidc").is_some(), "a binding cookie");
    location.unwrap()
}

#[tokio::test]
async fn franceconnect_sign_in_links_the_identity_and_signs_out_at_the_provider() {
    let host = "gironde.localhost";
    let provider = NodeProvider::start("franceconnect", &[callback(host)], &[format!("http://{host}/")]).await;
    let app = app_with_franceconnect(&provider.issuer, &["gironde"]).await;
    let mut browser = Browser::new(&app, host);

    // The button and its explanation link, on the sign-in page of a space that offers it.
    let (_, page) = browser.get("/connexion").await;
    assert!(page.contains("href=\"/connexion/franceconnect?retour="), "{page}");
    assert!(page.contains("Qu’est-ce que FranceConnect ?"));
    // Not where it is not offered.
    let (_, elsewhere) = Browser::new(&app, "aude.localhost").get("/connexion").await;
    assert!(!elsewhere.contains("/connexion/franceconnect"));

    let before = stored(&app).await;
    let to_provider = start(&mut browser, "/").await;
    assert!(
        to_provider.starts_with(&format!("{}/auth?", provider.issuer)),
        "{to_provider}"
    );
    // The fewest scopes, the level asked, PKCE, and a state and nonce of 43 characters.
    assert_eq!(param(&to_provider, "scope").as_deref(), Some("openid email"));
    assert_eq!(param(&to_provider, "acr_values").as_deref(), Some("eidas1"));
    assert_eq!(param(&to_provider, "code_challenge_method").as_deref(), Some("S256"));
    assert!(param(&to_provider, "state").unwrap().len() >= 32);
    assert!(param(&to_provider, "nonce").unwrap().len() >= 32);

    let back = provider
        .sign_in(&to_provider, "sub=fc-camille&email=Camille@Exemple.fr")
        .await;
    assert!(back.starts_with(&callback(host)), "{back}");
    let (status, location, _) = browser.get_full(&path_of(&back)).await;
    assert_eq!(status, 303);
    // A new account: to "Mon compte", to choose a pseudonym.
    assert_eq!(location.as_deref(), Some("/compte?bienvenue=1"));
    assert!(browser.cookie("ecoute_session").is_some());
    let (status, account) = browser.get("/compte").await;
    assert_eq!(status, 200);
    assert!(account.contains("camille@exemple.fr"), "{account}");

    let owner = app.test_db.owner().await;
    let (email, provider_key, acr): (String, String, String) = sqlx::query_as(
        "SELECT a.email, i.provider, i.acr FROM oidc_identities i JOIN accounts a ON a.id = i.account_id
          WHERE i.subject = 'fc-camille'",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(
        (email.as_str(), provider_key.as_str(), acr.as_str()),
        ("camille@exemple.fr", "franceconnect", "eidas1")
    );
    let after = stored(&app).await;
    assert_eq!((after.0, after.1, after.2), (before.0 + 1, before.1 + 1, before.2 + 1));

    // Sign-out: here, then at the provider with the ID token as hint and the way back.
    let csrf = browser.csrf("/compte").await;
    let (status, _, body) = browser.post_form("/deconnexion", &[("csrf", &csrf)]).await;
    let body = unescape(&body);
    // A page that goes on to the provider (meta refresh and link), not a redirect, which the
    // page's CSP `form-action 'self'` would have Chromium block.
    assert_eq!(status, 200, "{body}");
    let logout = crate::browser::extract(&body, "class=\"button\" href=\"").unwrap();
    assert_eq!(
        crate::browser::extract(&body, "content=\"0; url="),
        Some(logout.clone())
    );
    assert!(
        logout.starts_with(&format!("{}/session/end?", provider.issuer)),
        "{logout}"
    );
    assert!(param(&logout, "id_token_hint").is_some_and(|t| t.split('.').count() == 3));
    assert_eq!(
        param(&logout, "post_logout_redirect_uri").as_deref(),
        Some("http://gironde.localhost/")
    );
    // The provider accepts it (it shows its logout confirmation, not an error).
    let (status, body) = {
        crate::helpers::crypto();
        let r = reqwest::get(&logout).await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    assert_eq!(status, 200, "{body}");
    assert!(!body.starts_with("error"), "{body}");
    let (_, account) = browser.get("/compte").await;
    assert!(!account.contains("camille@exemple.fr"));

    // Next time: the same account, straight back where the person was.
    let to_provider = start(&mut browser, "/campagnes").await;
    let back = provider
        .sign_in(&to_provider, "sub=fc-camille&email=camille@exemple.fr")
        .await;
    let (status, location, _) = browser.get_full(&path_of(&back)).await;
    assert_eq!((status, location.as_deref()), (303, Some("/campagnes")));
    let again = stored(&app).await;
    assert_eq!((again.1, again.2), (after.1, after.2), "no second identity nor account");
}

#[tokio::test]
async fn franceconnect_links_to_the_existing_account_with_the_same_email() {
    let host = "gironde.localhost";
    let provider = NodeProvider::start("franceconnect", &[callback(host)], &[]).await;
    let app = app_with_franceconnect(&provider.issuer, &["gironde"]).await;
    let owner = app.test_db.owner().await;
    // An account that signed in by e-mail link before.
    crate::helpers::session_for(&owner, "gironde", "dominique@exemple.fr").await;
    let existing: uuid::Uuid = sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'dominique@exemple.fr'")
        .fetch_one(&owner)
        .await
        .unwrap();
    let mut browser = Browser::new(&app, host);
    let to_provider = start(&mut browser, "/").await;
    let back = provider
        .sign_in(&to_provider, "sub=fc-dominique&email=dominique@exemple.fr")
        .await;
    let (status, location, _) = browser.get_full(&path_of(&back)).await;
    // Not a new account: back where the person was, no pseudonym to choose.
    assert_eq!((status, location.as_deref()), (303, Some("/")));
    let linked: uuid::Uuid =
        sqlx::query_scalar("SELECT account_id FROM oidc_identities WHERE subject = 'fc-dominique'")
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(linked, existing);
}
