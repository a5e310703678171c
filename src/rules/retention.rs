//! How long the platform keeps what, as it is configured: the personal data page reads it from
//! here, and here reads it from the code and the space's data that decide it, so the page
//! cannot promise what the platform does not do.
//!
//! Where no purge exists yet, the period is `None` and the page says "no limit today"
//! (sign-in requests and sent mail: issue 24, item 8 adds their purge; set them from its
//! constants then).

use serde::Serialize;
use uuid::Uuid;

use crate::tenancy::TenantTx;

/// How long sign-in requests (address, date) are kept once used or expired: no purge yet.
pub const SIGN_IN_REQUESTS_KEPT_DAYS: Option<i64> = None;

/// How long sent mail (address, subject, text) is kept: no purge yet.
pub const SENT_MAIL_KEPT_DAYS: Option<i64> = None;

/// The periods that do not depend on the space.
#[derive(Debug, Clone, Serialize)]
pub struct Periods {
    /// A signed-in session lasts this long.
    pub session_days: i64,
    /// A sign-in link works this long.
    pub sign_in_link_minutes: i64,
    pub sign_in_requests_days: Option<i64>,
    pub sent_mail_days: Option<i64>,
}

pub fn periods() -> Periods {
    Periods {
        session_days: crate::accounts::session::SESSION_DAYS,
        sign_in_link_minutes: crate::accounts::queries::SIGN_IN_MINUTES,
        sign_in_requests_days: SIGN_IN_REQUESTS_KEPT_DAYS,
        sent_mail_days: SENT_MAIL_KEPT_DAYS,
    }
}

/// A workshop recruitment of the space and how long its volunteers' profiles are kept.
#[derive(Debug, Clone, Serialize)]
pub struct WorkshopRetention {
    pub campaign_id: Uuid,
    pub campaign_title: String,
    /// Profiles are erased this many months after the last session (after the recruitment's
    /// opening when it has none).
    pub months: i32,
}

/// The space's workshop recruitments whose profiles are not purged yet, in published
/// campaigns, with their retention period.
pub async fn workshop_retentions(tx: &mut TenantTx) -> Result<Vec<WorkshopRetention>, sqlx::Error> {
    sqlx::query_as!(
        WorkshopRetention,
        "SELECT c.id AS campaign_id, c.title AS campaign_title, r.retention_months AS months
           FROM workshop_recruitments r
           JOIN campaigns c ON c.tenant_id = r.tenant_id AND c.id = r.campaign_id
          WHERE r.tenant_id = $1 AND r.purged_at IS NULL AND c.published_at IS NOT NULL
          ORDER BY c.opens_at DESC, c.id",
        tx.tenant_id(),
    )
    .fetch_all(&mut **tx)
    .await
}
