//! The retention job of what the platform keeps for its own workings (`ECOUTE_RETENTION_*`,
//! [`Retention`]): sign-in requests are erased after their period; a mail's text and
//! attachment after theirs, the rest of its record (address, subject, outcome, attempts) after
//! a longer one. Mail still waiting to go is left alone. Each space is visited in its own
//! tenant-scoped transaction, every ten minutes, wherever the background jobs run; running it
//! in several processes at once is harmless (each statement erases what is due, once).
//!
//! The personal data page states these periods (`rules::retention`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::config::Retention;
use crate::tenancy::TenantDb;

/// What one pass erased, over every space.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub sign_in_requests: u64,
    pub mail_bodies: u64,
    pub mail_records: u64,
}

/// Erases what is past its period at `now`, in every space.
#[tracing::instrument(name = "job.privacy_retention", target = "ecoute::jobs", skip_all, fields(otel.kind = "internal"))]
pub async fn purge(db: &TenantDb, retention: &Retention, now: DateTime<Utc>) -> Result<Purged, sqlx::Error> {
    let days = |n: u32| now - chrono::Duration::days(i64::from(n));
    let mut purged = Purged::default();
    for (tenant, _) in db.list_tenants().await? {
        let mut tx = db.begin_in(tenant).await?;
        let space = tenant.uuid();
        purged.sign_in_requests += sqlx::query!(
            "DELETE FROM sign_in_tokens WHERE tenant_id = $1 AND created_at < $2",
            space,
            days(retention.sign_in_days),
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        // A mail whose text is gone cannot be sent again: an `uncertain` one becomes `failed`
        // (operators resend only mail that still has its text).
        purged.mail_bodies += sqlx::query!(
            "UPDATE mail_outbox
                SET text_body = '', html_body = NULL, attachment_name = NULL, attachment_type = NULL,
                    attachment_text = NULL,
                    status = CASE WHEN status = 'uncertain' THEN 'failed' ELSE status END
              WHERE tenant_id = $1 AND created_at < $2 AND status NOT IN ('queued', 'sending')
                AND (text_body <> '' OR attachment_text IS NOT NULL OR html_body IS NOT NULL)",
            space,
            days(retention.mail_body_days),
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        purged.mail_records += sqlx::query!(
            "DELETE FROM mail_outbox WHERE tenant_id = $1 AND created_at < $2 AND status NOT IN ('queued', 'sending')",
            space,
            days(retention.mail_log_days),
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
    }
    Ok(purged)
}

/// The job: a pass every ten minutes until `cancel`.
pub async fn run(db: TenantDb, retention: Retention, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        match purge(&db, &retention, Utc::now()).await {
            Ok(purged) if purged != Purged::default() => {
                tracing::info!(?purged, "personal data past its retention erased")
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "personal data retention pass failed"),
        }
    }
}
