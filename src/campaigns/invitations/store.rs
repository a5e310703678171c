//! The invitation batches' queries, set-based so a list of 100,000 lines costs a few
//! statements: the lines go in with one `INSERT … FROM unnest`, the preview is one query, the
//! confirm two statements and one bulk queueing.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::campaigns::address_list::{ParsedList, Verdict};
use crate::tenancy::TenantTx;

/// Rows shown per kind of line on a batch's page (the counts cover them all).
pub const SHOWN_PER_KIND: i64 = 100;

/// What the upload form gave, besides the list.
pub struct NewBatch<'a> {
    pub campaign: Uuid,
    pub subject: &'a str,
    pub message: &'a str,
    pub as_staff: bool,
    pub prepared_by: &'a str,
}

/// Stores a checked list as a pending batch of `campaign`; returns its id.
pub async fn insert_batch(tx: &mut TenantTx, new: &NewBatch<'_>, list: &ParsedList) -> Result<Uuid, sqlx::Error> {
    let tenant = tx.tenant_id();
    let addresses = list.addresses().count() as i32;
    let id = sqlx::query_scalar!(
        "INSERT INTO invitation_batches (tenant_id, campaign_id, subject, message, as_staff, addresses, prepared_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        tenant,
        new.campaign,
        new.subject,
        new.message,
        new.as_staff,
        addresses,
        new.prepared_by,
    )
    .fetch_one(&mut **tx)
    .await?;
    let count = list.entries.len();
    let (mut lines, mut values) = (Vec::with_capacity(count), Vec::with_capacity(count));
    let (mut problems, mut repeats) = (Vec::with_capacity(count), Vec::with_capacity(count));
    for entry in &list.entries {
        lines.push(entry.line as i32);
        values.push(entry.value.as_str());
        let (problem, repeat) = match entry.verdict {
            Verdict::Valid => (None, None),
            Verdict::Repeat { first_line } => (Some(DUPLICATE), Some(first_line as i32)),
            Verdict::Refused(reason) => (Some(reason), None),
        };
        problems.push(problem);
        repeats.push(repeat);
    }
    // The address is the value of every line that holds one (valid or repeated).
    sqlx::query!(
        "INSERT INTO invitation_batch_lines (tenant_id, batch_id, position, line, address, value, problem, repeats_line)
         SELECT $1, $2, l.position::integer, l.line, CASE WHEN l.problem IS NULL OR l.problem = $7 THEN l.value END,
                l.value, l.problem, l.repeats_line
           FROM unnest($3::integer[], $4::text[], $5::text[], $6::integer[]) WITH ORDINALITY
                AS l(line, value, problem, repeats_line, position)",
        tenant,
        id,
        &lines,
        &values as _,
        &problems as _,
        &repeats as _,
        DUPLICATE,
    )
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// The problem of a line that repeats an earlier one (a locale key, like the reasons).
const DUPLICATE: &str = "invitations.duplicate";

/// Drops the space's batches left unconfirmed for a week (their previews lead nowhere since).
pub async fn forget_stale(tx: &mut TenantTx) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM invitation_batches
          WHERE tenant_id = $1 AND confirmed_at IS NULL AND created_at < now() - interval '7 days'",
        tx.tenant_id(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// A batch as its page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Batch {
    pub id: Uuid,
    pub subject: String,
    pub message: String,
    pub as_staff: bool,
    pub addresses: i32,
    pub prepared_by: String,
    pub created_at: DateTime<Utc>,
    pub confirm_key: Uuid,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// The batch `id` of `campaign`, if it is this space's.
pub async fn find_batch(tx: &mut TenantTx, campaign: Uuid, id: Uuid) -> Result<Option<Batch>, sqlx::Error> {
    sqlx::query_as!(
        Batch,
        "SELECT id, subject, message, as_staff, addresses, prepared_by, created_at, confirm_key, confirmed_by, confirmed_at
           FROM invitation_batches WHERE tenant_id = $1 AND campaign_id = $2 AND id = $3",
        tx.tenant_id(),
        campaign,
        id,
    )
    .fetch_optional(&mut **tx)
    .await
}

/// The campaign's batches, newest first.
pub async fn list_batches(tx: &mut TenantTx, campaign: Uuid) -> Result<Vec<Batch>, sqlx::Error> {
    sqlx::query_as!(
        Batch,
        "SELECT id, subject, message, as_staff, addresses, prepared_by, created_at, confirm_key, confirmed_by, confirmed_at
           FROM invitation_batches WHERE tenant_id = $1 AND campaign_id = $2
          ORDER BY created_at DESC LIMIT 20",
        tx.tenant_id(),
        campaign,
    )
    .fetch_all(&mut **tx)
    .await
}

/// One line of a batch, of a kind: before the confirm `new`, `already` (invited to the campaign
/// before), `unsubscribed`; after it `invited`, `skipped`, `reinvited`; always `repeat` and
/// `refused`. `total` is how many lines are of that kind.
#[derive(Debug, Clone)]
pub struct KindLine {
    pub kind: String,
    pub total: i64,
    pub line: i32,
    pub value: String,
    pub problem: Option<String>,
    pub repeats_line: Option<i32>,
    /// The campaign's last invitation to this address.
    pub invited_at: Option<DateTime<Utc>>,
}

/// The first [`SHOWN_PER_KIND`] lines of each kind of the batch, in upload order. Lines are
/// classified now: an address invited by another batch since the upload shows as `already`.
pub async fn kind_lines(tx: &mut TenantTx, campaign: Uuid, batch: Uuid) -> Result<Vec<KindLine>, sqlx::Error> {
    // The lines of a batch are read right after they were written, before any ANALYZE: with no
    // statistics, a join would be planned for one row and may scan the other side once per
    // line (measured: 10,000 lines against 100 earlier invitations took a second, and it grows
    // with both). Subqueries in the select list always run as one key lookup per line.
    // mail_suppressions is the space's list of unsubscribed addresses (src/mail/unsubscribe.rs).
    sqlx::query_as!(
        KindLine,
        r#"WITH looked_up AS (
             SELECT l.position, l.line, l.value, l.problem, l.repeats_line, l.outcome,
                    CASE WHEN l.problem IS NULL THEN (
                        SELECT ci.invited_at FROM campaign_invitations ci
                         WHERE ci.tenant_id = l.tenant_id AND ci.campaign_id = $2 AND ci.address = l.address)
                    END AS invited_at,
                    l.problem IS NULL AND EXISTS (
                        SELECT 1 FROM mail_suppressions s WHERE s.tenant_id = l.tenant_id AND s.address = l.address
                    ) AS unsubscribed
               FROM invitation_batch_lines l
              WHERE l.tenant_id = $1 AND l.batch_id = $3
           ), classified AS (
             SELECT *, CASE WHEN problem = $4 THEN 'repeat'
                            WHEN problem IS NOT NULL THEN 'refused'
                            WHEN outcome IS NOT NULL THEN outcome
                            WHEN unsubscribed THEN 'unsubscribed'
                            WHEN invited_at IS NOT NULL THEN 'already'
                            ELSE 'new' END AS kind
               FROM looked_up
           ), ranked AS (
             SELECT *, row_number() OVER (PARTITION BY kind ORDER BY position) AS rank,
                    count(*) OVER (PARTITION BY kind) AS total
               FROM classified
           )
           SELECT kind AS "kind!", total AS "total!", line AS "line!", value AS "value!", problem AS "problem?",
                  repeats_line AS "repeats_line?", invited_at AS "invited_at?"
             FROM ranked WHERE rank <= $5 ORDER BY kind, position"#,
        tx.tenant_id(),
        campaign,
        batch,
        DUPLICATE,
        SHOWN_PER_KIND,
    )
    .fetch_all(&mut **tx)
    .await
}

/// What a confirm found.
pub enum Claim {
    /// This confirm takes effect: the batch is now confirmed, its mail still to queue.
    Claimed {
        subject: String,
        message: String,
        as_staff: bool,
    },
    /// Confirmed already (a double submit, a reload): nothing to do.
    Done,
    /// A pending batch, and not its key.
    WrongKey,
    /// No such batch in this campaign and space.
    Unknown,
}

/// Marks the batch confirmed by `by` if `key` is its confirm key and it is still pending. Two
/// confirms at once: the second waits for the first's row lock, then finds the batch confirmed.
pub async fn claim(tx: &mut TenantTx, campaign: Uuid, batch: Uuid, key: Uuid, by: &str) -> Result<Claim, sqlx::Error> {
    let tenant = tx.tenant_id();
    let claimed = sqlx::query!(
        "UPDATE invitation_batches SET confirmed_at = now(), confirmed_by = $5
          WHERE tenant_id = $1 AND campaign_id = $2 AND id = $3 AND confirm_key = $4 AND confirmed_at IS NULL
         RETURNING subject, message, as_staff",
        tenant,
        campaign,
        batch,
        key,
        by,
    )
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(c) = claimed {
        return Ok(Claim::Claimed {
            subject: c.subject,
            message: c.message,
            as_staff: c.as_staff,
        });
    }
    Ok(match find_batch(tx, campaign, batch).await? {
        None => Claim::Unknown,
        Some(found) if found.confirmed_at.is_some() => Claim::Done,
        Some(_) => Claim::WrongKey,
    })
}

/// Records the batch's valid addresses as invited to `campaign`, except those invited before
/// (by an earlier batch, or a confirm racing this one); returns the newly invited ones. Every
/// valid line gets its outcome: `invited`, or `skipped`.
pub async fn invite_new(tx: &mut TenantTx, campaign: Uuid, batch: Uuid) -> Result<Vec<String>, sqlx::Error> {
    let tenant = tx.tenant_id();
    let fresh = sqlx::query_scalar!(
        "INSERT INTO campaign_invitations (tenant_id, campaign_id, address, batch_id)
         SELECT l.tenant_id, $2, l.address, l.batch_id FROM invitation_batch_lines l
          WHERE l.tenant_id = $1 AND l.batch_id = $3 AND l.problem IS NULL
         ON CONFLICT DO NOTHING
         RETURNING address",
        tenant,
        campaign,
        batch,
    )
    .fetch_all(&mut **tx)
    .await?;
    // Each valid line now has its campaign_invitations row: this batch's, or an earlier one.
    // A key lookup per line, whatever the statistics (see `kind_lines`).
    sqlx::query!(
        "UPDATE invitation_batch_lines l
            SET outcome = CASE WHEN (SELECT ci.batch_id FROM campaign_invitations ci
                                      WHERE ci.tenant_id = l.tenant_id AND ci.campaign_id = $3
                                        AND ci.address = l.address) = l.batch_id
                               THEN 'invited' ELSE 'skipped' END
          WHERE l.tenant_id = $1 AND l.batch_id = $2 AND l.problem IS NULL",
        tenant,
        batch,
        campaign,
    )
    .execute(&mut **tx)
    .await?;
    Ok(fresh)
}

/// The batch's skipped addresses (invited before it), now re-invited: their invitation date
/// becomes today's. Returns them; a second call finds none.
pub async fn reinvite_skipped(tx: &mut TenantTx, campaign: Uuid, batch: Uuid) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"WITH again AS (
             UPDATE invitation_batch_lines SET outcome = 'reinvited'
              WHERE tenant_id = $1 AND batch_id = $3 AND outcome = 'skipped'
             RETURNING address
           )
           INSERT INTO campaign_invitations (tenant_id, campaign_id, address, batch_id)
           SELECT $1, $2, address, $3 FROM again
           ON CONFLICT (tenant_id, campaign_id, address) DO UPDATE SET invited_at = now(), batch_id = EXCLUDED.batch_id
           RETURNING address"#,
        tx.tenant_id(),
        campaign,
        batch,
    )
    .fetch_all(&mut **tx)
    .await
}

/// Adds the batch's valid addresses to the space's staff list (internal campaigns); returns
/// how many were new.
pub async fn add_staff(tx: &mut TenantTx, batch: Uuid, invited_by: Uuid) -> Result<u64, sqlx::Error> {
    let added = sqlx::query!(
        "INSERT INTO staff_members (tenant_id, email, invited_by)
         SELECT tenant_id, address, $3 FROM invitation_batch_lines
          WHERE tenant_id = $1 AND batch_id = $2 AND problem IS NULL
         ON CONFLICT DO NOTHING",
        tx.tenant_id(),
        batch,
        invited_by,
    )
    .execute(&mut **tx)
    .await?;
    Ok(added.rows_affected())
}

/// The batch's valid addresses, repeats and refused lines, counted (for the audit line).
pub async fn line_counts(tx: &mut TenantTx, batch: Uuid) -> Result<(i64, i64, i64), sqlx::Error> {
    let counts = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE problem IS NULL) AS "addresses!",
                  count(*) FILTER (WHERE problem = $3) AS "repeats!",
                  count(*) FILTER (WHERE problem <> $3) AS "refused!"
             FROM invitation_batch_lines WHERE tenant_id = $1 AND batch_id = $2"#,
        tx.tenant_id(),
        batch,
        DUPLICATE,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok((counts.addresses, counts.repeats, counts.refused))
}
