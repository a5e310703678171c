//! How long the platform keeps what, as it is configured: the personal data page reads it from
//! here, and here reads it from the code and the space's data that decide it, so the page
//! cannot promise what the platform does not do.
//!
//! Sign-in requests and sent mail are purged by `accounts::retention` after the periods set in
//! the configuration ([`Retention`]), which the page reads here.

use serde::Serialize;
use uuid::Uuid;

use crate::config::Retention;
use crate::tenancy::TenantTx;

/// The periods that do not depend on the space.
#[derive(Debug, Clone, Serialize)]
pub struct Periods {
    /// A signed-in session lasts this long.
    pub session_days: i64,
    /// A sign-in link works this long.
    pub sign_in_link_minutes: i64,
    /// Sign-in requests (address, date) are erased after this many days.
    pub sign_in_requests_days: u32,
    /// The text of sent mail is erased after this many days.
    pub mail_body_days: u32,
    /// The rest of a mail's record (address, subject, outcome) after this many days.
    pub mail_log_days: u32,
}

pub fn periods(retention: &Retention) -> Periods {
    Periods {
        session_days: crate::accounts::session::SESSION_DAYS,
        sign_in_link_minutes: crate::accounts::queries::SIGN_IN_MINUTES,
        sign_in_requests_days: retention.sign_in_days,
        mail_body_days: retention.mail_body_days,
        mail_log_days: retention.mail_log_days,
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
