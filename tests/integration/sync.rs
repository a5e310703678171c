//! `ecoute tenants sync`: idempotent, reports drift, never deletes.

use ecoute::tenancy::sync::{SyncMode, sync_tenants};

use crate::helpers::{TestDb, tenants_dir};

#[tokio::test]
async fn running_sync_twice_changes_nothing() {
    let test_db = TestDb::new().await; // the template was synced once already
    let owner = test_db.owner().await;
    let before: Vec<(String, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as("SELECT slug, updated_at FROM tenants ORDER BY slug")
            .fetch_all(&owner)
            .await
            .unwrap();
    let report = sync_tenants(&owner, &tenants_dir(), "localhost", SyncMode::Apply)
        .await
        .unwrap();
    assert!(!report.has_drift(), "{report}");
    assert_eq!(report.unchanged, 4);
    assert!(report.created.is_empty() && report.updated.is_empty());
    let after: Vec<(String, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as("SELECT slug, updated_at FROM tenants ORDER BY slug")
            .fetch_all(&owner)
            .await
            .unwrap();
    assert_eq!(before, after, "no row was rewritten");
    let catalogue: i64 = sqlx::query_scalar("SELECT count(*) FROM caf_catalogue")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(catalogue, 101);
}

#[tokio::test]
async fn drift_is_reported_then_repaired() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    sqlx::query("UPDATE tenants SET name = 'Modifié à la main', primary_color = '#000000' WHERE slug = 'gironde'")
        .execute(&owner)
        .await
        .unwrap();

    let check = sync_tenants(&owner, &tenants_dir(), "localhost", SyncMode::Check)
        .await
        .unwrap();
    assert!(check.has_drift());
    assert_eq!(
        check.updated,
        vec![("gironde".to_owned(), vec!["name", "primary_color"])]
    );
    assert!(
        check
            .to_string()
            .contains("updated    gironde (drift in: name, primary_color)"),
        "{check}"
    );
    let name: String = sqlx::query_scalar("SELECT name FROM tenants WHERE slug = 'gironde'")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(name, "Modifié à la main", "check mode changes nothing");

    let apply = sync_tenants(&owner, &tenants_dir(), "localhost", SyncMode::Apply)
        .await
        .unwrap();
    assert_eq!(apply.updated.len(), 1);
    let name: String = sqlx::query_scalar("SELECT name FROM tenants WHERE slug = 'gironde'")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(name, "Caf de la Gironde");
    assert!(
        !sync_tenants(&owner, &tenants_dir(), "localhost", SyncMode::Check)
            .await
            .unwrap()
            .has_drift()
    );
}

#[tokio::test]
async fn a_tenant_missing_from_the_files_is_reported_not_deleted() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    sqlx::query(
        "INSERT INTO tenants (slug, kind, name, caf_code, primary_color, secondary_color)
         VALUES ('landes', 'local', 'Caf des Landes', '40', '#123456', '#654321')",
    )
    .execute(&owner)
    .await
    .unwrap();
    let report = sync_tenants(&owner, &tenants_dir(), "localhost", SyncMode::Apply)
        .await
        .unwrap();
    assert_eq!(report.only_in_database, vec!["landes".to_owned()]);
    assert!(report.to_string().contains("not deleted"));
    let still_there: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tenants WHERE slug = 'landes')")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert!(still_there);
}

#[tokio::test]
async fn an_invalid_folder_changes_nothing() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let dir = std::env::temp_dir().join(format!("ecoute-bad-tenants-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(tenants_dir()).unwrap().flatten() {
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    // A second national space is refused, and so is the whole sync.
    let national = std::fs::read_to_string(dir.join("national.toml")).unwrap();
    std::fs::write(
        dir.join("zz-second.toml"),
        national.replace("slug = \"national\"", "slug = \"cnaf2\""),
    )
    .unwrap();
    let gironde = std::fs::read_to_string(dir.join("gironde.toml")).unwrap();
    std::fs::write(
        dir.join("gironde.toml"),
        gironde.replace("Caf de la Gironde\"", "Autre nom\""),
    )
    .unwrap();
    let error = sync_tenants(&owner, &dir, "localhost", SyncMode::Apply)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("exactly one national space"), "{error}");
    let name: String = sqlx::query_scalar("SELECT name FROM tenants WHERE slug = 'gironde'")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(name, "Caf de la Gironde");
    std::fs::remove_dir_all(dir).ok();
}
