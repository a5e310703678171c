//! The console's home: what needs attention in this space (the dashboard's counts, quotas).

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::error::PageError;
use crate::tenancy::{TenantKind, TenantTx};
use crate::web::console::SignedInOperator;
use crate::web::console::render_console;
use crate::web::page::Page;

#[derive(Debug, Default, Serialize)]
pub struct Counts {
    pub open_reports: i64,
    pub pending: i64,
    pub ideas: i64,
    pub participants: i64,
    pub operators: i64,
    pub staff: i64,
}

/// The dashboard's figures for the current space. One query.
pub async fn counts(tx: &mut TenantTx) -> Result<Counts, sqlx::Error> {
    sqlx::query_as!(Counts, r#"SELECT
            (SELECT count(DISTINCT (target_kind, target_id)) FROM content_reports WHERE tenant_id = $1 AND resolved_at IS NULL) AS "open_reports!",
            (SELECT count(*) FROM ideas WHERE tenant_id = $1 AND status = 'pending')
              + (SELECT count(*) FROM idea_comments WHERE tenant_id = $1 AND status = 'pending') AS "pending!",
            (SELECT count(*) FROM ideas WHERE tenant_id = $1) AS "ideas!",
            (SELECT count(DISTINCT account_id) FROM ideas WHERE tenant_id = $1 OR origin_tenant_id = $1) AS "participants!",
            (SELECT count(*) FROM operator_roles WHERE tenant_id = $1) AS "operators!",
            (SELECT count(*) FROM staff_members WHERE tenant_id = $1) AS "staff!""#, tx.tenant_id())
        .fetch_one(&mut **tx)
        .await
}

/// `GET /admin`: what needs attention in this space.
pub async fn home(
    axum::extract::State(state): axum::extract::State<crate::web::Ground>,
    page: Page,
    operator: SignedInOperator,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let counts = counts(&mut tx).await?;
    let quotas = crate::metering::quotas::for_space(&mut tx).await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        counts: Counts,
        quotas: crate::metering::Quotas,
        quota_alerts: Vec<String>,
        national: bool,
        notice: Option<String>,
    }
    // Quotas at 80 % or more, worded for the banner.
    let quota_alerts = quotas
        .alerts()
        .into_iter()
        .map(|q| {
            let level = match q.level {
                crate::metering::QuotaLevel::Reached => "metering.reached",
                _ => "metering.warning",
            };
            format!(
                "{} : {} / {} ({} %) — {}",
                page.text(&format!("metering.quota.{}", q.key)),
                q.used,
                q.limit.unwrap_or_default(),
                q.percent,
                page.text(level)
            )
        })
        .collect();
    let view = View {
        quotas,
        quota_alerts,
        counts,
        national: page.tenant.kind == TenantKind::National,
        notice: None,
    };
    render_console(&page, &operator, "console_home.html", "/admin", view, StatusCode::OK)
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::get;
    Router::new().route("/admin", get(home))
}
