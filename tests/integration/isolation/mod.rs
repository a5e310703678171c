//! Row-level isolation, exercised as the application role (the owner would bypass nothing
//! here, since RLS is forced, but the server never connects as the owner anyway).

use ecoute::db::rls::{check_forced_rls, tenant_owned_tables};
use ecoute::tenancy::TenantDb;
use sqlx::Row;

use crate::helpers::{TestDb, insert_campaign, tenant_id};

/// Error code PostgreSQL gives for a row refused by a policy's WITH CHECK.
const INSUFFICIENT_PRIVILEGE: &str = "42501";
/// Error code Citus gives for a change of a row's distribution column.
const FEATURE_NOT_SUPPORTED: &str = "0A000";

#[tokio::test]
async fn another_tenants_rows_are_invisible_and_untouchable() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let a_campaign = insert_campaign(&owner, "gironde", "local", "Campagne A").await;
    let b_campaign = insert_campaign(&owner, "aude", "local", "Campagne B").await;
    let (a, b) = (tenant_id(&owner, "gironde").await, tenant_id(&owner, "aude").await);
    let db = TenantDb::new(test_db.app_pool().await);

    let mut tx = db.begin_in(crate::helpers::space(&db, a).await).await.unwrap();
    let visible: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM campaigns")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert!(visible.contains(&a_campaign), "own rows are visible");
    assert!(!visible.contains(&b_campaign), "another tenant's rows are not");
    let by_id: Option<String> = sqlx::query_scalar("SELECT title FROM campaigns WHERE id = $1")
        .bind(b_campaign)
        .fetch_optional(&mut *tx)
        .await
        .unwrap();
    assert_eq!(by_id, None, "not even by id");

    let updated = sqlx::query("UPDATE campaigns SET title = 'piraté' WHERE id = $1")
        .bind(b_campaign)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 0);
    let deleted = sqlx::query("DELETE FROM campaigns WHERE tenant_id = $1")
        .bind(b)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 0);
    // Moving one's own row into another tenant is refused too.
    let moved = sqlx::query("UPDATE campaigns SET tenant_id = $1 WHERE id = $2")
        .bind(b)
        .bind(a_campaign)
        .execute(&mut *tx)
        .await;
    // On a Citus coordinator the distribution column cannot change at all ("modifying the
    // partition value of rows is not allowed"), which refuses the move before the policy does.
    let refused_by = if ecoute::db::citus::present(&owner).await.unwrap() {
        FEATURE_NOT_SUPPORTED
    } else {
        INSUFFICIENT_PRIVILEGE
    };
    assert_eq!(
        moved.unwrap_err().as_database_error().unwrap().code().as_deref(),
        Some(refused_by)
    );
    drop(tx);

    let mut tx = db.begin_in(crate::helpers::space(&db, a).await).await.unwrap();
    let insert = sqlx::query(
        "INSERT INTO campaigns (tenant_id, slug, scope, title, opens_at, closes_at)
         VALUES ($1, 'intrus', 'local', 'Intrus', now(), now() + interval '1 day')",
    )
    .bind(b)
    .execute(&mut *tx)
    .await;
    let error = insert.expect_err("an INSERT naming another tenant is refused");
    assert_eq!(
        error.as_database_error().unwrap().code().as_deref(),
        Some(INSUFFICIENT_PRIVILEGE)
    );
    drop(tx);

    // B's row is intact, as the owner sees it from B's context.
    let mut tx = ecoute::db::owner_tx_in(&owner, b).await.unwrap();
    let title: String = sqlx::query_scalar("SELECT title FROM campaigns WHERE id = $1")
        .bind(b_campaign)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(title, "Campagne B");
}

#[tokio::test]
async fn without_a_tenant_context_nothing_is_visible() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    insert_campaign(&owner, "gironde", "local", "Locale").await;
    insert_campaign(&owner, "national", "national", "Nationale").await;
    let app = test_db.app_pool().await;

    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM campaigns")
        .fetch_one(&app)
        .await
        .unwrap();
    assert_eq!(count, 0, "no context: not even national campaigns");
    // An empty or garbage-free reset setting also fails closed.
    let mut tx = app.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', '', true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM campaigns")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(count, 0);
    let insert = sqlx::query(
        "INSERT INTO campaigns (tenant_id, slug, scope, title, opens_at, closes_at)
         SELECT id, 'x', 'local', 'x', now(), now() + interval '1 day' FROM tenants WHERE slug = 'gironde'",
    )
    .execute(&mut *tx)
    .await;
    assert!(insert.is_err(), "no context: no writes");
}

#[tokio::test]
async fn the_tenant_context_does_not_leak_to_the_next_borrower() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    insert_campaign(&owner, "gironde", "local", "Locale").await;
    let gironde = tenant_id(&owner, "gironde").await;
    // One connection, reused: the setting must end with the transaction.
    let pool = test_db.db.connect_app(1).await.unwrap();
    let db = TenantDb::new(pool.clone());
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM campaigns")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 1);
    tx.commit().await.unwrap();
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM campaigns")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(after, 0);
}

#[tokio::test]
async fn national_campaigns_are_readable_from_local_spaces_but_not_writable() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let national = insert_campaign(&owner, "national", "national", "Nationale").await;
    let gironde = tenant_id(&owner, "gironde").await;
    let db = TenantDb::new(test_db.app_pool().await);

    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    let row = sqlx::query("SELECT title FROM campaigns WHERE id = $1")
        .bind(national)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("title"), "Nationale");
    let updated = sqlx::query("UPDATE campaigns SET title = 'x' WHERE id = $1")
        .bind(national)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 0);
    let deleted = sqlx::query("DELETE FROM campaigns WHERE id = $1")
        .bind(national)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 0);
    // A local space cannot own a national campaign.
    let insert = sqlx::query(
        "INSERT INTO campaigns (tenant_id, slug, scope, title, opens_at, closes_at)
         VALUES ($1, 'fausse-nationale', 'national', 'x', now(), now() + interval '1 day')",
    )
    .bind(gironde)
    .execute(&mut *tx)
    .await;
    assert!(insert.is_err());
}

#[tokio::test]
async fn every_table_with_tenant_id_has_forced_rls() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let mut conn = owner.acquire().await.unwrap();
    let tables = tenant_owned_tables(&mut conn).await.unwrap();
    assert!(tables.contains(&"campaigns".to_owned()), "{tables:?}");
    let violations = check_forced_rls(&mut conn).await.unwrap();
    assert!(
        violations.is_empty(),
        "tables breaking the isolation rule: {violations:?}"
    );

    // The check itself can fail: a careless new table is caught.
    sqlx::raw_sql("CREATE TABLE careless (tenant_id uuid, note text)")
        .execute(&mut *conn)
        .await
        .unwrap();
    let violations = check_forced_rls(&mut conn).await.unwrap();
    let problems: Vec<_> = violations
        .iter()
        .filter(|v| v.table == "careless")
        .map(|v| v.problem)
        .collect();
    assert_eq!(problems.len(), 4, "{violations:?}");
}

/// Unique keys and indexes of tables with tenant_id that leave tenant_id out.
async fn keys_without_tenant_id(conn: &mut sqlx::PgConnection) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.relname::text || ': ' || pg_get_indexdef(i.indexrelid)
           FROM pg_index i
           JOIN pg_class c ON c.oid = i.indrelid
          WHERE i.indisunique
            AND c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
            AND EXISTS (SELECT 1 FROM pg_attribute t
                         WHERE t.attrelid = c.oid AND t.attname = 'tenant_id' AND NOT t.attisdropped
                           AND NOT t.attnum = ANY (i.indkey::int2[]))
          ORDER BY 1",
    )
    .fetch_all(conn)
    .await
    .unwrap()
}

/// A key is a space's own: every primary key, unique constraint and unique index of a table with
/// tenant_id includes it. Citus enforces a key on a distributed table only when it holds the
/// distribution column, so a key without it stops `ecoute migrate` on a cluster.
#[tokio::test]
async fn every_key_of_a_tenant_table_includes_tenant_id() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let mut conn = owner.acquire().await.unwrap();
    let keys = keys_without_tenant_id(&mut conn).await;
    assert!(keys.is_empty(), "keys without tenant_id: {keys:#?}");

    // The check itself can fail: a careless new table is caught.
    sqlx::raw_sql("CREATE TABLE careless_keys (id uuid PRIMARY KEY, tenant_id uuid)")
        .execute(&mut *conn)
        .await
        .unwrap();
    let keys = keys_without_tenant_id(&mut conn).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].starts_with("careless_keys: "), "{keys:?}");
}

#[tokio::test]
async fn the_server_refuses_a_role_that_bypasses_rls() {
    let test_db = TestDb::new().await;
    // Connect "as the application role" with the owner's (superuser or table-owning) credentials.
    let mut unsafe_db = ecoute::db::Database::with_options(test_db.db.owner.clone(), "ecoute_app", None);
    unsafe_db.app = test_db.db.owner.clone();
    let error = unsafe_db.connect_app(1).await.expect_err("must refuse");
    assert!(error.to_string().contains("refusing to start"), "{error}");
    // The real application role passes the same check.
    test_db
        .db
        .connect_app(1)
        .await
        .expect("the application role is confined");
}

mod triggers;
