//! Outgoing e-mail through a transactional outbox.
//!
//! An action that sends mail writes a `mail_outbox` row in its own transaction ([`queue`]), so a
//! mail exists if and only if the action happened. The [`worker`] sends queued rows through SMTP
//! (lettre), retrying with backoff; without SMTP settings it logs them instead (demo mode).

pub mod worker;

use uuid::Uuid;

use crate::tenancy::TenantTx;

/// One message to send.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Queues `mail` in the transaction's space. Sent after commit; never if the transaction aborts.
pub async fn queue(tx: &mut TenantTx, mail: &OutgoingMail) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO mail_outbox (tenant_id, to_address, subject, text_body) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(tx.tenant_id())
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.text)
    .fetch_one(&mut **tx)
    .await
}
