//! Reading usage: rolled-up days plus pending events (the `usage_by_day` view), and unique
//! participants per month.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use super::next_month;
use crate::tenancy::TenantTx;

/// A space's usage over one month. Storage is the total held at the end of the month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub contributions: i64,
    pub participants: i64,
    pub emails_sent: i64,
    pub invitations: i64,
    pub analysis_runs: i64,
    pub storage_bytes: i64,
}

impl Usage {
    fn add(&mut self, metric: &str, quantity: i64) {
        match metric {
            "contributions" => self.contributions += quantity,
            "emails_sent" => self.emails_sent += quantity,
            "invitations" => self.invitations += quantity,
            "analysis_runs" => self.analysis_runs += quantity,
            "storage_bytes" => self.storage_bytes += quantity,
            _ => {}
        }
    }
}

/// One space's usage for a month, with who it is.
#[derive(Debug, Clone, Serialize)]
pub struct SpaceUsage {
    pub tenant_id: Uuid,
    pub slug: String,
    pub name: String,
    pub caf_code: Option<String>,
    pub usage: Usage,
}

/// One day of a month's activity, for charts.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DayUsage {
    pub day: NaiveDate,
    pub contributions: i64,
    pub emails_sent: i64,
}

/// The usage of `tenant` in `month`, read in that space's own context.
pub async fn for_space(tx: &mut TenantTx, month: NaiveDate) -> Result<Usage, sqlx::Error> {
    let tenant = tx.tenant_id();
    let mut all = of_spaces(tx, Some(tenant), month).await?;
    Ok(all.pop().map(|s| s.usage).unwrap_or_default())
}

/// Every space's usage in `month`, in one pass (national context: its read policy on the usage
/// tables lets it see every space's counts). Spaces without activity are listed with zeros.
pub async fn for_every_space(tx: &mut TenantTx, month: NaiveDate) -> Result<Vec<SpaceUsage>, sqlx::Error> {
    of_spaces(tx, None, month).await
}

async fn of_spaces(tx: &mut TenantTx, only: Option<Uuid>, month: NaiveDate) -> Result<Vec<SpaceUsage>, sqlx::Error> {
    let end = next_month(month);
    let spaces = sqlx::query!(
        "SELECT id, slug, name, caf_code FROM tenants
          WHERE $1::uuid IS NULL OR id = $1
          ORDER BY kind DESC, slug",
        only,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut out: Vec<SpaceUsage> = spaces
        .into_iter()
        .map(|r| SpaceUsage {
            tenant_id: r.id,
            slug: r.slug,
            name: r.name,
            caf_code: r.caf_code,
            usage: Usage::default(),
        })
        .collect();
    let index: std::collections::HashMap<Uuid, usize> = out.iter().enumerate().map(|(i, s)| (s.tenant_id, i)).collect();

    // Flows count within the month; storage is a stock: everything up to the month's end.
    // A view's columns come without their NOT NULL: `!` restates what the tables say.
    let rows = sqlx::query!(
        r#"SELECT tenant_id AS "tenant_id!", metric AS "metric!", sum(quantity)::bigint AS "quantity!" FROM usage_by_day
          WHERE ($1::uuid IS NULL OR tenant_id = $1) AND day < $3
            AND (metric = 'storage_bytes' OR day >= $2)
          GROUP BY tenant_id, metric"#,
        only,
        month,
        end,
    )
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        if let Some(&i) = index.get(&row.tenant_id) {
            out[i].usage.add(&row.metric, row.quantity);
        }
    }
    let people = sqlx::query!(
        r#"SELECT tenant_id AS "tenant_id!", count(*) AS "n!" FROM usage_active_participants
          WHERE ($1::uuid IS NULL OR tenant_id = $1) AND month = $2 GROUP BY tenant_id"#,
        only,
        month,
    )
    .fetch_all(&mut **tx)
    .await?;
    for row in people {
        if let Some(&i) = index.get(&row.tenant_id) {
            out[i].usage.participants = row.n;
        }
    }
    Ok(out)
}

/// Day by day contributions and e-mails of a month, for one space (`Some`) or all the spaces
/// the context may read (`None`, national). Every day of the month is present.
pub async fn daily(tx: &mut TenantTx, only: Option<Uuid>, month: NaiveDate) -> Result<Vec<DayUsage>, sqlx::Error> {
    let end = next_month(month);
    let rows = sqlx::query!(
        r#"SELECT day AS "day!", metric AS "metric!", sum(quantity)::bigint AS "quantity!" FROM usage_by_day
          WHERE ($1::uuid IS NULL OR tenant_id = $1) AND day >= $2 AND day < $3
            AND metric IN ('contributions', 'emails_sent')
          GROUP BY day, metric"#,
        only,
        month,
        end,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut days: Vec<DayUsage> = month
        .iter_days()
        .take_while(|d| *d < end)
        .map(|day| DayUsage {
            day,
            contributions: 0,
            emails_sent: 0,
        })
        .collect();
    for row in rows {
        let (day, quantity) = (row.day, row.quantity);
        if let Some(d) = days.iter_mut().find(|d| d.day == day) {
            match row.metric.as_str() {
                "contributions" => d.contributions += quantity,
                _ => d.emails_sent += quantity,
            }
        }
    }
    Ok(days)
}
