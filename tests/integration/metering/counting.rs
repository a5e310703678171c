//! Counting usage: counts equal the actions and survive the rollup, and a crash mid-batch counts
//! nothing while concurrent rollups lose nothing.

use ecoute::metering::{self};
use ecoute::tenancy::TenantDb;
use reqwest::Method;

use crate::helpers::{TestApp, campaign_slug, insert_campaign, join_all, tenant_id};

use super::*;

#[tokio::test]
async fn usage_counts_equal_the_actions_and_survive_the_rollup() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let local = campaign_slug(&app, "gironde", "local").await;
    let national = campaign_slug(&app, "national", "national").await;
    let (gironde_before, national_before) = (usage(&app, "gironde").await, usage(&app, "national").await);

    let mut alice = citizen(&app, "gironde", "alice.metering@exemple.fr").await;
    let mut bob = citizen(&app, "gironde", "bob.metering@exemple.fr").await;
    let mut ideas = Vec::new();
    for i in 0..3 {
        ideas.push(post_idea(&mut alice, &local, &format!("Idée d’Alice {i}")).await);
    }
    let bobs = post_idea(&mut bob, &local, "Idée de Bob").await;
    for text in ["Je suis d’accord avec cela.", "Et j’ajoute un détail utile."] {
        let (status, body) = bob
            .api(
                Method::POST,
                &format!("/api/v1/ideas/{}/comments", ideas[0]),
                Some(serde_json::json!({"body": text})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, _) = alice
        .api(Method::POST, &format!("/api/v1/ideas/{bobs}/like"), None)
        .await;
    assert!(status == 200 || status == 201 || status == 204, "like: {status}");
    // A contribution to a national campaign from Gironde is the national space's usage.
    post_idea(&mut alice, &national, "Idée nationale venue de Gironde").await;

    let gironde = usage(&app, "gironde").await;
    assert_eq!(
        gironde.contributions - gironde_before.contributions,
        6,
        "4 ideas and 2 comments"
    );
    assert_eq!(
        gironde.participants - gironde_before.participants,
        2,
        "Alice and Bob, once each"
    );
    let nat = usage(&app, "national").await;
    assert_eq!(nat.contributions - national_before.contributions, 1);
    assert_eq!(nat.participants - national_before.participants, 1);

    // The rows agree: the events counted exactly what the tables hold.
    let gironde_id = tenant_id(&owner, "gironde").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde_id).await.unwrap();
    let stored: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM ideas WHERE tenant_id = $1) + (SELECT count(*) FROM idea_comments WHERE tenant_id = $1)",
    )
    .bind(gironde_id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(gironde.contributions, stored);

    // Rolling up moves events into days without changing a single figure.
    let db = TenantDb::new(app.test_db.app_pool().await);
    let folded = metering::rollup::run_once(&db).await.unwrap();
    assert!(folded >= 5, "events were pending: {folded}");
    assert_eq!(usage(&app, "gironde").await, gironde);
    assert_eq!(usage(&app, "national").await, nat);
    assert_eq!(
        metering::rollup::run_once(&db).await.unwrap(),
        0,
        "nothing left to fold"
    );
}

#[tokio::test]
async fn a_crash_in_the_middle_of_a_batch_counts_nothing_and_concurrent_rollups_lose_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let campaign = insert_campaign(&owner, "aude", "local", "Lots").await;
    let aude = tenant_id(&owner, "aude").await;
    let db = TenantDb::new(app.test_db.app_pool().await);
    let before = usage(&app, "aude").await.contributions;

    // A batch whose connection dies before commit: the server process of the session is
    // terminated from outside, as a crash would leave it.
    let mut tx = db.begin_in(crate::helpers::space(&db, aude).await).await.unwrap();
    insert_batch(&mut tx, campaign, 40).await;
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .fetch_one(&owner)
        .await
        .unwrap();
    assert!(killed);
    assert!(tx.commit().await.is_err(), "the crashed batch cannot commit");
    assert_eq!(
        usage(&app, "aude").await.contributions,
        before,
        "nothing of the crashed batch is counted"
    );

    // Twenty batches commit while rollups run concurrently: every event counted once.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rollups = {
        let (db, stop) = (db.clone(), stop.clone());
        tokio::spawn(async move {
            let mut folded = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                folded += metering::rollup::run_once(&db).await.unwrap();
            }
            folded
        })
    };
    join_all((0..20).map(|_| {
        let db = db.clone();
        async move {
            let mut tx = db.begin_in(crate::helpers::space(&db, aude).await).await.unwrap();
            insert_batch(&mut tx, campaign, 7).await;
            tx.commit().await.unwrap();
        }
    }))
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    rollups.await.unwrap();
    metering::rollup::run_once(&db).await.unwrap();
    assert_eq!(usage(&app, "aude").await.contributions, before + 140);
    let stored: i64 = {
        let mut tx = ecoute::db::owner_tx_in(&owner, aude).await.unwrap();
        let n = sqlx::query_scalar("SELECT count(*) FROM ideas WHERE tenant_id = $1")
            .bind(aude)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        n
    };
    assert_eq!(usage(&app, "aude").await.contributions, stored);
}
