//! Retention: a recruitment's volunteers' profiles are kept until `retention_months` after its
//! last session (after its creation when it has none; 6 months by default), then purged. What
//! remains is anonymous counts (applications, selected, confirmed, attended, and per answer of
//! each choice question — never free text), stored on the recruitment. Each purge is written to
//! the space's audit log in the same transaction.
//!
//! [`run`] checks every ten minutes in every space (and expires overdue invitations); [`purge_expired`] is one pass, for tests and for
//! running by hand.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::criteria::{Criterion, CriterionKind};
use crate::tenancy::{TenantDb, TenantId, TenantTx};

/// One recruitment purged.
#[derive(Debug, Clone, PartialEq)]
pub struct Purged {
    pub tenant_id: Uuid,
    pub recruitment_id: Uuid,
    pub applications: i64,
}

/// Who the audit log names for the job's purges.
pub const AUDIT_ACTOR: &str = "ecoute (durée de conservation)";

/// Purges, in every space, the recruitments whose retention period has ended by `now`.
pub async fn purge_expired(db: &TenantDb, now: DateTime<Utc>) -> Result<Vec<Purged>, sqlx::Error> {
    let tenants: Vec<TenantId> = {
        // `tenants` is shared and readable without a space.
        let mut tx = db.begin_shared().await?;
        let ids = sqlx::query_scalar!(r#"SELECT id AS "id: TenantId" FROM tenants ORDER BY id"#)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        ids
    };
    let mut purged = Vec::new();
    for tenant in tenants {
        let mut tx = db.begin_in(tenant).await?;
        let due: Vec<Uuid> = sqlx::query_scalar!(
            "SELECT r.id FROM workshop_recruitments r
               LEFT JOIN workshop_sessions s ON s.tenant_id = r.tenant_id AND s.recruitment_id = r.id
              WHERE r.tenant_id = $1 AND r.purged_at IS NULL
              GROUP BY r.id, r.created_at, r.retention_months
             HAVING coalesce(max(s.ends_at), r.created_at) + make_interval(months => r.retention_months) <= $2",
            tenant.uuid(),
            now,
        )
        .fetch_all(&mut *tx)
        .await?;
        for recruitment in due {
            if let Some(applications) = purge_one(&mut tx, recruitment).await? {
                purged.push(Purged {
                    tenant_id: tenant.uuid(),
                    recruitment_id: recruitment,
                    applications,
                });
            }
        }
        tx.commit().await?;
    }
    Ok(purged)
}

/// Counts, deletes and audits one recruitment's profiles; `None` if another pass did it first.
async fn purge_one(tx: &mut TenantTx, recruitment: Uuid) -> Result<Option<i64>, sqlx::Error> {
    let tenant = tx.tenant_id();
    let Some(criteria) = sqlx::query_scalar!(
        "SELECT criteria FROM workshop_recruitments
          WHERE tenant_id = $1 AND id = $2 AND purged_at IS NULL FOR UPDATE",
        tenant,
        recruitment,
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let criteria: Vec<Criterion> = serde_json::from_value(criteria).unwrap_or_default();
    let answers: Vec<Value> = sqlx::query_scalar!(
        "SELECT answers FROM workshop_applications WHERE tenant_id = $1 AND recruitment_id = $2",
        tenant,
        recruitment,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut per_answer: BTreeMap<&str, BTreeMap<String, i64>> = BTreeMap::new();
    for a in &answers {
        for c in criteria.iter().filter(|c| c.kind != CriterionKind::Text) {
            let chosen: Vec<&str> = match a.get(&c.key) {
                Some(Value::String(s)) => vec![s.as_str()],
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            for value in chosen.into_iter().filter(|v| c.options.iter().any(|o| o == v)) {
                *per_answer
                    .entry(c.key.as_str())
                    .or_default()
                    .entry(value.to_owned())
                    .or_default() += 1;
            }
        }
    }
    let outcome = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE s.status <> 'waitlist') AS "selected!",
                count(*) FILTER (WHERE s.status = 'confirmed') AS "confirmed!",
                count(*) FILTER (WHERE s.attended) AS "attended!"
           FROM workshop_selections s JOIN workshop_draws d ON d.tenant_id = s.tenant_id AND d.id = s.draw_id
          WHERE d.tenant_id = $1 AND d.recruitment_id = $2"#,
        tenant,
        recruitment,
    )
    .fetch_one(&mut **tx)
    .await?;
    let applications = answers.len() as i64;
    let counts = json!({
        "applications": applications,
        "selected": outcome.selected,
        "confirmed": outcome.confirmed,
        "attended": outcome.attended,
        "answers": per_answer,
    });
    // Selections go with their applications (ON DELETE CASCADE).
    sqlx::query!(
        "DELETE FROM workshop_applications WHERE tenant_id = $1 AND recruitment_id = $2",
        tenant,
        recruitment,
    )
    .execute(&mut **tx)
    .await?;
    // The imported files' rows (their headers, refused lines, and any file never confirmed).
    sqlx::query!(
        "DELETE FROM workshop_imports WHERE tenant_id = $1 AND recruitment_id = $2",
        tenant,
        recruitment,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE workshop_recruitments SET purged_at = now(), anonymous_counts = $3, open = false
          WHERE tenant_id = $1 AND id = $2",
        tenant,
        recruitment,
        &counts,
    )
    .execute(&mut **tx)
    .await?;
    crate::audit::record_by_job(
        tx,
        AUDIT_ACTOR,
        crate::audit::AuditAction::WORKSHOPS_PURGE,
        &format!("recrutement {recruitment}"),
        json!({ "applications": applications }),
    )
    .await?;
    Ok(Some(applications))
}

/// Where links in a space's mail point: `link_base` (`https://{host}`) with the space's host
/// (`<base>` for the national space, `<slug>.<base>` for a local one).
pub struct Links {
    pub link_base: String,
    pub base_domain: String,
}

impl Links {
    fn origin(&self, slug: &str, national: bool) -> String {
        let host = if national {
            self.base_domain.clone()
        } else {
            format!("{slug}.{}", self.base_domain)
        };
        self.link_base.replace("{host}", &host)
    }
}

/// In every space, expires the invitations unanswered past their deadline and promotes from
/// the waitlist (see [`super::invitations::expire_overdue`]), and queues the reminders due
/// ([`super::invitations::send_reminders`]); returns how many expired.
pub async fn expire_invitations(db: &TenantDb, links: &Links, now: DateTime<Utc>) -> Result<usize, sqlx::Error> {
    let spaces = {
        let mut tx = db.begin_shared().await?;
        let rows = sqlx::query!(r#"SELECT id AS "id: TenantId", slug, kind FROM tenants ORDER BY id"#)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows
    };
    let mut expired = 0;
    for space in spaces {
        let (id, slug, kind) = (space.id, space.slug, space.kind);
        let mut tx = db.begin_in(id).await?;
        expired += super::invitations::expire_overdue(&mut tx, &links.origin(&slug, kind == "national"), now).await?;
        super::invitations::send_reminders(&mut tx, now).await?;
        tx.commit().await?;
    }
    Ok(expired)
}

/// Every ten minutes until cancelled: expire overdue invitations, then one [`purge_expired`]
/// pass; errors are logged and retried at the next tick.
pub async fn run(db: TenantDb, links: Links, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        match expire_invitations(&db, &links, Utc::now()).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "workshop invitations expired"),
            Err(error) => tracing::warn!(%error, "workshop invitation expiry failed"),
        }
        match purge_expired(&db, Utc::now()).await {
            Ok(purged) if !purged.is_empty() => tracing::info!(count = purged.len(), "workshop profiles purged"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "workshop retention pass failed"),
        }
    }
}
