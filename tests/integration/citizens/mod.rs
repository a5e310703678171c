//! Citizens own what they wrote (issue 24, item 1): they edit an idea or a comment while the
//! campaign is open (moderators see the earlier text, likes stay), withdraw it (its place reads
//! "Retirée par son auteur"), and find everything they gave on "Mes contributions". And their
//! conversations (item 2): comments dated, reportable.
//!
//! This file holds what the tests share; the tests are in the files beside it.

use reqwest::Method;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, campaign_slug, session_for};

mod api;
mod conversations;
mod long_discussions;
mod mail_language;
mod mine;
mod own;

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let owner = app.test_db.owner().await;
    let mut browser = Browser::new(app, "gironde.localhost");
    browser.set_cookie("ecoute_session", &session_for(&owner, "gironde", email).await);
    browser
}

/// A local campaign of Gironde and an idea of `author` in it (through the API): its slug and id.
async fn idea_of(app: &TestApp, author: &mut Browser<'_>, title: &str) -> (String, String) {
    let slug = campaign_slug(app, "gironde", "local").await;
    let body =
        serde_json::json!({"kind": "idee", "title": title, "body": "Ouvrir l’accueil un samedi matin par mois."});
    let (status, idea) = author
        .api(Method::POST, &format!("/api/v1/campaigns/{slug}/ideas"), Some(body))
        .await;
    assert_eq!(status, 201, "{idea}");
    (slug, idea["id"].as_str().unwrap().to_owned())
}

/// A comment of `who` on the idea (through the API): its id.
async fn comment_on(who: &mut Browser<'_>, idea: &str, body: &str) -> String {
    let (status, comment) = who
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{idea}/comments"),
            Some(serde_json::json!({ "body": body })),
        )
        .await;
    assert_eq!(status, 201, "{comment}");
    comment["id"].as_str().unwrap().to_owned()
}

fn csrf_of(page: &str) -> String {
    extract(page, "name=\"csrf\" value=\"").expect("a form on the page")
}
