//! Usage metering and quotas: counts equal the actions (through the API, across a crash in the
//! middle of a batch, with rollups running concurrently), quotas warn at 80 % and refuse at
//! 100 %, list mail over quota waits in the queue, and the national console shows and exports it.
//!
//! This file holds what the tests share; the tests are in the files beside it, grouped by flow.

use ecoute::metering::{self, Usage};
use ecoute::tenancy::TenantDb;
use reqwest::Method;
use sqlx::PgPool;
use uuid::Uuid;

use crate::browser::Browser;
use crate::helpers::{TestApp, session_for, tenant_id};

mod console;
mod counting;
mod defaults;
mod quotas;

async fn usage(app: &TestApp, slug: &str) -> Usage {
    let owner = app.test_db.owner().await;
    let tenant = tenant_id(&owner, slug).await;
    let db = TenantDb::new(app.test_db.app_pool().await);
    let mut tx = db.begin_in(crate::helpers::space(&db, tenant).await).await.unwrap();
    let usage = metering::usage::for_space(&mut tx, metering::current_month())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    usage
}

async fn citizen<'a>(app: &'a TestApp, slug: &str, email: &str) -> Browser<'a> {
    let owner = app.test_db.owner().await;
    let mut browser = Browser::new(app, &format!("{slug}.localhost"));
    browser.set_cookie("ecoute_session", &session_for(&owner, slug, email).await);
    browser
}

async fn post_idea(browser: &mut Browser<'_>, campaign: &str, title: &str) -> String {
    let (status, idea) = browser
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{campaign}/ideas"),
            Some(serde_json::json!({"kind": "idee", "title": title, "body": format!("{title}, expliqué en quelques mots.")})),
        )
        .await;
    assert_eq!(status, 201, "{idea}");
    idea["id"].as_str().unwrap().to_owned()
}

/// Inserts `n` ideas in one statement, as the application role in `tenant`'s context.
async fn insert_batch(tx: &mut ecoute::tenancy::TenantTx, campaign: Uuid, n: i32) {
    let tenant = tx.tenant_id();
    sqlx::query(
        "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, submission_key)
         SELECT $1, $2, $1, 'idee', 'Idée en lot ' || i, 'Une idée insérée en lot, numéro ' || i, gen_random_uuid()
           FROM generate_series(1, $3) i",
    )
    .bind(tenant)
    .bind(campaign)
    .bind(n)
    .execute(&mut **tx)
    .await
    .unwrap();
}

async fn set_quotas(owner: &PgPool, slug: &str, quotas: serde_json::Value) {
    sqlx::query("UPDATE tenants SET quotas = $2 WHERE slug = $1")
        .bind(slug)
        .bind(quotas)
        .execute(owner)
        .await
        .unwrap();
}

/// Published campaigns of the space that are not closed (what the quota counts).
async fn open_campaigns(owner: &PgPool, tenant: Uuid) -> i64 {
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    let n = sqlx::query_scalar(
        "SELECT count(*) FROM campaigns WHERE tenant_id = $1 AND published_at IS NOT NULL AND closes_at > now()",
    )
    .bind(tenant)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    n
}
