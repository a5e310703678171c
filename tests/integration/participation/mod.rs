//! The citizen journey through pages and the API: sign-in by e-mailed link, ideas, likes,
//! comments, reports; double submissions, bad input and cross-space attempts.
//!
//! This file holds what the tests share; the tests are in the files beside it, grouped by flow.

use crate::browser::Browser;
use crate::helpers::{TestApp, session_for};

mod ideas;
mod like_batches;
mod reactions;
mod shared_pages;
mod sign_in;

async fn signed_in<'a>(app: &'a TestApp, slug: &str, host: &str, email: &str) -> Browser<'a> {
    let owner = app.test_db.owner().await;
    let mut browser = Browser::new(app, host);
    browser.set_cookie("ecoute_session", &session_for(&owner, slug, email).await);
    browser
}
