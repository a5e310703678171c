//! The audit log in the console: every change an operator made in this space, newest first.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::render_console;
use crate::web::console::{ConsoleOf, right};
use crate::web::page::Page;

#[derive(Deserialize)]
pub struct AuditQuery {
    page: Option<i64>,
}

/// `GET /admin/journal`.
pub async fn audit_log(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ViewAudit>,
    Query(query): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let page_number = query.page.unwrap_or(1).clamp(1, 10_000);
    let mut tx = state.db.begin(&page.tenant).await?;
    let lines = crate::audit::list(&mut tx, page_number).await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        lines: Vec<crate::audit::AuditLine>,
        page_number: i64,
        more: bool,
        notice: Option<String>,
    }
    let more = lines.len() as i64 == crate::audit::PAGE_SIZE;
    let view = View {
        lines,
        page_number,
        more,
        notice: None,
    };
    render_console(
        &page,
        &operator,
        "console_audit.html",
        "/admin/journal",
        view,
        StatusCode::OK,
    )
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::get;
    Router::new().route("/admin/journal", get(audit_log))
}
