//! Operator-side queries: open a recruitment, add sessions, the pool, the draw.

use serde::Serialize;
use uuid::Uuid;

use super::criteria::{Answers, Criterion, PercentQuotas};
use crate::tenancy::TenantTx;

/// Opens a recruitment on a campaign with `criteria`; `None` if it already has one.
pub async fn create_recruitment(
    tx: &mut TenantTx,
    campaign: Uuid,
    criteria: &[Criterion],
    retention_months: i32,
) -> Result<Option<Uuid>, sqlx::Error> {
    let criteria = serde_json::to_value(criteria).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query_scalar!(
        "INSERT INTO workshop_recruitments (tenant_id, campaign_id, criteria, retention_months) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, campaign_id) DO NOTHING RETURNING id",
        tx.tenant_id(),
        campaign,
        criteria,
        retention_months,
    )
    .fetch_optional(&mut **tx)
    .await
}

/// A session as the console form gives it.
pub struct NewSession {
    pub title: String,
    pub caf_name: String,
    pub place: String,
    pub address: String,
    pub accessibility: String,
    /// Local time in France, as typed; PostgreSQL converts with its time zone database.
    pub starts_at: chrono::NaiveDateTime,
    pub ends_at: chrono::NaiveDateTime,
    pub capacity: i32,
}

pub async fn add_session(tx: &mut TenantTx, recruitment: Uuid, s: &NewSession) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO workshop_sessions (tenant_id, recruitment_id, title, caf_name, place, address, accessibility, starts_at, ends_at, capacity)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamp AT TIME ZONE 'Europe/Paris', $9::timestamp AT TIME ZONE 'Europe/Paris', $10) RETURNING id",
        tx.tenant_id(),
        recruitment,
        &s.title,
        &s.caf_name,
        &s.place,
        &s.address,
        &s.accessibility,
        s.starts_at,
        s.ends_at,
        s.capacity,
    )
    .fetch_one(&mut **tx)
    .await
}

/// One volunteer of the pool, in the stable order the draw uses (application or import time,
/// then the file's line, then id).
#[derive(Clone, Debug, Serialize)]
pub struct Volunteer {
    pub application_id: Uuid,
    /// Empty for someone imported without an address (contacted by phone or letter).
    pub email: String,
    pub answers: Answers,
    pub sessions: Vec<Uuid>,
    pub accessibility_needs: String,
    /// Imported: their id in the file, if the file had one.
    pub external_id: Option<String>,
    /// Imported: their row of the file, (column, cell) in the file's order.
    pub columns: Vec<(String, String)>,
}

impl Volunteer {
    /// How the exports name them: their id in the file, else the application's id.
    pub fn export_id(&self) -> String {
        self.external_id
            .clone()
            .unwrap_or_else(|| self.application_id.to_string())
    }

    /// Their cell in an imported column (empty when they have none).
    pub fn cell(&self, column: &str) -> &str {
        self.columns
            .iter()
            .find(|(c, _)| c == column)
            .map_or("", |(_, v)| v.as_str())
    }
}

pub async fn pool(tx: &mut TenantTx, recruitment: Uuid) -> Result<Vec<Volunteer>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT a.id, a.email, a.answers, a.sessions, a.accessibility_needs, a.external_id, a.cells,
                i.header AS "header?"
           FROM workshop_applications a
           LEFT JOIN workshop_imports i ON i.tenant_id = a.tenant_id AND i.id = a.import_id
          WHERE a.tenant_id = $1 AND a.recruitment_id = $2 ORDER BY a.created_at, a.import_line, a.id"#,
        tx.tenant_id(),
        recruitment,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let header: Vec<String> = r
                .header
                .and_then(|h| serde_json::from_value(h).ok())
                .unwrap_or_default();
            let cells: Vec<String> = r.cells.and_then(|c| serde_json::from_value(c).ok()).unwrap_or_default();
            Volunteer {
                application_id: r.id,
                email: r.email,
                answers: serde_json::from_value(r.answers).unwrap_or_default(),
                sessions: r.sessions,
                accessibility_needs: r.accessibility_needs,
                external_id: r.external_id,
                columns: header.into_iter().zip(cells).collect(),
            }
        })
        .collect())
}

/// A stored draw.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct DrawRecord {
    pub id: Uuid,
    pub seed: i64,
    pub seats: i32,
    pub algorithm: String,
    pub min_probability: f64,
    pub gini: f64,
    pub drawn_at: chrono::DateTime<chrono::Utc>,
    pub drawn_by: String,
    /// The quotas asked, in percent of the seats (criterion → answer → (min, max)).
    pub quotas: serde_json::Value,
    /// The household rule: the imported columns whose equal values make one household.
    pub households: Vec<String>,
}

/// Each application's selection, for the console table.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct SelectionRow {
    pub application_id: Uuid,
    pub probability: f64,
    pub status: String,
    pub seat: Option<i32>,
    pub waitlist_rank: Option<i32>,
    pub session_id: Option<Uuid>,
    pub attended: Option<bool>,
    /// Whether an invitation link was made (the invitation was sent or queued).
    pub invitation_made: bool,
    /// Where the invitation mail is (`queued`, `sent`, `failed`…), when it is followed.
    pub mail_status: Option<String>,
}

pub async fn find_draw(
    tx: &mut TenantTx,
    recruitment: Uuid,
) -> Result<Option<(DrawRecord, Vec<SelectionRow>)>, sqlx::Error> {
    let Some(draw) = sqlx::query_as!(
        DrawRecord,
        "SELECT id, seed, seats, algorithm, min_probability, gini, drawn_at, drawn_by, quotas, households FROM workshop_draws
          WHERE tenant_id = $1 AND recruitment_id = $2",
        tx.tenant_id(),
        recruitment,
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let rows = sqlx::query_as!(
        SelectionRow,
        r#"SELECT s.application_id, s.probability, s.status, s.seat, s.waitlist_rank, s.session_id, s.attended,
                s.token_hash IS NOT NULL AS "invitation_made!", m.status AS "mail_status?"
           FROM workshop_selections s
           LEFT JOIN mail_outbox m ON m.tenant_id = s.tenant_id AND m.id = s.invitation_mail_id
          WHERE s.tenant_id = $1 AND s.draw_id = $2 ORDER BY s.seat NULLS LAST, s.waitlist_rank"#,
        tx.tenant_id(),
        draw.id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(Some((draw, rows)))
}

/// What a draw stores.
pub struct NewDraw<'a> {
    pub seed: u64,
    pub seats: u32,
    pub quotas: &'a PercentQuotas,
    pub algorithm: &'a str,
    pub min_probability: f64,
    pub gini: f64,
    pub drawn_by: &'a str,
    pub households: &'a [String],
    /// Application, probability, seat (panel) or waitlist rank.
    pub rows: Vec<(Uuid, f64, Option<i32>, Option<i32>)>,
}

/// Stores the draw and everyone's place; `None` if the recruitment was drawn already.
pub async fn store_draw(tx: &mut TenantTx, recruitment: Uuid, d: NewDraw<'_>) -> Result<Option<Uuid>, sqlx::Error> {
    let quotas = serde_json::to_value(d.quotas).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let Some(id): Option<Uuid> = sqlx::query_scalar!(
        "INSERT INTO workshop_draws (tenant_id, recruitment_id, seed, seats, quotas, algorithm, min_probability, gini, drawn_by, households)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (tenant_id, recruitment_id) DO NOTHING RETURNING id",
        tx.tenant_id(),
        recruitment,
        // The seed is published as an unsigned number; stored bit for bit.
        i64::from_ne_bytes(d.seed.to_ne_bytes()),
        d.seats as i32,
        quotas,
        d.algorithm,
        d.min_probability,
        d.gini,
        d.drawn_by,
        d.households,
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let apps: Vec<Uuid> = d.rows.iter().map(|r| r.0).collect();
    let probs: Vec<f64> = d.rows.iter().map(|r| r.1.clamp(0.0, 1.0)).collect();
    let seats: Vec<Option<i32>> = d.rows.iter().map(|r| r.2).collect();
    let ranks: Vec<Option<i32>> = d.rows.iter().map(|r| r.3).collect();
    sqlx::query!(
        "INSERT INTO workshop_selections (tenant_id, draw_id, application_id, probability, status, seat, waitlist_rank)
         SELECT $1, $2, a, p, CASE WHEN s IS NULL THEN 'waitlist' ELSE 'invited' END, s, r
           FROM unnest($3::uuid[], $4::float8[], $5::int[], $6::int[]) AS t(a, p, s, r)",
        tx.tenant_id(),
        id,
        &apps,
        &probs,
        // int[] with NULLs (`as _`: the macros' check wants &[i32]).
        &seats as _,
        &ranks as _,
    )
    .execute(&mut **tx)
    .await?;
    Ok(Some(id))
}

/// Records, for confirmed people of the draw, the session they attend and whether they came.
/// Returns how many rows changed; other statuses are left alone.
pub async fn record_attendance(
    tx: &mut TenantTx,
    draw: Uuid,
    marks: &[(Uuid, Option<Uuid>, bool)],
) -> Result<u64, sqlx::Error> {
    let mut changed = 0;
    for (application, session, attended) in marks {
        changed += sqlx::query!(
            "UPDATE workshop_selections
                SET session_id = $4, attended = CASE WHEN status = 'confirmed' THEN $5 ELSE attended END
              WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3 AND status IN ('invited', 'confirmed')",
            tx.tenant_id(),
            draw,
            application,
            *session,
            attended,
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    Ok(changed)
}

/// Sets the session of people of the panel who have none yet (an automatic assignment; a
/// session set meanwhile by hand is left alone). Returns how many were set.
pub async fn assign_sessions(tx: &mut TenantTx, draw: Uuid, places: &[(Uuid, Uuid)]) -> Result<u64, sqlx::Error> {
    let applications: Vec<Uuid> = places.iter().map(|p| p.0).collect();
    let sessions: Vec<Uuid> = places.iter().map(|p| p.1).collect();
    let done = sqlx::query!(
        "UPDATE workshop_selections s SET session_id = p.session
           FROM unnest($3::uuid[], $4::uuid[]) AS p (application, session)
          WHERE s.tenant_id = $1 AND s.draw_id = $2 AND s.application_id = p.application
            AND s.session_id IS NULL AND s.status IN ('invited', 'confirmed')",
        tx.tenant_id(),
        draw,
        &applications,
        &sessions,
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Adds a question at the end of the recruitment's questionnaire. Call with the recruitment
/// locked ([`lock_recruitment`]) so two additions cannot take the same key.
pub async fn add_criterion(tx: &mut TenantTx, recruitment: Uuid, criterion: &Criterion) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE workshop_recruitments SET criteria = criteria || jsonb_build_array($3::jsonb)
          WHERE tenant_id = $1 AND id = $2",
        tx.tenant_id(),
        recruitment,
        serde_json::to_value(criterion).map_err(|e| sqlx::Error::Encode(e.into()))?,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes a question from the recruitment's questionnaire, and the answers volunteers gave
/// to it. Returns how many applications lost an answer. Call with the recruitment locked.
pub async fn remove_criterion(tx: &mut TenantTx, recruitment: Uuid, key: &str) -> Result<u64, sqlx::Error> {
    sqlx::query!(
        "UPDATE workshop_recruitments
            SET criteria = (SELECT coalesce(jsonb_agg(c ORDER BY n), '[]'::jsonb)
                              FROM jsonb_array_elements(criteria) WITH ORDINALITY AS e (c, n)
                             WHERE c ->> 'key' <> $3)
          WHERE tenant_id = $1 AND id = $2",
        tx.tenant_id(),
        recruitment,
        key,
    )
    .execute(&mut **tx)
    .await?;
    let answers = sqlx::query!(
        "UPDATE workshop_applications SET answers = answers - $3
          WHERE tenant_id = $1 AND recruitment_id = $2 AND answers ? $3",
        tx.tenant_id(),
        recruitment,
        key,
    )
    .execute(&mut **tx)
    .await?;
    Ok(answers.rows_affected())
}

/// Locks the recruitment of a campaign until the end of the transaction.
pub async fn lock_recruitment(tx: &mut TenantTx, campaign: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "SELECT 1 AS locked FROM workshop_recruitments WHERE tenant_id = $1 AND campaign_id = $2 FOR UPDATE",
        tx.tenant_id(),
        campaign,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(())
}
