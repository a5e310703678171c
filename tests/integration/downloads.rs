//! Long work and the request statement limit (issue 23, section 2): exports and open data are
//! written while their rows are read, in chunks, so that a campaign of 2,000,000 contributions
//! goes out in constant memory; a request's statements are cut at the limit
//! (`ECOUTE_STATEMENT_TIMEOUT_SECONDS`) and answered 503, so an abandoned request leaves no
//! query running; a download, which outlasts a request, is not cut.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::consoles::{make_operator, signed_in};
use crate::helpers::{TestApp, TestDb, as_owner, eventually, insert_campaign, tenant_id};

const GIRONDE: &str = "gironde.localhost";

/// A Gironde campaign with `n` published ideas; its id.
async fn campaign_with_ideas(app: &TestApp, n: usize) -> Uuid {
    let owner = app.test_db.owner().await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Une grande consultation").await;
    let gironde = tenant_id(&owner, "gironde").await;
    as_owner(
        &owner,
        gironde,
        format!(
            "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, status, submission_key,
                                created_at)
             SELECT '{gironde}', '{campaign}', '{gironde}', 'idee', 'Idée numéro ' || g,
                    'Le texte de l''idée numéro ' || g || ', assez long pour remplir les morceaux. ' || repeat('Des mots. ', 10),
                    'published', gen_random_uuid(), now() - g * interval '1 minute'
               FROM generate_series(1, {n}) g"
        ),
    )
    .await;
    campaign
}

/// Ids of the campaign's ideas, as the database has them.
async fn idea_ids(app: &TestApp, campaign: Uuid) -> HashSet<String> {
    let owner = app.test_db.owner().await;
    sqlx::query_scalar::<_, Uuid>("SELECT id FROM ideas WHERE campaign_id = $1")
        .bind(campaign)
        .fetch_all(&owner)
        .await
        .unwrap()
        .iter()
        .map(Uuid::to_string)
        .collect()
}

#[tokio::test]
async fn an_export_goes_out_in_chunks_with_every_row_once_and_is_journaled() {
    let app = TestApp::spawn().await;
    let campaign = campaign_with_ideas(&app, 3000).await;
    let owner = app.test_db.owner().await;
    let password = make_operator(&owner, "export@gironde.fr", false, Some(("gironde", "local_operator"))).await;
    let admin = signed_in(&app, GIRONDE, "export@gironde.fr", &password).await;
    let cookie = format!("ecoute_console={}", admin.cookie("ecoute_console").unwrap());
    let download = |file: &'static str| {
        app.client
            .get(app.url(&format!("/admin/campagnes/{campaign}/export/{file}")))
            .header("host", GIRONDE)
            .header("cookie", cookie.clone())
            .send()
    };

    let response = download("contributions.csv").await.unwrap();
    assert_eq!(response.status(), 200);
    // Streamed: no length known in advance, sent in chunks.
    assert!(response.content_length().is_none(), "{:?}", response.headers());
    assert_eq!(response.headers()["transfer-encoding"], "chunked");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.unwrap();
    assert!(text.len() > 4 * ecoute::web::downloads::CHUNK, "{} bytes", text.len());
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("id;type;titre;texte"), "{}", lines[0]);
    let ids: Vec<String> = lines[1..]
        .iter()
        .map(|l| l.split(';').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3000, "one line per idea");
    assert_eq!(
        ids.iter().cloned().collect::<HashSet<_>>(),
        idea_ids(&app, campaign).await
    );
    // Oldest first: idea 3000 was created first.
    assert!(lines[1].contains("Idée numéro 3000;"), "{}", lines[1]);
    assert!(lines[3000].contains("Idée numéro 1;"), "{}", lines[3000]);

    let json: serde_json::Value = download("contributions.json").await.unwrap().json().await.unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 3000);
    assert_eq!(rows[0]["titre"], "Idée numéro 3000");
    let keys: Vec<&String> = rows[0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), ecoute::exports::CONTRIBUTION_HEADERS.len());

    let journaled: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'export.contributions'")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(journaled, 2, "each download is journaled");
}

#[tokio::test]
async fn a_request_statement_is_cut_at_the_limit_and_a_download_is_not() {
    let test_db = TestDb::new().await;
    let mut settings = test_db.settings();
    settings.statement_timeout_seconds = Some(1);
    let app = TestApp::spawn_with_settings(test_db, settings).await;
    let campaign = campaign_with_ideas(&app, 10).await;
    let owner = app.test_db.owner().await;
    let idea: Uuid = sqlx::query_scalar("SELECT id FROM ideas WHERE campaign_id = $1 LIMIT 1")
        .bind(campaign)
        .fetch_one(&owner)
        .await
        .unwrap();
    let comments = format!("/api/v1/ideas/{idea}/comments");
    assert_eq!(app.get(GIRONDE, &comments).await.status(), 200);

    // The comments held by a lock: the request's statement waits, is cancelled at the limit,
    // and the request is answered 503 with Retry-After; nothing of it runs on.
    let mut lock = owner.begin().await.unwrap();
    sqlx::query("LOCK TABLE idea_comments IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let started = Instant::now();
    let response = app.get(GIRONDE, &comments).await;
    assert_eq!(response.status(), 503);
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let waiting = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_stat_activity
              WHERE datname = current_database() AND usename = 'ecoute_app' AND wait_event_type = 'Lock'",
        )
        .fetch_one(&owner)
        .await
        .unwrap()
            == 0
    };
    assert!(
        eventually(Duration::from_secs(3), waiting).await,
        "no query left waiting"
    );
    lock.rollback().await.unwrap();

    // A download waits on the ideas' lock past the limit, then goes out whole.
    let password = make_operator(&owner, "limite@gironde.fr", false, Some(("gironde", "local_operator"))).await;
    let admin = signed_in(&app, GIRONDE, "limite@gironde.fr", &password).await;
    let mut lock = owner.begin().await.unwrap();
    sqlx::query("LOCK TABLE ideas IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let request = app
        .client
        .get(app.url(&format!("/admin/campagnes/{campaign}/export/contributions.csv")))
        .header("host", GIRONDE)
        .header(
            "cookie",
            format!("ecoute_console={}", admin.cookie("ecoute_console").unwrap()),
        )
        .send();
    let download = tokio::spawn(async move {
        let response = request.await.unwrap();
        (response.status(), response.text().await)
    });
    tokio::time::sleep(Duration::from_millis(2500)).await;
    lock.rollback().await.unwrap();
    let (status, text) = download.await.unwrap();
    assert_eq!(status, 200);
    let text = text.expect("the whole file, not a cut transfer");
    assert_eq!(text.lines().count(), 11, "a header and ten ideas:\n{text}");
}
