//! Requests dropped mid-transaction (a client hanging up) leave nothing behind: no connection
//! back in the pool inside a transaction, no "there is already / no transaction in progress"
//! warning, and every acknowledged write stored whole.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ecoute::tenancy::{TenantDb, TenantId};
use rand::{Rng, SeedableRng};
use tracing_subscriber::layer::SubscriberExt;

use crate::helpers::{APP_ROLE, TestDb, tenant_id};

/// Counts the warnings PostgreSQL sends to the client (sqlx reports them as tracing events).
#[derive(Clone, Default)]
struct Warnings(Arc<AtomicUsize>, Arc<std::sync::Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Warnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let meta = event.metadata();
        if meta.target() == "sqlx::postgres::notice" && *meta.level() <= tracing::Level::WARN {
            self.0.fetch_add(1, Ordering::SeqCst);
            let mut text = String::new();
            event.record(&mut |_: &tracing::field::Field, value: &dyn std::fmt::Debug| {
                text.push_str(&format!("{value:?} "))
            });
            self.1.lock().unwrap().push(text);
        }
    }
}

/// One write: two audit rows with the same marker, in one tenant transaction.
async fn write_pair(db: &TenantDb, tenant: TenantId, marker: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_in(tenant).await?;
    for half in ["first", "second"] {
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, operator_email, action, target) VALUES ($1, $2, 'test.cancel', $3)",
        )
        .bind(tenant)
        .bind(marker)
        .bind(half)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

// A current-thread runtime, so that the warning collector (a thread-local subscriber) sees
// every task, the pool's own release tasks included.
#[tokio::test]
async fn requests_dropped_at_any_point_leave_no_transaction_behind() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let tenant = tenant_id(&owner, "gironde").await;
    let warnings = Warnings::default();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(warnings.clone()));

    // Two connections, so that each is reused many times after a cancellation.
    let db = TenantDb::new(test_db.db.connect_app(2).await.unwrap());
    let space = crate::helpers::space(&db, tenant).await;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
    let mut acknowledged = Vec::new();
    for round in 0..150 {
        // A few writers at once, each given up after a random delay: before its BEGIN is
        // answered, between its statements, or during its COMMIT.
        let attempts: Vec<_> = (0..4)
            .map(|i| {
                let marker = format!("r{round}-{i}");
                let patience = Duration::from_micros(rng.random_range(0..1_500));
                let db = db.clone();
                async move {
                    match tokio::time::timeout(patience, write_pair(&db, space, &marker)).await {
                        Ok(Ok(())) => Some(marker),
                        Ok(Err(e)) => panic!("a write failed: {e}"),
                        Err(_) => None,
                    }
                }
            })
            .collect();
        acknowledged.extend(crate::helpers::join_all(attempts).await.into_iter().flatten());
        // And one that is not given up, on connections the cancelled ones gave back.
        let marker = format!("r{round}-whole");
        write_pair(&db, space, &marker).await.unwrap();
        acknowledged.push(marker);
    }
    // Let the pool finish returning connections.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let left_in_transaction: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND usename = $1 \
         AND state LIKE 'idle in transaction%'",
    )
    .bind(APP_ROLE)
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(
        left_in_transaction, 0,
        "a pooled connection was left inside a transaction"
    );
    assert_eq!(
        warnings.0.load(Ordering::SeqCst),
        0,
        "PostgreSQL warned about transactions: {:?}",
        warnings.1.lock().unwrap().iter().take(5).collect::<Vec<_>>()
    );

    // Whole: each marker has both rows or none; every acknowledged one has both.
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT operator_email, count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'test.cancel' \
         GROUP BY operator_email",
    )
    .bind(tenant)
    .fetch_all(&owner)
    .await
    .unwrap();
    let halves: std::collections::HashMap<String, i64> = rows.into_iter().collect();
    assert!(halves.values().all(|n| *n == 2), "a write was stored in part");
    let missing: Vec<_> = acknowledged.iter().filter(|m| !halves.contains_key(*m)).collect();
    assert!(missing.is_empty(), "acknowledged writes missing: {missing:?}");
    assert!(
        acknowledged.len() > 150,
        "some given-up writers should also have finished"
    );
}
