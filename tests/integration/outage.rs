//! PostgreSQL stopped and started again under writes: clients see only success or 503 with
//! Retry-After (problem+json under /api, a French page elsewhere), the probes answer promptly,
//! cached pages keep being served, and every acknowledged write is stored.

use std::path::Path;
use std::time::{Duration, Instant};

use ecoute::db::Database;
use ecoute::db::embedded::EmbeddedCluster;
use ecoute::tenancy::sync::{SyncMode, sync_tenants};
use reqwest::Method;

use crate::browser::Browser;
use crate::helpers::{APP_ROLE, TestApp, TestDb, campaign_slug, session_for, tenants_dir};

fn postmaster_pid(data_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(data_dir.join("postmaster.pid")).ok()?;
    text.lines().next().map(str::to_owned)
}

/// Stops the cluster the way an administrator's restart does (fast shutdown: sessions are
/// terminated, in-flight transactions rolled back), and waits until it is down.
async fn stop_cluster(data_dir: &Path) {
    let pid = postmaster_pid(data_dir).expect("the cluster runs");
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while data_dir.join("postmaster.pid").exists() {
        assert!(Instant::now() < deadline, "the cluster did not stop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// Over 100 lines: one restart of the database under running writers: before, while down and
// after are phases of the same outage, checked against the writes of that run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_under_writes_answers_only_success_or_503_and_loses_nothing() {
    let base = std::env::temp_dir().join(format!("ecoute-outage-{}", uuid::Uuid::new_v4().simple()));
    let dir = base.clone();
    let cluster = tokio::task::spawn_blocking(move || EmbeddedCluster::start(&dir))
        .await
        .unwrap()
        .expect("a private cluster starts");
    let data_dir = cluster.data_dir().to_path_buf();
    let db = Database::with_options(cluster.connect_options("postgres"), APP_ROLE, None);
    db.migrate().await.expect("migrations apply");
    let owner = db.connect_owner().await.unwrap();
    sync_tenants(&owner, &tenants_dir(), "localhost", SyncMode::Apply)
        .await
        .unwrap();
    let test_db = TestDb {
        db,
        name: "postgres".into(),
    };
    let settings = test_db.settings();
    let app = TestApp::spawn_with_settings(test_db, settings).await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    // A campaign nobody writes to during the run: its page stays in memory.
    let quiet = format!("/consultations/{}", campaign_slug(&app, "gironde", "local").await);
    let host = "gironde.localhost";
    let mut writers = Vec::new();
    for i in 0..6 {
        let mut browser = Browser::new(&app, host);
        let cookie = session_for(&owner, "gironde", &format!("panne{i}@exemple.fr")).await;
        browser.set_cookie("ecoute_session", &cookie);
        writers.push(browser);
    }
    owner.close().await;
    let page = format!("/consultations/{slug}");
    assert_eq!(app.get_text(host, &page).await.0, 200);

    let started = Instant::now();
    let run_for = Duration::from_secs(9);
    let outcomes = crate::helpers::join_all(writers.iter_mut().enumerate().map(|(w, browser)| {
        let slug = slug.clone();
        async move {
            let mut seen = Vec::new();
            let mut n = 0;
            while started.elapsed() < run_for {
                let title = format!("Panne {w}-{n}");
                n += 1;
                let body =
                    serde_json::json!({"kind": "idee", "title": title, "body": "Une idée écrite pendant la panne."});
                let (status, problem) = browser
                    .api(Method::POST, &format!("/api/v1/campaigns/{slug}/ideas"), Some(body))
                    .await;
                if status == 503 {
                    assert_eq!(problem["type"], "/problems/unavailable", "{problem}");
                }
                seen.push((title, status));
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
            seen
        }
    }));

    let outage = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        // Read once just before the stop, the quiet campaign's page is held in memory.
        assert_eq!(app.get_text(host, &quiet).await.0, 200);
        stop_cluster(&data_dir).await;

        // While it is down: the probes answer promptly, pages and the API say 503 with
        // Retry-After, and a page held in memory is still served.
        let asked = Instant::now();
        let ready = app.get(host, "/readyz").await;
        assert_eq!(ready.status().as_u16(), 503);
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "readyz took {:?}",
            asked.elapsed()
        );
        assert_eq!(app.get(host, "/healthz").await.status().as_u16(), 200);
        assert_eq!(
            app.get_text(host, &quiet).await.0,
            200,
            "a page held in memory is served"
        );
        // The busy campaign's list was dropped by its new ideas: the last one loaded stands in.
        assert_eq!(app.get_text(host, &page).await.0, 200, "the last idea list is served");
        // A search is always asked of PostgreSQL: a French page saying so, with Retry-After.
        let search = app.get(host, &format!("{page}?recherche=panne")).await;
        assert_eq!(search.status().as_u16(), 503);
        assert_eq!(search.headers()["retry-after"], "5");
        let html = search.text().await.unwrap();
        assert!(html.contains("lang=\"fr\""), "a French page: {html}");
        let api = app.get(host, &format!("/api/v1/campaigns/{slug}/ideas")).await;
        if api.status().as_u16() == 503 {
            assert_eq!(api.headers()["retry-after"], "5");
            assert_eq!(api.headers()["content-type"], "application/problem+json");
        }

        tokio::time::sleep(Duration::from_secs(2)).await;
        let dir = base.clone();
        tokio::task::spawn_blocking(move || EmbeddedCluster::start(&dir))
            .await
            .unwrap()
            .expect("the cluster starts again")
    };
    let (outcomes, restarted) = tokio::join!(outcomes, outage);

    let attempts: Vec<(String, u16)> = outcomes.into_iter().flatten().collect();
    let wrong: Vec<_> = attempts.iter().filter(|(_, s)| *s != 201 && *s != 503).collect();
    assert!(wrong.is_empty(), "only 201 or 503: {wrong:?}");
    let refused = attempts.iter().filter(|(_, s)| *s == 503).count();
    assert!(refused > 0, "the outage was seen by the writers");
    // Recovery needs no restart of the server: the last writes of every writer went through.
    let acknowledged: Vec<&str> = attempts
        .iter()
        .filter(|(_, s)| *s == 201)
        .map(|(t, _)| t.as_str())
        .collect();
    assert_eq!(ready_after_restart(&app, host).await, 200);

    let owner = app.test_db.owner().await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT title FROM ideas WHERE title LIKE 'Panne %'")
        .fetch_all(&owner)
        .await
        .unwrap();
    let missing: Vec<_> = acknowledged
        .iter()
        .filter(|t| !stored.iter().any(|s| s == **t))
        .collect();
    assert!(missing.is_empty(), "acknowledged and lost: {missing:?}");
    println!(
        "outage: {} attempts, {} acknowledged, {} answered 503, {} stored",
        attempts.len(),
        acknowledged.len(),
        refused,
        stored.len()
    );
    owner.close().await;
    drop(app);
    drop(restarted);
    drop(cluster);
}

async fn ready_after_restart(app: &TestApp, host: &str) -> u16 {
    for _ in 0..100 {
        let status = app.get(host, "/readyz").await.status().as_u16();
        if status == 200 {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    503
}
