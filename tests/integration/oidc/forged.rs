//! Crafted tokens, from the loopback fake: each is refused with a French page, nothing stored.
//! The first test shows the fake's honest answer does sign in, so that each refusal below is
//! due to the one claim or signature it changes.

use serde_json::json;

use super::citizens::start;
use super::forge::{Forge, Scenario, Sign};
use super::*;
use crate::browser::Browser;

const HOST: &str = "gironde.localhost";

/// Starts a sign-in on an app that trusts the fake; crafts the provider's answers with `craft`
/// (given the honest ones for the nonce sent), then comes back. Returns status and body.
async fn with_forged(craft: impl FnOnce(&Forge, Scenario) -> Scenario) -> (u16, Option<String>, String, bool) {
    let forge = Forge::start().await;
    let app = app_with_franceconnect(&forge.issuer, &["gironde"]).await;
    let before = stored(&app).await;
    let mut browser = Browser::new(&app, HOST);
    let to_provider = start(&mut browser, "/").await;
    let nonce = param(&to_provider, "nonce").unwrap();
    let state = param(&to_provider, "state").unwrap();
    let honest = forge.honest(&nonce);
    forge.set(craft(&forge, honest));
    let (status, location, body) = browser
        .get_full(&format!(
            "/connexion/franceconnect/retour?code=forged-code&state={state}"
        ))
        .await;
    let unchanged = stored(&app).await == before && browser.cookie("ecoute_session").is_none();
    let _ = forge.key();
    (status, location, body, unchanged)
}

async fn assert_token_refused(craft: impl FnOnce(&Forge, Scenario) -> Scenario, text: &str) {
    let (status, location, body, unchanged) = with_forged(craft).await;
    assert_eq!(status, 400, "{location:?} {body}");
    assert!(body.contains(text), "expected {text:?} in {body}");
    assert!(unchanged, "nothing stored, no session");
}

const BAD_TOKEN: &str = "La preuve d’identité reçue n’est pas valide";
const BAD_USERINFO: &str = "Les informations d’identité reçues ne sont pas valides";

#[tokio::test]
async fn the_fakes_honest_answer_signs_in() {
    let (status, location, body, unchanged) = with_forged(|_, honest| honest).await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/compte?bienvenue=1")),
        "{body}"
    );
    assert!(!unchanged);
}

#[tokio::test]
async fn a_wrong_nonce_is_refused() {
    assert_token_refused(
        |_, mut s| {
            s.id_token["nonce"] = json!("another-nonce-another-nonce-another-nonce");
            s
        },
        BAD_TOKEN,
    )
    .await;
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    assert_token_refused(
        |_, mut s| {
            let now = chrono::Utc::now().timestamp();
            s.id_token["iat"] = json!(now - 3600);
            s.id_token["exp"] = json!(now - 1800);
            s
        },
        BAD_TOKEN,
    )
    .await;
}

#[tokio::test]
async fn a_token_not_yet_valid_is_refused() {
    assert_token_refused(
        |_, mut s| {
            let now = chrono::Utc::now().timestamp();
            s.id_token["iat"] = json!(now + 3600);
            s.id_token["exp"] = json!(now + 7200);
            s
        },
        BAD_TOKEN,
    )
    .await;
}

#[tokio::test]
async fn a_wrong_audience_is_refused() {
    assert_token_refused(
        |_, mut s| {
            s.id_token["aud"] = json!("another-client");
            s
        },
        BAD_TOKEN,
    )
    .await;
}

#[tokio::test]
async fn a_wrong_issuer_is_refused() {
    assert_token_refused(
        |_, mut s| {
            s.id_token["iss"] = json!("https://attacker.example");
            s
        },
        BAD_TOKEN,
    )
    .await;
}

#[tokio::test]
async fn alg_none_is_refused() {
    assert_token_refused(
        |_, mut s| {
            s.id_sign = Sign::None;
            s
        },
        BAD_TOKEN,
    )
    .await;
}

#[tokio::test]
async fn a_bad_signature_is_refused() {
    assert_token_refused(
        |_, mut s| {
            s.id_sign = Sign::Tampered;
            s
        },
        BAD_TOKEN,
    )
    .await;
}

#[tokio::test]
async fn an_unknown_key_id_is_refused() {
    assert_token_refused(
        |_, mut s| {
            s.id_sign = Sign::UnknownKid;
            s
        },
        BAD_TOKEN,
    )
    .await;
}

#[tokio::test]
async fn a_userinfo_jwt_with_a_bad_signature_is_refused() {
    assert_token_refused(
        |_, mut s| {
            s.userinfo_sign = Sign::Tampered;
            s
        },
        BAD_USERINFO,
    )
    .await;
}

#[tokio::test]
async fn a_userinfo_jwt_with_alg_none_is_refused() {
    assert_token_refused(
        |_, mut s| {
            s.userinfo_sign = Sign::None;
            s
        },
        BAD_USERINFO,
    )
    .await;
}

#[tokio::test]
async fn a_sub_changing_between_token_and_userinfo_is_refused() {
    assert_token_refused(
        |_, mut s| {
            s.userinfo["sub"] = json!("someone-else");
            s
        },
        BAD_USERINFO,
    )
    .await;
}
