//! Editing and withdrawing one’s own ideas and comments, through the pages and the API.

use crate::consoles::{make_operator, signed_in as operator_signed_in};

use crate::helpers::{as_owner, tenant_id};

use super::*;

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let owner = app.test_db.owner().await;
    sqlx::query_scalar(sql).fetch_one(&owner).await.unwrap()
}

// Over 100 lines: one idea's edit, seen from the author, a reader, a visitor (cached lists
// included) and a moderator, each step on what the last one left.
#[tokio::test]
async fn an_author_edits_an_idea_its_likes_stay_and_moderators_see_the_earlier_text() {
    let app = TestApp::spawn().await;
    let mut author = signed_in(&app, "autrice@exemple.fr").await;
    let mut reader = signed_in(&app, "lecteur@exemple.fr").await;
    let (slug, id) = idea_of(&app, &mut author, "Des guichets le samedi").await;
    let (status, _) = reader
        .api(Method::POST, &format!("/api/v1/ideas/{id}/like"), None)
        .await;
    assert_eq!(status, 201);
    // The campaign's list, cached for visitors, shows the first title.
    let list = format!("/consultations/{slug}?ordre=newest");
    let (_, html) = app.get_text("gironde.localhost", &list).await;
    assert!(html.contains("Des guichets le samedi"));

    let edit = format!("/consultations/{slug}/idees/{id}/modifier");
    let (status, form) = author.get(&edit).await;
    assert_eq!(status, 200);
    assert!(
        form.contains("value=\"Des guichets le samedi\""),
        "the form holds the text"
    );
    let (status, _) = reader.get(&edit).await;
    assert_eq!(status, 404, "only the author edits");
    let csrf = csrf_of(&form);
    let fields = [
        ("csrf", csrf.as_str()),
        ("kind", "attente"),
        ("title", "Des guichets ouverts le samedi"),
        ("body", "Ouvrir l’accueil un samedi matin par mois, sur rendez-vous."),
    ];
    let (status, location, _) = author.post_form(&edit, &fields).await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some(&*format!("/consultations/{slug}/idees/{id}")))
    );
    // Sent twice: one version kept, not two.
    let (status, _, _) = author.post_form(&edit, &fields).await;
    assert_eq!(status, 303);
    assert_eq!(count(&app, "SELECT count(*) FROM contribution_versions").await, 1);
    let reader_csrf = reader.csrf(&format!("/consultations/{slug}/idees/{id}")).await;
    let mut theirs = fields;
    theirs[0].1 = &reader_csrf;
    theirs[2].1 = "Pris par un autre";
    let (status, _, _) = reader.post_form(&edit, &theirs).await;
    assert_eq!(status, 404, "a reader cannot edit it");

    // Everyone reads the new text, dated; the like stayed.
    let (_, page) = app
        .get_text("gironde.localhost", &format!("/consultations/{slug}/idees/{id}"))
        .await;
    assert!(page.contains("<h1>Des guichets ouverts le samedi</h1>"), "{page}");
    assert!(page.contains("modifié le"), "the page says it was edited");
    assert!(page.contains("<time datetime=\""));
    let (_, idea) = reader.api(Method::GET, &format!("/api/v1/ideas/{id}"), None).await;
    assert_eq!(
        (idea["like_count"].as_i64(), idea["kind"].as_str()),
        (Some(1), Some("attente"))
    );
    assert!(idea["edited_at"].is_string(), "{idea}");
    let (_, html) = app.get_text("gironde.localhost", &list).await;
    assert!(
        html.contains("Des guichets ouverts le samedi") && !html.contains("Des guichets le samedi"),
        "the cached list was dropped"
    );

    // Moderators see the earlier text: in the contributions search, and in the queue once
    // reported.
    let owner = app.test_db.owner().await;
    let password = make_operator(&owner, "modo@caf33.caf.fr", false, Some(("gironde", "moderator"))).await;
    let mut modo = operator_signed_in(&app, "gironde.localhost", "modo@caf33.caf.fr", &password).await;
    let (_, html) = modo.get("/admin/contributions").await;
    assert!(html.contains("Versions antérieures (1)"), "{html}");
    assert!(html.contains("Des guichets le samedi"));
    let (status, _) = reader
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/reports"),
            Some(serde_json::json!({"reason": "Le premier texte visait quelqu’un."})),
        )
        .await;
    assert_eq!(status, 202);
    let (_, html) = modo.get("/admin/moderation").await;
    assert!(html.contains("Versions antérieures (1)") && html.contains("Des guichets le samedi"));
}

#[tokio::test]
async fn a_refused_edit_comes_back_with_the_entry_and_a_closed_campaign_is_said() {
    let app = TestApp::spawn().await;
    let mut author = signed_in(&app, "autrice@exemple.fr").await;
    let (slug, id) = idea_of(&app, &mut author, "Des guichets le samedi").await;
    let edit = format!("/consultations/{slug}/idees/{id}/modifier");
    let csrf = author.csrf(&edit).await;
    let (status, _, html) = author
        .post_form(
            &edit,
            &[
                ("csrf", &csrf),
                ("kind", "idee"),
                ("title", "ab"),
                ("body", "Un texte assez long."),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("value=\"ab\"") && html.contains("id=\"idea-title-error\""),
        "{html}"
    );
    let (status, _, html) = author
        .post_form(
            &edit,
            &[
                ("csrf", &csrf),
                ("kind", "idee"),
                ("title", "Un titre"),
                ("body", "Avec un \0 dedans, refusé."),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("value=\"Un titre\""), "the entry is kept");
    assert_eq!(count(&app, "SELECT count(*) FROM contribution_versions").await, 0);

    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    as_owner(
        &owner,
        gironde,
        format!("UPDATE campaigns SET closes_at = now() - interval '1 day' WHERE slug = '{slug}'"),
    )
    .await;
    // The campaign's change reaches the cache by a notification: a moment later, at most.
    let mut answer = author.get(&edit).await;
    for _ in 0..100 {
        if answer.0 == 409 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        answer = author.get(&edit).await;
    }
    assert_eq!(answer.0, 409);
    assert!(answer.1.contains("Modification impossible"), "{}", answer.1);
}

#[tokio::test]
async fn an_author_withdraws_an_idea_and_it_leaves_lists_and_the_api() {
    let app = TestApp::spawn().await;
    let mut author = signed_in(&app, "autrice@exemple.fr").await;
    let mut reader = signed_in(&app, "lecteur@exemple.fr").await;
    let (slug, id) = idea_of(&app, &mut author, "Des guichets le samedi").await;
    let list = format!("/consultations/{slug}?ordre=newest");
    let (_, html) = app.get_text("gironde.localhost", &list).await;
    assert!(html.contains("Des guichets le samedi"));
    let (status, _) = reader
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/reports"),
            Some(serde_json::json!({"reason": "Hors sujet, je crois."})),
        )
        .await;
    assert_eq!(status, 202);

    let withdraw = format!("/consultations/{slug}/idees/{id}/retrait");
    let csrf = reader.csrf(&format!("/consultations/{slug}/idees/{id}")).await;
    let (status, _, _) = reader.post_form(&withdraw, &[("csrf", &csrf)]).await;
    assert_eq!(status, 404, "only its author withdraws it");
    let (_, page) = author.get(&format!("/consultations/{slug}/idees/{id}")).await;
    assert!(page.contains("Retirer ma contribution"));
    let csrf = csrf_of(&page);
    for _ in 0..2 {
        let (status, location, _) = author.post_form(&withdraw, &[("csrf", &csrf)]).await;
        assert_eq!(
            (status, location.as_deref()),
            (303, Some(&*format!("/consultations/{slug}/idees/{id}")))
        );
    }

    let (_, page) = app
        .get_text("gironde.localhost", &format!("/consultations/{slug}/idees/{id}"))
        .await;
    assert!(page.contains("Retirée par son auteur."), "{page}");
    assert!(!page.contains("Des guichets le samedi") && !page.contains("Masquée par la modération"));
    let (_, html) = app.get_text("gironde.localhost", &list).await;
    assert!(!html.contains("Des guichets le samedi"), "the cached list was dropped");
    let (_, idea) = reader.api(Method::GET, &format!("/api/v1/ideas/{id}"), None).await;
    assert_eq!(
        (idea["title"].as_str(), idea["hidden"]["by"].as_str()),
        (Some(""), Some("author")),
        "{idea}"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM content_reports WHERE resolved_at IS NULL").await,
        0,
        "a withdrawn text leaves the moderators' queue"
    );
    let (status, _) = reader
        .api(Method::POST, &format!("/api/v1/ideas/{id}/like"), None)
        .await;
    assert_eq!(status, 409, "nothing more to support");
}

#[tokio::test]
async fn an_author_edits_and_withdraws_a_comment_in_place() {
    let app = TestApp::spawn().await;
    let mut author = signed_in(&app, "autrice@exemple.fr").await;
    let mut reader = signed_in(&app, "lecteur@exemple.fr").await;
    let (slug, id) = idea_of(&app, &mut author, "Des guichets le samedi").await;
    let comment = comment_on(&mut reader, &id, "Tout à fait d’accord.").await;
    let idea_path = format!("/consultations/{slug}/idees/{id}");
    let (_, page) = reader.get(&idea_path).await;
    assert!(
        page.contains(&format!("id=\"edit-{comment}\"")),
        "the author's comment has its form"
    );
    let (_, other) = author.get(&idea_path).await;
    assert!(!other.contains(&format!("id=\"edit-{comment}\"")), "not someone else's");
    let csrf = csrf_of(&page);
    let edit = format!("/consultations/{slug}/idees/{id}/commentaires/modifier");

    let (status, _, html) = reader
        .post_form(&edit, &[("csrf", &csrf), ("comment_id", &comment), ("body", "x")])
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains(&format!("id=\"edit-{comment}-error\"")) && html.contains(">x</textarea>"),
        "the entry comes back in its field"
    );
    let (status, _, _) = author
        .post_form(
            &edit,
            &[
                ("csrf", &csrf_of(&other)),
                ("comment_id", &comment),
                ("body", "Pas le mien."),
            ],
        )
        .await;
    assert_eq!(status, 404);
    let (status, location, _) = reader
        .post_form(
            &edit,
            &[
                ("csrf", &csrf),
                ("comment_id", &comment),
                ("body", "D’accord, surtout le samedi."),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        location.unwrap(),
        format!("{idea_path}?commentaire={comment}#commentaire-{comment}")
    );
    let (_, page) = app.get_text("gironde.localhost", &idea_path).await;
    assert!(page.contains("D’accord, surtout le samedi.") && !page.contains("Tout à fait d’accord."));
    assert!(page.contains("modifié le"));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM contribution_versions WHERE comment_id IS NOT NULL AND body = 'Tout à fait d’accord.'"
        )
        .await,
        1
    );

    let (status, _, _) = reader
        .post_form(
            &format!("/consultations/{slug}/idees/{id}/retrait"),
            &[("csrf", &csrf), ("comment_id", &comment)],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = app.get_text("gironde.localhost", &idea_path).await;
    assert!(
        page.contains("Retiré par son auteur.") && !page.contains("surtout le samedi"),
        "{page}"
    );
    assert!(page.contains("<h1>Des guichets le samedi</h1>"), "the idea stays");
}
