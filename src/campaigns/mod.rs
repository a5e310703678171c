//! Campaigns: what a space consults people about.
//!
//! A campaign belongs to one tenant. National campaigns (owned by the national space) are also
//! listed in every local space; RLS lets a local tenant context read them, never write them.
//! The lifecycle is derived from the dates plus the explicit publish steps (see [`Lifecycle`]).

pub mod address_list;
pub mod authoring;
pub mod cache;
pub mod console;
pub mod follows;
pub mod invitations;
pub mod pages;
pub mod queries;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::web::Ground;

/// The campaigns' routes: the space's home page, which lists them.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: FromRef<S>,
    crate::accounts::session::SessionCache: FromRef<S>,
{
    Router::new()
        .route("/", get(pages::home))
        .merge(invitations::routes())
        .merge(console::routes())
}

/// Where a campaign is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    National,
    Local,
}

/// Derived state of a campaign at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    Draft,
    Scheduled,
    Open,
    Closed,
    Results,
}

impl Lifecycle {
    pub fn at(
        now: DateTime<Utc>,
        published_at: Option<DateTime<Utc>>,
        opens_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
        results_published_at: Option<DateTime<Utc>>,
    ) -> Self {
        match (published_at, results_published_at) {
            (None, _) => Lifecycle::Draft,
            (Some(_), Some(_)) => Lifecycle::Results,
            _ if now < opens_at => Lifecycle::Scheduled,
            _ if now < closes_at => Lifecycle::Open,
            _ => Lifecycle::Closed,
        }
    }
}

/// A campaign as listed on a home page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignSummary {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub slug: String,
    pub scope: Scope,
    pub audience: String,
    pub title: String,
    pub summary: String,
    pub themes: Vec<String>,
    /// On this site (`/static/…`) or https; with its text alternative.
    pub cover_image_url: Option<String>,
    pub cover_image_alt: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub status: Lifecycle,
}

/// Why a staff-only campaign refuses someone (the ideas and survey APIs answer it).
pub const STAFF_ONLY: &str =
    "Cette consultation est réservée aux agents de cette Caf, identifiés par leur adresse professionnelle.";

/// Why a campaign that requires a verified identity refuses someone (the ideas and survey
/// APIs answer it, 403).
pub const VERIFIED_ONLY: &str =
    "Cette consultation demande une identité vérifiée : connectez-vous avec FranceConnect pour y contribuer.";

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn lifecycle_follows_dates_and_publication() {
        let now = Utc::now();
        let (open, close) = (now - Duration::days(1), now + Duration::days(55));
        assert_eq!(Lifecycle::at(now, None, open, close, None), Lifecycle::Draft);
        assert_eq!(Lifecycle::at(now, Some(now), open, close, None), Lifecycle::Open);
        assert_eq!(
            Lifecycle::at(now, Some(now), now + Duration::days(1), close, None),
            Lifecycle::Scheduled
        );
        assert_eq!(
            Lifecycle::at(now, Some(now), open - Duration::days(60), open, None),
            Lifecycle::Closed
        );
        assert_eq!(
            Lifecycle::at(now, Some(now), open - Duration::days(60), open, Some(now)),
            Lifecycle::Results
        );
    }
}
