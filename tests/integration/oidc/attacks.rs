//! Callbacks that must not sign anyone in, with the real provider: a missing, reused, foreign
//! or expired `state`, a state from another space, a replayed code, an error from the
//! provider, a level below the one asked. Each gets a French page and leaves nothing stored.

use super::citizens::start;
use super::*;
use crate::browser::Browser;

struct Setup {
    provider: NodeProvider,
    app: TestApp,
}

async fn setup() -> Setup {
    let hosts = ["gironde.localhost", "aude.localhost"];
    let provider = NodeProvider::start(
        "franceconnect",
        &hosts.iter().map(|h| callback(h)).collect::<Vec<_>>(),
        &[],
    )
    .await;
    let app = app_with_franceconnect(&provider.issuer, &["gironde", "aude"]).await;
    Setup { provider, app }
}

/// The callback answered a refusal page with `text`, set no session, and stored nothing.
async fn assert_refused(browser: &mut Browser<'_>, path: &str, before: (i64, i64, i64), text: &str) {
    let (status, location, body) = browser.get_full(path).await;
    assert!((400..500).contains(&status) || status == 502, "{status} {location:?}");
    assert!(body.contains("Connexion impossible"), "{body}");
    assert!(body.contains(text), "expected {text:?} in {body}");
    assert!(body.contains("aucune donnée n’a été enregistrée"));
    assert!(browser.cookie("ecoute_session").is_none(), "no session cookie");
    assert_eq!(
        stored(browser.app).await,
        before,
        "sessions, identities, accounts unchanged"
    );
}

#[tokio::test]
async fn a_missing_or_reused_state_is_refused() {
    let Setup { provider, app } = setup().await;
    let mut browser = Browser::new(&app, "gironde.localhost");
    let before = stored(&app).await;
    let to_provider = start(&mut browser, "/").await;
    let back = path_of(&provider.sign_in(&to_provider, "sub=fc-a&email=a@exemple.fr").await);

    // Without state.
    let code = param(&back, "code").unwrap();
    assert_refused(
        &mut browser,
        &format!("/connexion/franceconnect/retour?code={code}"),
        before,
        "incomplète",
    )
    .await;
    // A state nobody started.
    assert_refused(
        &mut browser,
        &format!("/connexion/franceconnect/retour?code={code}&state=forged-forged-forged-forged-forged-forged"),
        before,
        "pas été demandée ici",
    )
    .await;

    // The real one works once, and not twice: replayed with the binding it had.
    let kept = browser.cookie("ecoute_oidc").unwrap().to_owned();
    let (status, _, _) = browser.get_full(&back).await;
    assert_eq!(status, 303);
    let signed_in = stored(&app).await;
    assert_eq!(signed_in.0, before.0 + 1);
    let mut replayer = Browser::new(&app, "gironde.localhost");
    replayer.set_cookie("ecoute_oidc", &kept);
    assert_refused(&mut replayer, &back, signed_in, "déjà servi").await;
}

#[tokio::test]
async fn a_state_from_another_browser_or_another_space_is_refused() {
    let Setup { provider, app } = setup().await;
    let before = stored(&app).await;
    let mut victim = Browser::new(&app, "gironde.localhost");
    let to_provider = start(&mut victim, "/").await;
    let back = path_of(&provider.sign_in(&to_provider, "sub=fc-b&email=b@exemple.fr").await);

    // Another browser, with no binding: refused.
    let mut stranger = Browser::new(&app, "gironde.localhost");
    assert_refused(&mut stranger, &back, before, "incomplète").await;
    // Another browser with a binding of its own (it started a sign-in too): refused.
    let mut other = Browser::new(&app, "gironde.localhost");
    start(&mut other, "/").await;
    assert_refused(&mut other, &back, before, "autre navigateur").await;

    // The same browser binding, the same state and code, on another space's callback: that
    // space never started it (RLS keeps each space's sign-ins to itself).
    let mut across = Browser::new(&app, "aude.localhost");
    across.set_cookie("ecoute_oidc", victim.cookie("ecoute_oidc").unwrap());
    assert_refused(&mut across, &back, before, "pas été demandée ici").await;

    // The victim's own callback still works: the refusals above spent nothing.
    let (status, _, _) = victim.get_full(&back).await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn an_expired_state_is_refused() {
    let Setup { provider, app } = setup().await;
    let before = stored(&app).await;
    let mut browser = Browser::new(&app, "gironde.localhost");
    let to_provider = start(&mut browser, "/").await;
    let back = path_of(&provider.sign_in(&to_provider, "sub=fc-c&email=c@exemple.fr").await);
    let owner = app.test_db.owner().await;
    sqlx::query("UPDATE oidc_logins SET expires_at = now() - interval '1 second'")
        .execute(&owner)
        .await
        .unwrap();
    assert_refused(&mut browser, &back, before, "plus de 10 minutes").await;
}

#[tokio::test]
async fn a_replayed_code_is_refused_by_the_provider() {
    let Setup { provider, app } = setup().await;
    let mut browser = Browser::new(&app, "gironde.localhost");
    let to_provider = start(&mut browser, "/").await;
    let back = path_of(&provider.sign_in(&to_provider, "sub=fc-d&email=d@exemple.fr").await);
    let (status, _, _) = browser.get_full(&back).await;
    assert_eq!(status, 303);
    let before = stored(&app).await;
    // An attacker who saw the code starts a sign-in of their own and offers the used code.
    let mut attacker = Browser::new(&app, "gironde.localhost");
    let theirs = start(&mut attacker, "/").await;
    let state = param(&theirs, "state").unwrap();
    let code = param(&back, "code").unwrap();
    assert_refused(
        &mut attacker,
        &format!("/connexion/franceconnect/retour?code={code}&state={state}"),
        before,
        "refusé de confirmer",
    )
    .await;
}

#[tokio::test]
async fn an_error_from_the_provider_is_refused() {
    let Setup {
        app,
        provider: _provider,
    } = setup().await;
    let before = stored(&app).await;
    let mut browser = Browser::new(&app, "gironde.localhost");
    let to_provider = start(&mut browser, "/").await;
    let state = param(&to_provider, "state").unwrap();
    assert_refused(
        &mut browser,
        &format!("/connexion/franceconnect/retour?error=access_denied&error_description=annule&state={state}"),
        before,
        "n’a pas confirmé votre identité",
    )
    .await;
}

#[tokio::test]
async fn a_level_below_the_one_asked_is_refused() {
    let Setup { provider, app } = setup().await;
    let before = stored(&app).await;
    let mut browser = Browser::new(&app, "gironde.localhost");
    let to_provider = start(&mut browser, "/").await;
    // The provider says it authenticated the person at a level below eidas1.
    let back = path_of(
        &provider
            .sign_in(&to_provider, "sub=fc-e&email=e@exemple.fr&acr=eidas0")
            .await,
    );
    assert_refused(&mut browser, &back, before, "niveau de vérification").await;
}
