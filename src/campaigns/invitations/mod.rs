//! Inviting people to a campaign from a pasted list or a CSV file (as staff too, for internal
//! campaigns), in three steps that are each safe to repeat:
//!
//! 1. **Upload** ([`upload`]): `POST /admin/campagnes/{id}/invitations` reads the list line by
//!    line ([`crate::campaigns::address_list`]) and stores it as a pending batch, then redirects
//!    (303) to the batch's page. A refusal (no valid address, no subject…) shows the form again
//!    with what was typed.
//! 2. **Preview** ([`batch`]): `GET /admin/campagnes/{id}/invitations/{batch}` shows the
//!    addresses to invite, those invited to the campaign before ("déjà invitée le …"), those
//!    that unsubscribed from the space, the repeats inside the list and the refused lines. It is
//!    a page like any other: reloading it changes nothing.
//! 3. **Confirm**: `POST …/{batch}/confirmer`, carrying the batch's idempotency key, queues the
//!    mail of the new addresses only (one per campaign and address, `campaign_invitations`),
//!    with the audit line, in one transaction, and redirects to the same page, which now follows
//!    the delivery (queued, sent, failed, bounced), live with JavaScript. A second confirm (a
//!    double click, a reload) finds the batch confirmed and only redirects.
//!
//! Re-inviting the addresses a batch skipped is a separate action on its page
//! (`POST …/{batch}/reinviter`), audited, and done once. Addresses that unsubscribed from the
//! space are queued as `suppressed` (recorded, never sent), as all list mail.

mod batch;
mod store;
mod upload;

use serde::Serialize;
use uuid::Uuid;

use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::mail::status::Counts;
use crate::tenancy::TenantTx;
use crate::web::page::Page;

/// Largest list taken, pasted or as a file (about 100,000 addresses).
pub const MAX_LIST_BYTES: usize = 4 * 1024 * 1024;

async fn campaign(tx: &mut TenantTx, id: Uuid) -> Result<CampaignDetail, PageError> {
    crate::campaigns::authoring::find(tx, id)
        .await?
        .ok_or(PageError::NotFound)
}

/// The campaign page's address, as the invitation ends with it.
fn mail_text(page: &Page, c: &CampaignDetail, message: &str) -> String {
    let link = format!("{}/consultations/{}", page.origin.base_url(), c.summary.slug);
    format!("{message}\n\n{link}")
}

fn batch_path(campaign: Uuid, batch: Uuid) -> String {
    format!("/admin/campagnes/{campaign}/invitations/{batch}")
}

/// `3 décembre 2026 à 14 h 05` / `3 December 2026 at 14:05` (Paris time).
fn format_moment(page: &Page, at: chrono::DateTime<chrono::Utc>) -> String {
    crate::web::format::date_time(page.lang, at)
}

/// Where a set of invitations stands, for the progress bar and its JSON.
#[derive(Debug, Clone, Copy, Serialize)]
struct Progress {
    total: i64,
    /// Settled one way or another: sent, failed, suppressed or uncertain.
    done: i64,
    finished: bool,
    counts: ShownCounts,
}

/// The counts a console shows: `queued` includes those being sent, `failed` excludes the
/// bounced ones (counted apart).
#[derive(Debug, Clone, Copy, Serialize)]
struct ShownCounts {
    queued: i64,
    sent: i64,
    failed: i64,
    bounced: i64,
    suppressed: i64,
    uncertain: i64,
}

impl From<Counts> for Progress {
    fn from(c: Counts) -> Self {
        let done = c.sent + c.failed + c.suppressed + c.uncertain;
        Progress {
            total: c.total(),
            done,
            finished: done == c.total(),
            counts: ShownCounts {
                queued: c.queued + c.sending,
                sent: c.sent,
                failed: c.failed - c.bounced,
                bounced: c.bounced,
                suppressed: c.suppressed,
                uncertain: c.uncertain,
            },
        }
    }
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
    crate::accounts::session::SessionCache: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::{get, post};
    Router::new()
        .route(
            "/admin/campagnes/{id}/invitations",
            get(upload::form)
                .post(upload::upload)
                .layer(crate::web::limits::layer("/admin/campagnes/{id}/invitations")),
        )
        .route("/admin/campagnes/{id}/invitations/etat", get(upload::progress))
        .route("/admin/campagnes/{id}/invitations/{batch}", get(batch::show))
        .route("/admin/campagnes/{id}/invitations/{batch}/etat", get(batch::progress))
        .route(
            "/admin/campagnes/{id}/invitations/{batch}/confirmer",
            post(batch::confirm),
        )
        .route(
            "/admin/campagnes/{id}/invitations/{batch}/reinviter",
            post(batch::reinvite),
        )
}
