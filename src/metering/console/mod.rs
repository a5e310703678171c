//! Usage and quotas in the consoles.
//!
//! - National admins: `/admin/compteurs` (every space for a month: totals, a day-by-day chart,
//!   the per-Caf table with quota alerts), its CSV for billing, and one space's page where its
//!   quotas are set.
//! - Every space's console home shows its own quotas (see `operators::home`).
//!
//! Figures come from [`crate::metering`]; this file only reads and presents them.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::PageError;
use crate::metering::{self, DayUsage, Quota, QuotaLevel, SpaceUsage, quotas};
use crate::tenancy::{TenantId, TenantKind, TenantTx};
use crate::web::Ground;
use crate::web::charts::{Bar, bar_chart};
use crate::web::console::Action;
use crate::web::console::Operator;
use crate::web::console::SignedInOperator;
use crate::web::console::render_console;
use crate::web::format::integer;
use crate::web::page::Page;
use crate::web::table::Table;

mod defaults;
mod space;

pub use defaults::*;
pub use space::*;

#[derive(Debug, Deserialize)]
pub struct MonthQuery {
    pub(super) mois: Option<String>,
    pub(super) fait: Option<String>,
}

/// The month asked for (`?mois=YYYY-MM`), this month by default; anything else is a bad request.
pub(super) fn month(query: &MonthQuery) -> Result<NaiveDate, PageError> {
    match query.mois.as_deref().filter(|m| !m.is_empty()) {
        None => Ok(metering::current_month()),
        Some(text) => metering::parse_month(text).ok_or(PageError::BadRequest),
    }
}

pub(super) fn national_only(page: &Page, operator: &Operator, action: Action) -> Result<(), PageError> {
    if page.tenant.kind != TenantKind::National {
        return Err(PageError::NotFound);
    }
    operator.may(&page.tenant, action)
}

/// Every space's limits, keyed by space.
pub(super) async fn all_limits(tx: &mut TenantTx) -> Result<HashMap<Uuid, BTreeMap<String, i64>>, sqlx::Error> {
    let rows: Vec<(Uuid, sqlx::types::Json<BTreeMap<String, i64>>)> = sqlx::query_as("SELECT id, quotas FROM tenants")
        .fetch_all(&mut **tx)
        .await?;
    Ok(rows.into_iter().map(|(id, q)| (id, q.0)).collect())
}

/// One row of the per-Caf table.
#[derive(Serialize)]
pub(super) struct Row {
    #[serde(flatten)]
    pub(super) space: SpaceUsage,
    /// The space's files, in the unit people read ("1,2 Mo", "512 Ko").
    pub(super) stored: String,
    pub(super) emails: Quota,
    pub(super) storage: Quota,
    pub(super) alert: bool,
}

/// Bytes in the unit people read, in the page's language ("1,2 Mo"; "1.2 MB").
pub(super) fn size(page: &Page, bytes: i64) -> String {
    let french = crate::error::human_size(bytes.max(0) as usize);
    if page.lang.code() == "en" {
        french.replace(" Mo", " MB").replace(" Ko", " KB").replace(',', ".")
    } else {
        french
    }
}

pub(super) fn rows(page: &Page, spaces: Vec<SpaceUsage>, limits: &HashMap<Uuid, BTreeMap<String, i64>>) -> Vec<Row> {
    spaces
        .into_iter()
        .map(|space| {
            let limit = |key: &str| limits.get(&space.tenant_id).and_then(|l| l.get(key)).copied();
            let emails = Quota::new("emails_per_month", space.usage.emails_sent, limit("emails_per_month"));
            let storage = Quota::new(
                "storage_mb",
                quotas::mebibytes(space.usage.storage_bytes),
                limit("storage_mb"),
            );
            Row {
                stored: size(page, space.usage.storage_bytes),
                alert: emails.level != QuotaLevel::Fine || storage.level != QuotaLevel::Fine,
                space,
                emails,
                storage,
            }
        })
        .collect()
}

/// The day-by-day chart of contributions, its text alternative and its data.
pub(super) fn contributions_chart(page: &Page, days: &[DayUsage], month: NaiveDate) -> String {
    let total: i64 = days.iter().map(|d| d.contributions).sum();
    let busiest = days.iter().max_by_key(|d| d.contributions);
    let title = format!("{} — {}", page.text("metering.chart_title"), month.format("%m/%Y"));
    let description = match busiest {
        Some(day) if total > 0 => format!(
            "{} {}. {} {} ({}).",
            page.text("metering.chart_total"),
            integer(page.lang, total),
            page.text("metering.chart_busiest"),
            crate::web::format::day(page.lang, day.day),
            integer(page.lang, day.contributions)
        ),
        _ => page.text("metering.chart_empty"),
    };
    let bars: Vec<Bar> = days
        .iter()
        .map(|d| Bar {
            label: d.day.format("%d").to_string(),
            value: d.contributions,
            shown: None,
        })
        .collect();
    bar_chart(page.lang, "contributions-chart", &title, &description, &bars, "#000091")
}

/// `GET /admin/compteurs[?mois=YYYY-MM]`: every space's usage for a month.
pub async fn overview(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Query(query): Query<MonthQuery>,
) -> Result<Response, PageError> {
    national_only(&page, &operator, Action::ViewMetering)?;
    let month = month(&query)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let spaces = metering::usage::for_every_space(&mut tx, month).await?;
    let days = metering::usage::daily(&mut tx, None, month).await?;
    let limits = all_limits(&mut tx).await?;
    tx.commit().await?;
    let mut totals = metering::Usage::default();
    for s in &spaces {
        totals.contributions += s.usage.contributions;
        totals.participants += s.usage.participants;
        totals.emails_sent += s.usage.emails_sent;
        totals.invitations += s.usage.invitations;
        totals.analysis_runs += s.usage.analysis_runs;
        totals.storage_bytes += s.usage.storage_bytes;
    }
    let rows = rows(&page, spaces, &limits);
    #[derive(Serialize)]
    struct View {
        month: String,
        month_label: String,
        totals: metering::Usage,
        totals_stored: String,
        chart: String,
        days: Vec<DayUsage>,
        alerts: usize,
        rows: Vec<Row>,
        notice: Option<String>,
    }
    let view = View {
        month: month.format("%Y-%m").to_string(),
        month_label: month.format("%m/%Y").to_string(),
        totals_stored: size(&page, totals.storage_bytes),
        totals,
        chart: contributions_chart(&page, &days, month),
        days,
        alerts: rows.iter().filter(|r| r.alert).count(),
        rows,
        notice: None,
    };
    render_console(
        &page,
        &operator,
        "console_metering.html",
        "/admin/compteurs",
        view,
        StatusCode::OK,
    )
}

/// `GET /admin/compteurs.csv[?mois=YYYY-MM]`: the month's usage per space, for billing.
pub async fn export(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Query(query): Query<MonthQuery>,
) -> Result<Response, PageError> {
    national_only(&page, &operator, Action::ViewMetering)?;
    let month = month(&query)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let spaces = metering::usage::for_every_space(&mut tx, month).await?;
    let limits = all_limits(&mut tx).await?;
    tx.commit().await?;
    let table = billing_table(month, &spaces, &limits);
    let mut response = table.to_csv()?.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let disposition = format!("attachment; filename=\"ecoute-usage-{}.csv\"", month.format("%Y-%m"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?,
    );
    Ok(response)
}

/// The billing table: one row per space, raw figures (bytes, not rounded).
pub fn billing_table(month: NaiveDate, spaces: &[SpaceUsage], limits: &HashMap<Uuid, BTreeMap<String, i64>>) -> Table {
    let headers = [
        "month",
        "slug",
        "caf_code",
        "name",
        "contributions",
        "active_participants",
        "emails_sent",
        "invitations",
        "analysis_runs",
        "storage_bytes",
        "quota_emails_per_month",
        "quota_active_campaigns",
        "quota_storage_mb",
    ];
    let rows = spaces
        .iter()
        .map(|s| {
            let limit = |key: &str| {
                limits
                    .get(&s.tenant_id)
                    .and_then(|l| l.get(key))
                    .map(|v| v.to_string())
                    .unwrap_or_default()
            };
            vec![
                month.format("%Y-%m").to_string(),
                s.slug.clone(),
                s.caf_code.clone().unwrap_or_default(),
                s.name.clone(),
                s.usage.contributions.to_string(),
                s.usage.participants.to_string(),
                s.usage.emails_sent.to_string(),
                s.usage.invitations.to_string(),
                s.usage.analysis_runs.to_string(),
                s.usage.storage_bytes.to_string(),
                limit("emails_per_month"),
                limit("active_campaigns"),
                limit("storage_mb"),
            ]
        })
        .collect();
    Table {
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::get;
    Router::new()
        .route("/admin/compteurs", get(overview))
        .route("/admin/compteurs.csv", get(export))
        .route(
            "/admin/compteurs/quotas-par-defaut",
            get(default_quotas).post(set_default_quotas),
        )
        .route("/admin/compteurs/{slug}", get(space).post(set_quotas))
}
