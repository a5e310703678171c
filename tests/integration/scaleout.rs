//! Two `ecoute serve` processes and one `ecoute worker` on one database, as pods would run:
//! they share nothing but PostgreSQL. A sign-in started on one pod is mailed by the worker and
//! finished on the other; a space suspended or a campaign withdrawn in the database is seen by
//! both pods at once (LISTEN/NOTIFY), and so are a hidden idea and a new decision on a cached
//! results page; likes given through both pods add up; each mail is sent once.

use std::time::Duration;

use reqwest::Method;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, TestDb, campaign_slug, eventually, session_for};
use crate::processes;
use crate::smtp::SmtpSink;

// Over 100 lines: two web pods and a worker are started once as child processes, and every
// coherence check (sign-in across pods, likes, suspension, caches, moderation, withdrawal, the mail
// count) runs on that one deployment, each after the changes the last one made.
#[tokio::test]
async fn two_web_pods_and_a_worker_stay_coherent_on_one_database() {
    let smtp = SmtpSink::start().await;
    let test_db = TestDb::new().await;
    let web_env = [("ECOUTE_BACKGROUND_JOBS", "off")];
    let pod_a = processes::serve(&test_db, &web_env).await;
    let pod_b = processes::serve(&test_db, &web_env).await;
    let smtp_url = smtp.url();
    let _worker = processes::worker(&test_db, &[("ECOUTE_SMTP_URL", &smtp_url)]);
    let b = TestApp::attach(test_db.sharing(), pod_b.addr.unwrap());
    let a = TestApp::attach(test_db, pod_a.addr.unwrap());
    let owner = a.test_db.owner().await;

    // Sign-in asked on pod A, mailed by the worker, finished on pod B, valid on A.
    let mut browser = Browser::new(&a, "gironde.localhost");
    let csrf = browser.csrf("/connexion?retour=/").await;
    let (status, _, _) = browser
        .post_form(
            "/connexion",
            &[("csrf", &csrf), ("email", "pods@exemple.fr"), ("retour", "/")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        eventually(Duration::from_secs(20), || async { !smtp.messages().is_empty() }).await,
        "the worker process sent the sign-in mail"
    );
    let data = smtp.messages()[0].data.replace("=\n", "").replace("=3D", "=");
    let token = extract(&data, "/connexion/lien?jeton=")
        .map(|t| {
            t.split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches(['\r', '\n'])
                .to_owned()
        })
        .expect("a link");
    browser.app = &b;
    let (_, confirm) = browser.get(&format!("/connexion/lien?jeton={token}")).await;
    let csrf = extract(&confirm, "name=\"csrf\" value=\"").unwrap();
    let (status, _, _) = browser
        .post_form("/connexion/lien", &[("csrf", &csrf), ("jeton", &token)])
        .await;
    assert_eq!(status, 303, "the link from pod A's mail works on pod B");
    browser.app = &a;
    let (_, home) = browser.get("/").await;
    assert!(home.contains("Se déconnecter"), "the session made on B is valid on A");

    // Likes through both pods add up, whichever pod shows the idea.
    let slug = campaign_slug(&a, "gironde", "local").await;
    let mut author = Browser::new(&a, "gironde.localhost");
    author.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "autrice@exemple.fr").await,
    );
    let (status, idea) = author
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{slug}/ideas"),
            Some(
                serde_json::json!({"kind": "idee", "title": "Une idée partagée", "body": "Deux pods, une seule base."}),
            ),
        )
        .await;
    assert_eq!(status, 201);
    let id = idea["id"].as_str().unwrap().to_owned();
    for (i, app) in [&a, &b, &a, &b].into_iter().enumerate() {
        let mut fan = Browser::new(app, "gironde.localhost");
        let email = format!("fan{i}@exemple.fr");
        fan.set_cookie("ecoute_session", &session_for(&owner, "gironde", &email).await);
        let (status, _) = fan.api(Method::POST, &format!("/api/v1/ideas/{id}/like"), None).await;
        assert!((200..300).contains(&status), "like through pod {i}: {status}");
    }
    for app in [&a, &b] {
        let seen = eventually(Duration::from_secs(10), || async {
            let mut reader = Browser::new(app, "gironde.localhost");
            let (_, idea) = reader.api(Method::GET, &format!("/api/v1/ideas/{id}"), None).await;
            idea["like_count"] == 4
        })
        .await;
        assert!(seen, "both pods count four likes");
    }

    // A space suspended in the database: both pods refuse it at once (no restart, no TTL).
    for app in [&a, &b] {
        assert_eq!(app.get("aude.localhost", "/").await.status(), 200);
    }
    sqlx::query("UPDATE tenants SET status = 'suspended' WHERE slug = 'aude'")
        .execute(&owner)
        .await
        .unwrap();
    for app in [&a, &b] {
        let refused = eventually(Duration::from_secs(3), || async {
            app.get("aude.localhost", "/").await.status() == 503
        })
        .await;
        assert!(refused, "a pod still serves a suspended space");
    }

    // Results pages are cached on each pod; what changes them reaches both pods at once.
    let gironde = crate::helpers::tenant_id(&owner, "gironde").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query(
        "UPDATE campaigns SET results_published_at = now(), results_early = true WHERE tenant_id = $1 AND slug = $2",
    )
    .bind(gironde)
    .bind(&slug)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let results = format!("/consultations/{slug}/resultats");
    let ideas_on = |app: &'static str, html: &str| -> i64 {
        extract(html, "data-figure=\"ideas\"><strong>")
            .and_then(|t| t.split('<').next()?.parse().ok())
            .unwrap_or_else(|| panic!("the ideas figure on pod {app}"))
    };
    let mut before = Vec::new();
    for (name, app) in [("A", &a), ("B", &b)] {
        let shown = eventually(Duration::from_secs(3), || async {
            app.get("gironde.localhost", &results).await.status() == 200
        })
        .await;
        assert!(shown, "pod {name} shows the published results");
        let html = app.get("gironde.localhost", &results).await.text().await.unwrap();
        before.push(ideas_on(name, &html));
    }
    assert_eq!(before[0], before[1]);
    // A moderator hides the idea, then a decision is recorded, straight in the database.
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query("UPDATE ideas SET status = 'hidden' WHERE tenant_id = $1 AND id = $2::uuid")
        .bind(gironde)
        .bind(&id)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO decisions (tenant_id, campaign_id, title, status)
         SELECT tenant_id, id, 'Une décision entre deux pods', 'adoptee' FROM campaigns WHERE tenant_id = $1 AND slug = $2",
    )
    .bind(gironde)
    .bind(&slug)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for (name, app) in [("A", &a), ("B", &b)] {
        let updated = eventually(Duration::from_secs(3), || async {
            let html = app.get("gironde.localhost", &results).await.text().await.unwrap();
            ideas_on(name, &html) == before[0] - 1 && html.contains("Une décision entre deux pods")
        })
        .await;
        assert!(updated, "pod {name} still shows cached results");
    }

    // A campaign withdrawn in the database disappears from both pods.
    for app in [&a, &b] {
        assert_eq!(
            app.get("gironde.localhost", &format!("/consultations/{slug}"))
                .await
                .status(),
            200
        );
    }
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query("UPDATE campaigns SET published_at = NULL WHERE tenant_id = $1 AND slug = $2")
        .bind(gironde)
        .bind(&slug)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for app in [&a, &b] {
        let gone = eventually(Duration::from_secs(3), || async {
            app.get("gironde.localhost", &format!("/consultations/{slug}"))
                .await
                .status()
                == 404
        })
        .await;
        assert!(gone, "a pod still shows a withdrawn campaign");
    }

    // One mail was asked for; one was sent.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1);
}
