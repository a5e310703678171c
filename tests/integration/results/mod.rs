//! Results pages: figures equal to what was stored, server-drawn SVG charts that are valid XML
//! with a title and a description, the national roll-up and each Caf's own share, early
//! publication, decisions linked only to the campaign's own ideas, and the API.
//!
//! This file holds what the tests share; the tests are in the files beside it, grouped by flow.

use reqwest::Method;
use serde_json::json;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, session_for};

mod national;
mod news;
mod page;

const SLUG: &str = "simplifier-les-demarches";

fn figure(html: &str, name: &str) -> i64 {
    extract(html, &format!("data-figure=\"{name}\"><strong>"))
        .and_then(|t| t.split('<').next().map(str::to_owned))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("figure {name} on the page"))
}

async fn citizen<'a>(app: &'a TestApp, slug: &str, email: &str) -> Browser<'a> {
    let owner = app.test_db.owner().await;
    let mut browser = Browser::new(app, &format!("{slug}.localhost"));
    browser.set_cookie("ecoute_session", &session_for(&owner, slug, email).await);
    browser
}

/// Answers the first question (single choice) with its option `choice`, and the scale.
async fn answer(browser: &mut Browser<'_>, questions: &[serde_json::Value], choice: usize, scale: i64) {
    let q0 = questions[0]["id"].as_str().unwrap();
    let q2 = questions[2]["id"].as_str().unwrap();
    let option = questions[0]["options"][choice].as_str().unwrap();
    let q1 = questions[1]["id"].as_str().unwrap();
    let first = questions[1]["options"][0].as_str().unwrap();
    let q3 = questions[3]["id"].as_str().unwrap();
    let ranking: Vec<&str> = questions[3]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    let body = json!({"answers": {q0: option, q1: [first], q2: scale, q3: ranking}});
    let (status, response) = browser
        .api(
            Method::PUT,
            &format!("/api/v1/campaigns/{SLUG}/survey/response"),
            Some(body),
        )
        .await;
    assert_eq!(status, 200, "{response}");
}
