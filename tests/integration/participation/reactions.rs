//! Reactions to ideas: likes, comments and reports through the API, and moderation hiding
//! with an audit row.

use reqwest::Method;
use uuid::Uuid;

use crate::browser::Browser;
use crate::helpers::{TestApp, campaign_slug, tenant_id};

use super::*;

// Over 100 lines: one idea's life through the API (liked, commented on with replies, reported,
// then ordered by its likes); each step checks counts the earlier ones left.
#[tokio::test]
async fn likes_comments_and_reports_through_the_api() {
    let app = TestApp::spawn().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let mut author = signed_in(&app, "gironde", "gironde.localhost", "auteur@exemple.fr").await;
    let mut reader = signed_in(&app, "gironde", "gironde.localhost", "lecteur@exemple.fr").await;
    let mut anonymous = Browser::new(&app, "gironde.localhost");

    let body = serde_json::json!({"kind": "attente", "title": "Être rappelé", "body": "Être rappelé quand mon dossier est traité."});
    let (status, problem) = anonymous
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{slug}/ideas"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (401, Some("/problems/unauthorized"))
    );
    let (status, idea) = author
        .api(Method::POST, &format!("/api/v1/campaigns/{slug}/ideas"), Some(body))
        .await;
    assert_eq!(status, 201, "{idea}");
    let id = idea["id"].as_str().unwrap().to_owned();

    let (status, problem) = author
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{slug}/ideas"),
            Some(serde_json::json!({"kind": "autre", "title": "", "body": "court"})),
        )
        .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["kind", "title", "body"]);

    // Liking: once, not one's own.
    assert_eq!(
        author
            .api(Method::POST, &format!("/api/v1/ideas/{id}/like"), None)
            .await
            .0,
        409
    );
    assert_eq!(
        reader
            .api(Method::POST, &format!("/api/v1/ideas/{id}/like"), None)
            .await
            .0,
        201
    );
    assert_eq!(
        reader
            .api(Method::POST, &format!("/api/v1/ideas/{id}/like"), None)
            .await
            .0,
        409
    );
    let (_, idea) = reader.api(Method::GET, &format!("/api/v1/ideas/{id}"), None).await;
    assert_eq!(
        (idea["like_count"].as_i64(), idea["liked_by_me"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(
        reader
            .api(Method::DELETE, &format!("/api/v1/ideas/{id}/like"), None)
            .await
            .0,
        204
    );
    assert_eq!(
        reader
            .api(Method::DELETE, &format!("/api/v1/ideas/{id}/like"), None)
            .await
            .0,
        404
    );
    assert_eq!(
        reader
            .api(Method::POST, &format!("/api/v1/ideas/{id}/like"), None)
            .await
            .0,
        201
    );

    // Comments with one level of replies.
    let (status, comment) = reader
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/comments"),
            Some(serde_json::json!({"body": "Tout à fait d’accord."})),
        )
        .await;
    assert_eq!(status, 201);
    let comment_id = comment["id"].as_str().unwrap().to_owned();
    let (status, reply) = author
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/comments"),
            Some(serde_json::json!({"body": "Merci !", "parent_id": comment_id})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = reader
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/comments"),
            Some(serde_json::json!({"body": "Trop profond", "parent_id": reply["id"]})),
        )
        .await;
    assert_eq!(status, 422, "no reply to a reply");
    let (_, thread) = reader
        .api(Method::GET, &format!("/api/v1/ideas/{id}/comments"), None)
        .await;
    assert_eq!(thread.as_array().unwrap().len(), 1);
    assert_eq!(thread[0]["replies"][0]["body"], "Merci !");
    let (_, idea) = reader.api(Method::GET, &format!("/api/v1/ideas/{id}"), None).await;
    assert_eq!(
        (idea["like_count"].as_i64(), idea["comment_count"].as_i64()),
        (Some(1), Some(2))
    );

    // Reporting, once.
    let report = serde_json::json!({"reason": "Propos hors sujet"});
    assert_eq!(
        reader
            .api(
                Method::POST,
                &format!("/api/v1/ideas/{id}/reports"),
                Some(report.clone())
            )
            .await
            .0,
        202
    );
    assert_eq!(
        reader
            .api(Method::POST, &format!("/api/v1/ideas/{id}/reports"), Some(report))
            .await
            .0,
        409
    );

    // Ordering by likes through the API.
    let (_, page) = reader
        .api(
            Method::GET,
            &format!("/api/v1/campaigns/{slug}/ideas?order=most-liked"),
            None,
        )
        .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["ideas"][0]["id"].as_str(), Some(id.as_str()));
}

#[tokio::test]
async fn moderation_hides_with_an_audit_row_and_clears_the_queue() {
    use ecoute::moderation::{CharterReason, Decision, ModerationProblem, Target, moderate, report_queue};
    let app = TestApp::spawn().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let mut author = signed_in(&app, "gironde", "gironde.localhost", "auteur@exemple.fr").await;
    let mut reader = signed_in(&app, "gironde", "gironde.localhost", "lecteur@exemple.fr").await;
    let (_, idea) = author
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{slug}/ideas"),
            Some(serde_json::json!({"kind": "idee", "title": "Hors charte", "body": "Un texte qui sera masqué."})),
        )
        .await;
    let id: Uuid = idea["id"].as_str().unwrap().parse().unwrap();
    reader
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/reports"),
            Some(serde_json::json!({"reason": "Propos injurieux"})),
        )
        .await;
    author
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/reports"),
            Some(serde_json::json!({"reason": "Je me signale"})),
        )
        .await;

    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let db = ecoute::tenancy::TenantDb::new(app.test_db.app_pool().await);
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    let queue = report_queue(&mut tx).await.unwrap();
    assert_eq!((queue.len(), queue[0].reporters, queue[0].target_id), (1, 2, id));
    // Restoring needs a written reason; hiding takes a note of 3 characters or none.
    let (target, who) = (Target::Idea(id), "moderatrice@caf33.caf.fr");
    let refused = moderate(&mut tx, target, Decision::Restore, who, "").await.unwrap();
    assert_eq!(refused, Err(ModerationProblem::ReasonRequired));
    let hide = Decision::Hide(CharterReason::Insults);
    let refused = moderate(&mut tx, target, hide, who, "ab").await.unwrap();
    assert_eq!(refused, Err(ModerationProblem::NoteLength));
    moderate(&mut tx, target, hide, who, "Propos injurieux")
        .await
        .unwrap()
        .unwrap();
    assert!(report_queue(&mut tx).await.unwrap().is_empty(), "reports resolved");
    let audit: (String, String, String, String) =
        sqlx::query_as("SELECT action, actor, reason, charter_reason FROM moderation_actions")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!(
        audit,
        (
            "hide".into(),
            "moderatrice@caf33.caf.fr".into(),
            "Propos injurieux".into(),
            "insults".into()
        )
    );
    // Another space cannot moderate it.
    tx.commit().await.unwrap();
    let mut other = db
        .begin_in(crate::helpers::space(&db, tenant_id(&owner, "aude").await).await)
        .await
        .unwrap();
    assert_eq!(
        moderate(&mut other, Target::Idea(id), Decision::Restore, "x", "essai")
            .await
            .unwrap(),
        Err(ModerationProblem::NotFound)
    );
    drop(other);

    // Hidden, not deleted: the page shows a placeholder; the list no longer shows it.
    let (status, page) = reader.get(&format!("/consultations/{slug}/idees/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Contribution masquée") && !page.contains("Un texte qui sera masqué."));
    let (_, list) = reader
        .api(Method::GET, &format!("/api/v1/campaigns/{slug}/ideas"), None)
        .await;
    assert_eq!(list["total"], 0);
    let still_there: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM ideas WHERE id = $1)")
        .bind(id)
        .fetch_one(&owner)
        .await
        .unwrap();
    assert!(still_there);
}
