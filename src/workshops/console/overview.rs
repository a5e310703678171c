//! `/admin/ateliers`: the console's entry to workshops. Every campaign of this space with the
//! state of its recruitment (none, open, closed, drawn) and its number of applications, each
//! linked to its workshop page.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use uuid::Uuid;

use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, render_console, right};
use crate::web::page::Page;

#[derive(Serialize, sqlx::FromRow)]
struct Line {
    id: Uuid,
    title: String,
    /// `none`, `open`, `closed` or `drawn`.
    state: String,
    applications: i64,
}

/// `GET /admin/ateliers`.
pub async fn overview(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let lines: Vec<Line> = sqlx::query_as(
        "SELECT c.id, c.title,
                CASE WHEN r.id IS NULL THEN 'none'
                     WHEN EXISTS (SELECT 1 FROM workshop_draws d WHERE d.tenant_id = r.tenant_id AND d.recruitment_id = r.id)
                          THEN 'drawn'
                     WHEN r.open THEN 'open' ELSE 'closed' END AS state,
                (SELECT count(*) FROM workshop_applications a WHERE a.tenant_id = r.tenant_id AND a.recruitment_id = r.id)
                  AS applications
           FROM campaigns c
           LEFT JOIN workshop_recruitments r ON r.tenant_id = c.tenant_id AND r.campaign_id = c.id AND r.purged_at IS NULL
          WHERE c.tenant_id = $1
          ORDER BY (r.id IS NULL), c.created_at DESC",
    )
    .bind(tx.tenant_id())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        lines: Vec<Line>,
    }
    render_console(
        &page,
        &operator,
        "console_workshops_overview.html",
        "/admin/ateliers",
        View { lines },
        StatusCode::OK,
    )
}
