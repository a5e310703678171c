//! Workshop recruitment ("appel à personnes"): volunteers answer a qualification
//! questionnaire on a campaign, operators draw a fair panel under diversity quotas, invite it,
//! manage confirmations and the waitlist, record attendance, and the profiles are purged when
//! the retention period ends.

pub mod applications;
pub mod assignment;
pub mod calendar;
pub mod console;
pub mod criteria;
pub mod imports;
pub mod infeasible;
pub mod invitations;
pub mod pages;
pub mod panel;
pub mod queries;
pub mod retention;

/// Fair panel selection (feasibility, LEXIMIN, draws): the `ecoute-selection` crate.
pub use ecoute_selection as selection;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;

use crate::web::Ground;

/// The workshops' routes: applying to a recruitment, answering an invitation, and the console.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: FromRef<S>,
    crate::db::changes::Forget: FromRef<S>,
{
    Router::new()
        .merge(console::routes())
        .route(
            "/consultations/{slug}/ateliers",
            get(pages::apply_page).post(pages::submit_application),
        )
        .route(
            "/ateliers/reponse/{token}",
            get(pages::answer_page).post(pages::answer_invitation),
        )
}
