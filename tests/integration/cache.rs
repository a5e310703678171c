//! Two instances on one database stay coherent: a tenant changed through one is seen by the
//! other within a second, through LISTEN/NOTIFY, without a restart.

use std::path::Path;
use std::time::{Duration, Instant};

use ecoute::tenancy::sync::{SyncMode, sync_tenants};

use crate::helpers::{TestApp, eventually, tenants_dir};

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
