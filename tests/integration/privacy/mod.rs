//! Issue 24, items 3, 6 and 8: follow-up news that people can leave campaign by campaign,
//! open data that publishes only what the site shows, and an account's erasure and download
//! that cover every table.
//!
//! This file holds what the tests share; the tests are in the files beside it.

use reqwest::Method;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::browser::Browser;
use crate::helpers::{TestApp, session_for, tenant_id};

mod erasure;
mod news;
mod open_data;
mod retention;

/// A signed-in person of the space `slug`.
async fn citizen<'a>(app: &'a TestApp, slug: &str, email: &str) -> Browser<'a> {
    let owner = app.test_db.owner().await;
    let mut browser = Browser::new(app, &format!("{slug}.localhost"));
    browser.set_cookie("ecoute_session", &session_for(&owner, slug, email).await);
    browser
}

/// Posts an idea through the API; returns its id.
async fn post_idea(browser: &mut Browser<'_>, slug: &str, title: &str) -> String {
    let (status, idea) = browser
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{slug}/ideas"),
            Some(json!({"kind": "idee", "title": title, "body": "Un texte assez long pour passer."})),
        )
        .await;
    assert_eq!(status, 201, "{idea}");
    idea["id"].as_str().unwrap().to_owned()
}

/// The slug of a campaign.
async fn slug_of(owner: &PgPool, campaign: Uuid) -> String {
    sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(campaign)
        .fetch_one(owner)
        .await
        .unwrap()
}

/// Runs a query returning one count as the owner, inside the space `slug`.
async fn count_in(owner: &PgPool, slug: &str, sql: &str) -> i64 {
    let tenant = tenant_id(owner, slug).await;
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    let n = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    n
}
