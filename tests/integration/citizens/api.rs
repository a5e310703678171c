//! Editing and withdrawing one's own ideas and comments through the API: refusals are problem
//! documents, and what is not the person's own is out of reach.

use super::*;

#[tokio::test]
async fn the_api_edits_and_withdraws_an_idea_with_problem_refusals() {
    let app = TestApp::spawn().await;
    let mut author = signed_in(&app, "autrice@exemple.fr").await;
    let mut reader = signed_in(&app, "lecteur@exemple.fr").await;
    let (_, id) = idea_of(&app, &mut author, "Des guichets le samedi").await;
    let path = format!("/api/v1/ideas/{id}");
    let text = serde_json::json!({"kind": "idee", "title": "Des guichets ouverts le samedi", "body": "Un samedi matin par mois."});
    let (status, problem) = reader.api(Method::PUT, &path, Some(text.clone())).await;
    assert_eq!((status, problem["type"].as_str()), (403, Some("/problems/forbidden")));
    let (status, problem) = author
        .api(
            Method::PUT,
            &path,
            Some(serde_json::json!({"kind": "idee", "title": "ab", "body": "court"})),
        )
        .await;
    assert_eq!((status, problem["type"].as_str()), (422, Some("/problems/invalid")));
    let (status, idea) = author.api(Method::PUT, &path, Some(text.clone())).await;
    assert_eq!(status, 200, "{idea}");
    assert_eq!(idea["title"].as_str(), Some("Des guichets ouverts le samedi"));
    assert!(idea["edited_at"].is_string());

    let (status, problem) = reader.api(Method::DELETE, &path, None).await;
    assert_eq!((status, problem["type"].as_str()), (403, Some("/problems/forbidden")));
    for _ in 0..2 {
        let (status, _) = author.api(Method::DELETE, &path, None).await;
        assert_eq!(status, 204);
    }
    let (status, problem) = author.api(Method::PUT, &path, Some(text)).await;
    assert_eq!((status, problem["type"].as_str()), (409, Some("/problems/conflict")));
}

#[tokio::test]
async fn the_api_edits_and_withdraws_a_comment_of_ones_own_only() {
    let app = TestApp::spawn().await;
    let mut author = signed_in(&app, "autrice@exemple.fr").await;
    let mut reader = signed_in(&app, "lecteur@exemple.fr").await;
    let (slug, id) = idea_of(&app, &mut author, "Des guichets le samedi").await;
    let comment = comment_on(&mut reader, &id, "Tout à fait d’accord.").await;
    let path = format!("/api/v1/ideas/{id}/comments/{comment}");
    let text = serde_json::json!({"body": "D’accord, surtout le samedi."});
    let (status, problem) = author.api(Method::PUT, &path, Some(text.clone())).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (404, Some("/problems/not-found")),
        "not the author's"
    );
    let (status, problem) = reader
        .api(Method::PUT, &path, Some(serde_json::json!({"body": "x"})))
        .await;
    assert_eq!((status, problem["type"].as_str()), (422, Some("/problems/invalid")));
    let (status, edited) = reader.api(Method::PUT, &path, Some(text)).await;
    assert_eq!(
        (status, edited["body"].as_str()),
        (200, Some("D’accord, surtout le samedi."))
    );
    let (_, comments) = reader
        .api(Method::GET, &format!("/api/v1/ideas/{id}/comments"), None)
        .await;
    assert!(comments[0]["edited_at"].is_string(), "{comments}");

    let (status, _) = author.api(Method::DELETE, &path, None).await;
    assert_eq!(status, 404);
    for _ in 0..2 {
        let (status, _) = reader.api(Method::DELETE, &path, None).await;
        assert_eq!(status, 204);
    }
    let (_, page) = app
        .get_text("gironde.localhost", &format!("/consultations/{slug}/idees/{id}"))
        .await;
    assert!(page.contains("Retiré par son auteur.") && !page.contains("surtout le samedi"));
}
