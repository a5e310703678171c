//! The embedded cluster on its own folder: starts from nothing, is reused, and stops by
//! itself once its last user is gone.

use std::time::Duration;

use ecoute::db::embedded::EmbeddedCluster;
use sqlx::{Connection, PgConnection};

use crate::helpers::eventually;

#[tokio::test]
async fn an_embedded_cluster_starts_is_reused_and_stops_after_its_last_user() {
    let base = std::env::temp_dir().join(format!("ecoute-embedded-{}", uuid::Uuid::new_v4().simple()));
    let dir = base.clone();
    let first = tokio::task::spawn_blocking(move || EmbeddedCluster::start(&dir))
        .await
        .unwrap()
        .expect("starts");
    let mut conn = PgConnection::connect_with(&first.connect_options("postgres"))
        .await
        .unwrap();
    let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut conn).await.unwrap();
    assert_eq!(one, 1);
    conn.close().await.unwrap();

    // A second user reuses the running server (no second initdb: the data folder is kept).
    let dir = base.clone();
    let second = tokio::task::spawn_blocking(move || EmbeddedCluster::start(&dir))
        .await
        .unwrap()
        .expect("reuses");
    let pid_file = second.data_dir().join("postmaster.pid");
    assert!(pid_file.exists());
    drop(first);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(pid_file.exists(), "still running while a user remains");

    drop(second);
    let stopped = eventually(Duration::from_secs(10), || async { !pid_file.exists() }).await;
    assert!(stopped, "the watchdog stops the cluster once nobody uses it");
    std::fs::remove_dir_all(&base).ok();
}
