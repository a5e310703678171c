//! Caches stay true. Two instances on one database stay coherent: a tenant, a session or a
//! campaign changed through one (or in the database) is seen by the other within a second,
//! through LISTEN/NOTIFY, without a restart. Likes written in batches are each stored once and
//! counted, in the database and in the in-memory lists.

use std::path::Path;
use std::time::{Duration, Instant};

use ecoute::tenancy::sync::{SyncMode, sync_tenants};

use reqwest::Method;

use crate::browser::Browser;
use crate::helpers::{TestApp, campaign_slug, eventually, join_all, session_for, tenant_id, tenants_dir};

fn copy_tenants(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(tenants_dir()).unwrap().flatten() {
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[tokio::test]
async fn a_tenant_changed_through_one_instance_is_seen_by_the_other_within_a_second() {
    let first = TestApp::spawn().await;
    let second = first.spawn_sibling().await;
    // Warm both caches.
    for app in [&first, &second] {
        let (_, body) = app.get_text("gironde.localhost", "/").await;
        assert!(body.contains("<h1 lang=\"fr\">Caf de la Gironde</h1>"));
    }
    assert_eq!(
        first.get("nouvelle.localhost", "/").await.status(),
        404,
        "negative answers are cached too"
    );
    assert_eq!(second.get("nouvelle.localhost", "/").await.status(), 404);

    // An operator edits the files and syncs (what the national console will do through the app).
    let dir = std::env::temp_dir().join(format!("ecoute-tenants-{}", uuid::Uuid::new_v4()));
    copy_tenants(&dir);
    let gironde = std::fs::read_to_string(dir.join("gironde.toml")).unwrap();
    std::fs::write(
        dir.join("gironde.toml"),
        gironde.replace("name = \"Caf de la Gironde\"", "name = \"Caf de Gironde (renommée)\""),
    )
    .unwrap();
    let aude = std::fs::read_to_string(dir.join("aude.toml")).unwrap();
    std::fs::write(
        dir.join("nouvelle.toml"),
        aude.replace("slug = \"aude\"", "slug = \"nouvelle\"")
            .replace("Caf de l’Aude", "Nouvelle Caf"),
    )
    .unwrap();
    let owner = first.test_db.owner().await;
    let changed_at = Instant::now();
    sync_tenants(&owner, &dir, "localhost", SyncMode::Apply).await.unwrap();

    for app in [&first, &second] {
        let renamed = eventually(Duration::from_secs(1), || async {
            app.get_text("gironde.localhost", "/")
                .await
                .1
                .contains("<h1 lang=\"fr\">Caf de Gironde (renommée)</h1>")
        })
        .await;
        assert!(renamed, "rename not seen within a second");
        let created = eventually(Duration::from_secs(1), || async {
            app.get("nouvelle.localhost", "/").await.status() == 200
        })
        .await;
        assert!(created, "new tenant not live within a second");
    }
    eprintln!("both instances coherent {:?} after the change", changed_at.elapsed());
    std::fs::remove_dir_all(dir).ok();
}

fn with_session<'a>(app: &'a TestApp, token: &str) -> Browser<'a> {
    let mut browser = Browser::new(app, "gironde.localhost");
    browser.set_cookie("ecoute_session", token);
    browser
}

#[tokio::test]
async fn a_session_ended_anywhere_is_refused_by_every_instance() {
    let first = TestApp::spawn().await;
    let second = first.spawn_sibling().await;
    let owner = first.test_db.owner().await;

    // Signed out through a page of the first instance: refused there at once, on the other soon.
    let token = session_for(&owner, "gironde", "agent.a@exemple.fr").await;
    for app in [&first, &second] {
        assert_eq!(
            with_session(app, &token).api(Method::GET, "/api/v1/me", None).await.0,
            200
        );
    }
    let mut browser = with_session(&first, &token);
    let csrf = browser.csrf("/compte").await;
    let (status, _, _) = browser.post_form("/deconnexion", &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    assert_eq!(
        with_session(&first, &token)
            .api(Method::GET, "/api/v1/me", None)
            .await
            .0,
        401
    );
    assert!(
        eventually(Duration::from_secs(2), || async {
            with_session(&second, &token)
                .api(Method::GET, "/api/v1/me", None)
                .await
                .0
                == 401
        })
        .await,
        "the other instance still honours a closed session"
    );

    // Deleted in the database (an expiry sweep, another tool): both instances forget it.
    let token = session_for(&owner, "gironde", "agent.b@exemple.fr").await;
    for app in [&first, &second] {
        assert_eq!(
            with_session(app, &token).api(Method::GET, "/api/v1/me", None).await.0,
            200
        );
    }
    let gironde = tenant_id(&owner, "gironde").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(ecoute::tokens::hash_token(&token))
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for app in [&first, &second] {
        assert!(
            eventually(Duration::from_secs(2), || async {
                with_session(app, &token).api(Method::GET, "/api/v1/me", None).await.0 == 401
            })
            .await
        );
    }
}

#[tokio::test]
async fn a_campaign_changed_in_the_database_is_seen_by_every_instance() {
    let first = TestApp::spawn().await;
    let second = first.spawn_sibling().await;
    let slug = campaign_slug(&first, "gironde", "local").await;
    let path = format!("/api/v1/campaigns/{slug}");
    for app in [&first, &second] {
        let (_, campaign) = Browser::new(app, "gironde.localhost")
            .api(Method::GET, &path, None)
            .await;
        assert_eq!(campaign["status"], "open");
    }
    let owner = first.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query("UPDATE campaigns SET title = 'Titre revu', closes_at = now() - interval '1 second' WHERE slug = $1")
        .bind(&slug)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for app in [&first, &second] {
        assert!(
            eventually(Duration::from_secs(2), || async {
                let (_, campaign) = Browser::new(app, "gironde.localhost")
                    .api(Method::GET, &path, None)
                    .await;
                campaign["title"] == "Titre revu" && campaign["status"] == "closed"
            })
            .await
        );
        let (_, html) = app
            .get_text("gironde.localhost", &format!("/consultations/{slug}"))
            .await;
        assert!(html.contains("Titre revu"));
    }
}

#[tokio::test]
async fn concurrent_likes_are_each_stored_once_and_counted() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let author = session_for(&owner, "gironde", "autrice@exemple.fr").await;
    let body = serde_json::json!({"kind": "idee", "title": "Des rendez-vous le samedi", "body": "Ouvrir l’accueil un samedi par mois."});
    let (status, idea) = with_session(&app, &author)
        .api(Method::POST, &format!("/api/v1/campaigns/{slug}/ideas"), Some(body))
        .await;
    assert_eq!(status, 201);
    let like = format!("/api/v1/ideas/{}/like", idea["id"].as_str().unwrap());

    // Forty people at once: forty likes, one batch or several.
    let mut tokens = Vec::new();
    for n in 0..40 {
        tokens.push(session_for(&owner, "gironde", &format!("soutien{n}@exemple.fr")).await);
    }
    let answers = join_all(tokens.iter().map(|t| {
        let like = like.clone();
        let app = &app;
        async move { with_session(app, t).api(Method::POST, &like, None).await.0 }
    }))
    .await;
    assert!(answers.iter().all(|&s| s == 201), "{answers:?}");

    // One person clicking five times at once: one like, four "already".
    let eager = session_for(&owner, "gironde", "presse@exemple.fr").await;
    let mut answers = join_all((0..5).map(|_| {
        let like = like.clone();
        let (app, eager) = (&app, &eager);
        async move { with_session(app, eager).api(Method::POST, &like, None).await.0 }
    }))
    .await;
    answers.sort();
    assert_eq!(answers, vec![201, 409, 409, 409, 409]);

    // The author cannot, an unknown idea is 404; the counter is exact, in the database and in
    // the anonymous list served from memory.
    assert_eq!(with_session(&app, &author).api(Method::POST, &like, None).await.0, 409);
    let unknown = format!("/api/v1/ideas/{}/like", uuid::Uuid::new_v4());
    assert_eq!(
        with_session(&app, &eager).api(Method::POST, &unknown, None).await.0,
        404
    );
    let owner_tx = &mut owner.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant_id(&owner, "gironde").await.to_string())
        .execute(&mut **owner_tx)
        .await
        .unwrap();
    let (stored, counted): (i64, i32) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM idea_likes WHERE idea_id = i.id), i.like_count FROM ideas i WHERE i.id = $1",
    )
    .bind(uuid::Uuid::parse_str(idea["id"].as_str().unwrap()).unwrap())
    .fetch_one(&mut **owner_tx)
    .await
    .unwrap();
    assert_eq!((stored, counted), (41, 41));
    let (_, list) = Browser::new(&app, "gironde.localhost")
        .api(
            Method::GET,
            &format!("/api/v1/campaigns/{slug}/ideas?order=newest"),
            None,
        )
        .await;
    assert_eq!(list["ideas"][0]["like_count"], 41);
    let (_, html) = app
        .get_text("gironde.localhost", &format!("/consultations/{slug}"))
        .await;
    assert!(
        html.contains("Des rendez-vous le samedi"),
        "a new idea is listed at once"
    );
    assert!(html.contains("41 "), "the anonymous page counts the likes");
}
