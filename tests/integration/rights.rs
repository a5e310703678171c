//! A person's rights: pseudonym, download of all their data, deletion of their account.

use reqwest::Method;
use serde_json::json;

use crate::browser::Browser;
use crate::helpers::{TestApp, campaign_slug, session_for};

async fn post_idea(browser: &mut Browser<'_>, slug: &str, title: &str) -> String {
    let (status, idea) = browser
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{slug}/ideas"),
            Some(json!({"kind": "idee", "title": title, "body": "Un texte assez long pour passer."})),
        )
        .await;
    assert_eq!(status, 201, "{idea}");
    idea["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_person_changes_their_pseudonym_and_downloads_everything_from_every_space() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let (gironde_slug, aude_slug, national_slug) = (
        campaign_slug(&app, "gironde", "local").await,
        campaign_slug(&app, "aude", "local").await,
        campaign_slug(&app, "national", "national").await,
    );
    let mut gironde = Browser::new(&app, "gironde.localhost");
    gironde.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "claire@exemple.fr").await,
    );
    let mut aude = Browser::new(&app, "aude.localhost");
    aude.set_cookie(
        "ecoute_session",
        &session_for(&owner, "aude", "claire@exemple.fr").await,
    );
    post_idea(&mut gironde, &gironde_slug, "En Gironde").await;
    post_idea(&mut gironde, &national_slug, "National depuis la Gironde").await;
    post_idea(&mut aude, &aude_slug, "Dans l’Aude").await;

    // Pseudonym, through the page.
    let csrf = gironde.csrf("/compte").await;
    let (status, _, body) = gironde
        .post_form(
            "/compte/pseudonyme",
            &[("csrf", &csrf), ("pseudonym", "claire@exemple.fr")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("ne peut pas contenir d’adresse électronique"));
    let (status, location, _) = gironde
        .post_form("/compte/pseudonyme", &[("csrf", &csrf), ("pseudonym", "Claire B.")])
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/compte?enregistre=1")));
    let (_, me) = aude.api(Method::GET, "/api/v1/me", None).await;
    assert_eq!(me["pseudonym"], "Claire B.", "the account is platform-wide");

    // The download covers every space.
    let response = app
        .client
        .get(app.url("/compte/mes-donnees"))
        .header("host", "gironde.localhost")
        .header(
            "cookie",
            format!("ecoute_session={}", gironde.cookie("ecoute_session").unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let data: serde_json::Value = response.json().await.unwrap();
    assert_eq!(data["account"]["email"], "claire@exemple.fr");
    let titles: Vec<String> = data["spaces"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["ideas"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["title"].as_str().unwrap().to_owned())
        })
        .collect();
    for t in ["En Gironde", "National depuis la Gironde", "Dans l’Aude"] {
        assert!(titles.iter().any(|x| x == t), "{t} missing from {titles:?}");
    }
}

#[tokio::test]
async fn deleting_an_account_keeps_contributions_anonymous_or_withdraws_them() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let mut keeper = Browser::new(&app, "gironde.localhost");
    keeper.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "garde@exemple.fr").await,
    );
    let mut leaver = Browser::new(&app, "gironde.localhost");
    leaver.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "retire@exemple.fr").await,
    );
    let kept = post_idea(&mut keeper, &slug, "Je reste anonyme").await;
    let withdrawn = post_idea(&mut leaver, &slug, "Je retire tout").await;
    assert_eq!(
        leaver
            .api(Method::POST, &format!("/api/v1/ideas/{kept}/like"), None)
            .await
            .0,
        201
    );

    // Page: the confirmation is required.
    let csrf = keeper.csrf("/compte").await;
    let (status, _, body) = keeper
        .post_form("/compte/suppression", &[("csrf", &csrf), ("contributions", "garder")])
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("cochez la case de confirmation"));
    let (status, _, body) = keeper
        .post_form(
            "/compte/suppression",
            &[("csrf", &csrf), ("contributions", "garder"), ("confirmer", "oui")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("Votre compte a été supprimé"));
    assert_eq!(
        keeper.api(Method::GET, "/api/v1/me", None).await.0,
        401,
        "the session is gone"
    );
    let (_, idea) = leaver.api(Method::GET, &format!("/api/v1/ideas/{kept}"), None).await;
    assert_eq!(
        (idea["author"].as_str(), idea["title"].as_str()),
        (Some("Anonyme"), Some("Je reste anonyme"))
    );

    // API: withdraw everything.
    assert_eq!(
        leaver
            .api(Method::DELETE, "/api/v1/me?contributions=withdraw", None)
            .await
            .0,
        204
    );
    let remaining: i64 =
        sqlx::query_scalar("SELECT count(*) FROM accounts WHERE email IN ('garde@exemple.fr', 'retire@exemple.fr')")
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(remaining, 0);
    let (title, body, status, likes): (String, String, String, i32) = sqlx::query_as(
        "SELECT i.title, i.body, i.status, (SELECT like_count FROM ideas WHERE id = $2) FROM ideas i WHERE i.id = $1",
    )
    .bind(withdrawn.parse::<uuid::Uuid>().unwrap())
    .bind(kept.parse::<uuid::Uuid>().unwrap())
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!((title.as_str(), status.as_str()), ("Contribution retirée", "hidden"));
    assert!(!body.contains("Je retire tout"));
    assert_eq!(likes, 0, "the withdrawn person's like is gone");
}
