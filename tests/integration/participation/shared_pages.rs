//! Anonymous idea pages are rendered once and shared (issue 23): a change through this
//! instance (a comment, a like, a moderation decision) shows at once; a change it does not know
//! of shows within the pages' time to live; signed-in people always get their own page.

use std::time::{Duration, Instant};

use reqwest::Method;

use crate::browser::{Browser, extract};
use crate::consoles::{make_operator, signed_in as operator};
use crate::helpers::{TestApp, as_owner, campaign_slug, tenant_id};

use super::*;

const HOST: &str = "gironde.localhost";

// Over 100 lines: one idea's page through each kind of change, in order; each step reads the
// page anonymously right after the change.
#[tokio::test]
async fn an_anonymous_idea_page_is_shared_until_a_change_through_this_instance() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let mut author = signed_in(&app, "gironde", HOST, "autrice@exemple.fr").await;
    let mut reader = signed_in(&app, "gironde", HOST, "lecteur@exemple.fr").await;
    let mut visitor = Browser::new(&app, HOST);
    let body =
        serde_json::json!({"kind": "idee", "title": "Une page partagée", "body": "Le texte d’origine de l’idée."});
    let (status, idea) = author
        .api(Method::POST, &format!("/api/v1/campaigns/{slug}/ideas"), Some(body))
        .await;
    assert_eq!(status, 201, "{idea}");
    let id = idea["id"].as_str().unwrap().to_owned();
    let path = format!("/consultations/{slug}/idees/{id}");

    let (status, first) = visitor.get(&path).await;
    assert_eq!(status, 200);
    assert!(first.contains("Le texte d’origine de l’idée."));
    // A change this instance is not told of (another instance's, or SQL): anonymous visitors
    // keep the shared page while it lives; a signed-in reader renders their own.
    let changed = Instant::now();
    let gironde = tenant_id(&owner, "gironde").await;
    as_owner(
        &owner,
        gironde,
        format!("UPDATE ideas SET body = 'Un texte changé ailleurs.' WHERE id = '{id}'"),
    )
    .await;
    let (_, shared) = visitor.get(&path).await;
    if changed.elapsed() < Duration::from_secs(4) {
        assert_eq!(shared, first, "the anonymous page is the shared one");
    }
    let (_, own) = reader.get(&path).await;
    assert!(
        own.contains("Un texte changé ailleurs."),
        "a signed-in reader's page is rendered for them"
    );
    assert!(!own.contains("Le texte d’origine"));

    // A comment through this instance shows at once, with the count.
    let (status, comment) = reader
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/comments"),
            Some(serde_json::json!({"body": "Un commentaire qui se voit tout de suite."})),
        )
        .await;
    assert_eq!(status, 201, "{comment}");
    let comment = comment["id"].as_str().unwrap().to_owned();
    let (_, page) = visitor.get(&path).await;
    assert!(page.contains("Un commentaire qui se voit tout de suite."), "{page}");
    // So does a like.
    assert!(page.contains("data-n=\"0\""));
    let (status, _) = reader
        .api(Method::POST, &format!("/api/v1/ideas/{id}/like"), None)
        .await;
    assert_eq!(status, 201);
    let (_, page) = visitor.get(&path).await;
    assert!(page.contains("data-n=\"1\""), "the like is counted on the shared page");

    // Its author rewords it: the counts stay, the snapshot is replaced, the page follows.
    let (status, edited) = reader
        .api(
            Method::PUT,
            &format!("/api/v1/ideas/{id}/comments/{comment}"),
            Some(serde_json::json!({"body": "Un commentaire reformulé par son auteur."})),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    let (_, page) = visitor.get(&path).await;
    assert!(page.contains("Un commentaire reformulé par son auteur."), "{page}");

    // English readers get their own shared page.
    let mut english = Browser::new(&app, HOST);
    english.set_cookie("lang", "en");
    let (_, page) = english.get(&path).await;
    assert!(page.contains("lang=\"en\"") && page.contains("Un commentaire reformulé par son auteur."));

    // A moderator hides the comment: gone at once from the shared pages.
    let password = make_operator(&owner, "mod@caf33.caf.fr", false, Some(("gironde", "moderator"))).await;
    let mut moderator = operator(&app, HOST, "mod@caf33.caf.fr", &password).await;
    let (_, console) = moderator.get("/admin/moderation").await;
    let csrf = extract(&console, "name=\"csrf\" value=\"").unwrap();
    let fields = [
        ("csrf", csrf.as_str()),
        ("kind", "comment"),
        ("id", comment.as_str()),
        ("decision", "hide"),
        ("charter_reason", "hate"),
    ];
    assert_eq!(moderator.post_form("/admin/moderation", &fields).await.0, 303);
    for browser in [&mut visitor, &mut english] {
        let (_, page) = browser.get(&path).await;
        assert!(!page.contains("Un commentaire reformulé par son auteur."), "{page}");
    }
    // The idea itself hidden: the placeholder, never the words.
    let fields = [
        ("csrf", csrf.as_str()),
        ("kind", "idea"),
        ("id", id.as_str()),
        ("decision", "hide"),
        ("charter_reason", "insults"),
    ];
    assert_eq!(moderator.post_form("/admin/moderation", &fields).await.0, 303);
    let (status, page) = visitor.get(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Masquée par la modération") && !page.contains("Un texte changé ailleurs."));
}
