//! The rules of each space: the pages a French public site publishes, linked from the footer of
//! every page (`web/templates/base.html`), in French and English:
//!
//! - `/mentions-legales`: publisher (the Caf, or the Cnaf), publication director, host;
//! - `/donnees-personnelles`: controller, purposes, legal bases, the retention periods as the
//!   platform applies them ([`retention`]), rights, the data protection officer, the CNIL;
//! - `/charte-de-participation`: numbered articles ([`charter`]), which moderation reasons cite;
//! - `/accessibilite`: the RGAA 4.1 statement ([`accessibility`]: the state follows from an
//!   audit, and none was made), with the multi-year plan (`#schema-pluriannuel`).
//!
//! They are drawn from the space's data (name, kind, host) and, for what only its operator
//! knows, from a console form ([`console`], stored by [`store`]).

pub mod accessibility;
pub mod charter;
pub mod console;
mod pages;
pub mod retention;
pub mod store;

use crate::moderation::reasons::CHARTER_PATH;
use crate::web::Ground;

/// The paths of the rules pages, as the footer links them.
pub const PATHS: [&str; 4] = [
    "/mentions-legales",
    "/donnees-personnelles",
    CHARTER_PATH,
    "/accessibilite",
];

/// The rules pages and their console form.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: axum::extract::FromRef<S>,
    crate::config::Retention: axum::extract::FromRef<S>,
{
    use axum::routing::get;
    axum::Router::new()
        .route(PATHS[0], get(pages::legal_notice))
        .route(PATHS[1], get(pages::personal_data))
        .route(PATHS[2], get(pages::charter))
        .route(PATHS[3], get(pages::accessibility))
        .merge(console::routes())
}
