//! Recruitments and volunteers' applications, in a tenant-scoped transaction.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::criteria::{Answers, Criterion};
use crate::tenancy::TenantTx;

/// A recruitment as the application page needs it.
#[derive(Clone, Debug, Serialize)]
pub struct Recruitment {
    pub id: Uuid,
    pub intro: String,
    pub criteria: Vec<Criterion>,
    pub retention_months: i32,
    pub open: bool,
    /// The panel has been drawn: applications are closed for good.
    pub drawn: bool,
    pub sessions: Vec<Session>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Session {
    pub id: Uuid,
    pub title: String,
    pub caf_name: String,
    pub place: String,
    pub address: String,
    pub accessibility: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
    /// Start and end in Paris time as a form's `datetime-local` reads them (`2027-01-16T09:30`).
    pub starts_local: String,
    pub ends_local: String,
}

/// A volunteer's application.
#[derive(Clone, Debug, Serialize)]
pub struct Application {
    pub id: Uuid,
    pub answers: Answers,
    pub sessions: Vec<Uuid>,
    pub accessibility_needs: String,
}

/// The recruitment of a campaign, with its sessions in date order; `None` when the campaign
/// recruits nobody (or its profiles were purged).
pub async fn find_recruitment(
    tx: &mut TenantTx,
    tenant: Uuid,
    campaign: Uuid,
) -> Result<Option<Recruitment>, sqlx::Error> {
    let Some(row) = sqlx::query!(
        r#"SELECT r.id, r.intro, r.criteria, r.retention_months, r.open,
                EXISTS (SELECT 1 FROM workshop_draws d WHERE d.tenant_id = r.tenant_id AND d.recruitment_id = r.id)
                  AS "drawn!"
           FROM workshop_recruitments r
          WHERE r.tenant_id = $1 AND r.campaign_id = $2 AND r.purged_at IS NULL"#,
        tenant,
        campaign,
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let id = row.id;
    let criteria: Vec<Criterion> = serde_json::from_value(row.criteria)
        .map_err(|e| sqlx::Error::Decode(format!("workshop criteria: {e}").into()))?;
    let sessions = sqlx::query!(
        r#"SELECT id, title, caf_name, place, address, accessibility, starts_at, ends_at, capacity,
                to_char(starts_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD"T"HH24:MI') AS "starts_local!",
                to_char(ends_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD"T"HH24:MI') AS "ends_local!"
           FROM workshop_sessions WHERE tenant_id = $1 AND recruitment_id = $2 ORDER BY starts_at, id"#,
        tenant,
        id,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| Session {
        id: r.id,
        title: r.title,
        caf_name: r.caf_name,
        place: r.place,
        address: r.address,
        accessibility: r.accessibility,
        starts_at: r.starts_at,
        ends_at: r.ends_at,
        capacity: r.capacity,
        starts_local: r.starts_local,
        ends_local: r.ends_local,
    })
    .collect();
    Ok(Some(Recruitment {
        id,
        intro: row.intro,
        criteria,
        retention_months: row.retention_months,
        open: row.open,
        drawn: row.drawn,
        sessions,
    }))
}

/// The person's application to the recruitment, if any.
pub async fn find_application(
    tx: &mut TenantTx,
    tenant: Uuid,
    recruitment: Uuid,
    account: Uuid,
) -> Result<Option<Application>, sqlx::Error> {
    let Some(row) = sqlx::query!(
        "SELECT id, answers, sessions, accessibility_needs FROM workshop_applications
          WHERE tenant_id = $1 AND recruitment_id = $2 AND account_id = $3",
        tenant,
        recruitment,
        account,
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(Application {
        id: row.id,
        answers: serde_json::from_value(row.answers).unwrap_or_default(),
        sessions: row.sessions,
        accessibility_needs: row.accessibility_needs,
    }))
}

/// What saving an application did.
#[derive(Debug, PartialEq, Eq)]
pub enum Saved {
    Created,
    Updated,
    /// A new application while one exists: refused, the person should edit theirs.
    AlreadyApplied,
}

/// What a volunteer submits.
pub struct NewApplication<'a> {
    pub account: Uuid,
    pub email: &'a str,
    pub answers: &'a Answers,
    pub sessions: &'a [Uuid],
    pub accessibility_needs: &'a str,
}

/// Creates the application, or updates `editing` (the person's own). A creation when one
/// already exists (another tab, a second click) is refused by the unique key and reported.
pub async fn save_application(
    tx: &mut TenantTx,
    tenant: Uuid,
    recruitment: Uuid,
    editing: Option<Uuid>,
    new: NewApplication<'_>,
) -> Result<Saved, sqlx::Error> {
    let answers = serde_json::to_value(new.answers).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    if let Some(id) = editing {
        let done = sqlx::query!(
            "UPDATE workshop_applications SET answers = $4, sessions = $5, accessibility_needs = $6, updated_at = now()
              WHERE tenant_id = $1 AND id = $2 AND account_id = $3",
            tenant,
            id,
            new.account,
            &answers,
            new.sessions,
            new.accessibility_needs,
        )
        .execute(&mut **tx)
        .await?;
        return Ok(if done.rows_affected() == 1 {
            Saved::Updated
        } else {
            Saved::AlreadyApplied
        });
    }
    let inserted = sqlx::query!(
        "INSERT INTO workshop_applications
            (tenant_id, recruitment_id, account_id, email, answers, sessions, accessibility_needs, consent_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now())
         ON CONFLICT (tenant_id, recruitment_id, account_id) DO NOTHING",
        tenant,
        recruitment,
        new.account,
        new.email,
        &answers,
        new.sessions,
        new.accessibility_needs,
    )
    .execute(&mut **tx)
    .await?;
    Ok(if inserted.rows_affected() == 1 {
        Saved::Created
    } else {
        Saved::AlreadyApplied
    })
}
