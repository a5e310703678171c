//! Citizen accounts, passwordless sign-in and sessions.
//!
//! An account is platform-wide (one person, one e-mail address), but a session belongs to the
//! space it was opened in, because cookies are per host. Sign-in is by a single-use link sent by
//! e-mail, valid 15 minutes, stored hashed. Opening the link shows a button that confirms the
//! sign-in (a POST), so that mail scanners which follow links do not burn the token.

pub mod account_pages;
pub mod console;
pub mod franceconnect;
pub mod identities;
pub mod my_data;
pub mod own_provider;
pub mod pages;
pub mod proconnect;
pub mod queries;
pub mod retention;
pub mod rights;
pub mod session;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};

use crate::web::Ground;

/// The account API's part of the OpenAPI document (`crate::app::openapi` merges the parts).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    account_pages::api_me,
    account_pages::api_update_me,
    account_pages::api_delete_me,
    account_pages::api_my_data
))]
pub struct Api;

/// The accounts' routes: sign-in, sign-out, the account page and `/api/v1/me`.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: FromRef<S>,
    session::SessionCache: FromRef<S>,
    crate::oidc::Oidc: FromRef<S>,
{
    Router::new()
        .merge(console::routes())
        .route("/connexion", get(pages::sign_in_form).post(pages::request_link))
        .route("/connexion/lien", get(pages::confirm_form).post(pages::confirm))
        .route("/connexion/franceconnect", get(franceconnect::start))
        .route(franceconnect::CALLBACK, get(franceconnect::callback))
        .route("/connexion/proconnect", get(proconnect::start))
        .route(proconnect::CALLBACK, get(proconnect::callback))
        .route(own_provider::START, get(own_provider::start))
        .route(own_provider::CALLBACK, get(own_provider::callback))
        .route("/deconnexion", post(pages::sign_out))
        .route("/compte", get(account_pages::account_page))
        .route("/compte/pseudonyme", post(account_pages::change_pseudonym))
        .route("/compte/mes-donnees", get(account_pages::download_my_data))
        .route("/compte/suppression", post(account_pages::delete_my_account))
        .route(
            "/api/v1/me",
            get(account_pages::api_me)
                .patch(account_pages::api_update_me)
                .delete(account_pages::api_delete_me),
        )
        .route("/api/v1/me/data", get(account_pages::api_my_data))
}

/// Addresses are parsed where mail is queued (see [`crate::mail::address`]).
pub use crate::mail::address::EmailAddress;

/// The signed-in person: the HTTP kit carries it to every page (see [`crate::web::identity`]).
pub use crate::web::identity::Account;
