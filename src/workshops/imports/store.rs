//! The imports' rows (`workshop_imports`) and the applications they make, in the space's
//! transaction (RLS).

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{Accepted, Mapping, Taken};
use crate::tenancy::TenantTx;

fn encode<T: Serialize>(value: &T) -> Result<serde_json::Value, sqlx::Error> {
    serde_json::to_value(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// Keeps an uploaded file until it is confirmed; returns the import's id.
pub async fn create(
    tx: &mut TenantTx,
    recruitment: Uuid,
    file_name: &str,
    content: &str,
    header: &[String],
    by: &str,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO workshop_imports (tenant_id, recruitment_id, file_name, content, header, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        tx.tenant_id(),
        recruitment,
        file_name,
        content,
        encode(&header)?,
        by,
    )
    .fetch_one(&mut **tx)
    .await
}

/// An import as its page shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Import {
    pub id: Uuid,
    pub file_name: String,
    #[serde(skip)]
    pub content: String,
    pub header: Vec<String>,
    pub mapping: Option<Mapping>,
    pub confirm_key: Uuid,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub confirmed_by: Option<String>,
    pub accepted: Option<i32>,
    /// After confirmation: the lines left out, `[{"line", "reason"}]`.
    pub refused: serde_json::Value,
}

struct Row {
    id: Uuid,
    file_name: String,
    content: String,
    header: serde_json::Value,
    mapping: Option<serde_json::Value>,
    confirm_key: Uuid,
    created_by: String,
    created_at: DateTime<Utc>,
    confirmed_at: Option<DateTime<Utc>>,
    confirmed_by: Option<String>,
    accepted: Option<i32>,
    refused: serde_json::Value,
}

/// The import of the recruitment; with `lock`, its row is locked until the transaction ends
/// (a confirmation: a second one waits, then finds it confirmed).
pub async fn find(tx: &mut TenantTx, recruitment: Uuid, id: Uuid, lock: bool) -> Result<Option<Import>, sqlx::Error> {
    let row = if lock {
        sqlx::query_as!(
            Row,
            r#"SELECT id, file_name, content, header, mapping, confirm_key, created_by, created_at, confirmed_at,
                    confirmed_by, accepted, coalesce(refused, '[]'::jsonb) AS "refused!"
               FROM workshop_imports WHERE tenant_id = $1 AND recruitment_id = $2 AND id = $3 FOR UPDATE"#,
            tx.tenant_id(),
            recruitment,
            id,
        )
        .fetch_optional(&mut **tx)
        .await?
    } else {
        sqlx::query_as!(
            Row,
            r#"SELECT id, file_name, content, header, mapping, confirm_key, created_by, created_at, confirmed_at,
                    confirmed_by, accepted, coalesce(refused, '[]'::jsonb) AS "refused!"
               FROM workshop_imports WHERE tenant_id = $1 AND recruitment_id = $2 AND id = $3"#,
            tx.tenant_id(),
            recruitment,
            id,
        )
        .fetch_optional(&mut **tx)
        .await?
    };
    Ok(row.map(|r| Import {
        id: r.id,
        file_name: r.file_name,
        content: r.content,
        header: serde_json::from_value(r.header).unwrap_or_default(),
        mapping: r.mapping.and_then(|m| serde_json::from_value(m).ok()),
        confirm_key: r.confirm_key,
        created_by: r.created_by,
        created_at: r.created_at,
        confirmed_at: r.confirmed_at,
        confirmed_by: r.confirmed_by,
        accepted: r.accepted,
        refused: r.refused,
    }))
}

/// The recruitment's imports, newest first: (id, file, when, by, people added or `None` when
/// not confirmed).
pub async fn list(
    tx: &mut TenantTx,
    recruitment: Uuid,
) -> Result<Vec<(Uuid, String, DateTime<Utc>, String, Option<i32>)>, sqlx::Error> {
    Ok(sqlx::query!(
        "SELECT id, file_name, created_at, created_by, accepted FROM workshop_imports
          WHERE tenant_id = $1 AND recruitment_id = $2 ORDER BY created_at DESC, id",
        tx.tenant_id(),
        recruitment,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| (r.id, r.file_name, r.created_at, r.created_by, r.accepted))
    .collect())
}

/// Stores the mapping of an import not confirmed yet; `false` when it is confirmed.
pub async fn set_mapping(
    tx: &mut TenantTx,
    recruitment: Uuid,
    id: Uuid,
    mapping: &Mapping,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE workshop_imports SET mapping = $4
          WHERE tenant_id = $1 AND recruitment_id = $2 AND id = $3 AND confirmed_at IS NULL",
        tx.tenant_id(),
        recruitment,
        id,
        encode(mapping)?,
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The addresses and ids the recruitment's pool holds already.
pub async fn taken(tx: &mut TenantTx, recruitment: Uuid) -> Result<Taken, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT lower(email) AS email, external_id FROM workshop_applications WHERE tenant_id = $1 AND recruitment_id = $2",
        tx.tenant_id(),
        recruitment,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut taken = Taken::default();
    for r in rows {
        if let Some(e) = r.email.filter(|e| !e.is_empty()) {
            taken.emails.insert(e);
        }
        if let Some(id) = r.external_id {
            taken.ids.insert(id);
        }
    }
    Ok(taken)
}

/// Adds the accepted lines as applications, marks the import confirmed (its file's text
/// dropped) with its summary. Call with the import locked ([`find`] with `lock`).
pub async fn confirm(
    tx: &mut TenantTx,
    recruitment: Uuid,
    id: Uuid,
    accepted: &[Accepted],
    refused: &serde_json::Value,
    by: &str,
) -> Result<(), sqlx::Error> {
    let emails: Vec<String> = accepted.iter().map(|a| a.email.clone()).collect();
    let lines: Vec<i32> = accepted.iter().map(|a| a.line as i32).collect();
    let ids: Vec<Option<String>> = accepted.iter().map(|a| a.external_id.clone()).collect();
    let answers = accepted
        .iter()
        .map(|a| encode(&a.answers))
        .collect::<Result<Vec<_>, _>>()?;
    let cells = accepted
        .iter()
        .map(|a| encode(&a.cells))
        .collect::<Result<Vec<_>, _>>()?;
    sqlx::query!(
        "INSERT INTO workshop_applications
            (tenant_id, recruitment_id, email, answers, consent_at, import_id, import_line, external_id, cells)
         SELECT $1, $2, e, a, now(), $3, l, x, c
           FROM unnest($4::text[], $5::jsonb[], $6::int[], $7::text[], $8::jsonb[]) AS t(e, a, l, x, c)",
        tx.tenant_id(),
        recruitment,
        id,
        &emails,
        &answers,
        &lines,
        // text[] with NULLs (`as _`: the macros' check wants &[String]).
        &ids as _,
        &cells,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE workshop_imports SET confirmed_at = now(), confirmed_by = $4, content = '', accepted = $5, refused = $6
          WHERE tenant_id = $1 AND recruitment_id = $2 AND id = $3",
        tx.tenant_id(),
        recruitment,
        id,
        by,
        accepted.len() as i32,
        refused,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Drops the files uploaded more than 7 days ago and never confirmed (they hold people's
/// details).
pub async fn forget_stale(tx: &mut TenantTx) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "DELETE FROM workshop_imports WHERE tenant_id = $1 AND confirmed_at IS NULL AND created_at < now() - interval '7 days'",
        tx.tenant_id(),
    )
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The imported columns of a recruitment's pool, in the order of the imports and their
/// headers: what the household rule and the panel's export offer.
pub async fn columns(tx: &mut TenantTx, recruitment: Uuid) -> Result<Vec<String>, sqlx::Error> {
    let headers = sqlx::query_scalar!(
        "SELECT header FROM workshop_imports WHERE tenant_id = $1 AND recruitment_id = $2 AND confirmed_at IS NOT NULL
          ORDER BY created_at, id",
        tx.tenant_id(),
        recruitment,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut out: Vec<String> = Vec::new();
    for h in headers {
        for c in serde_json::from_value::<Vec<String>>(h).unwrap_or_default() {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    Ok(out)
}
