//! Downloads from the console: a campaign's contributions, comments or survey responses, for
//! those whose role may export, each download written to the audit log.

use axum::Router;
use axum::extract::{FromRef, Path, State};
use axum::response::Response;
use axum::routing::get;
use uuid::Uuid;

use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::page::Page;

/// `GET /admin/campagnes/{id}/export/{file}` with `file` one of `contributions`, `commentaires`,
/// `reponses`, then `.csv` or `.json`.
pub async fn export(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::Export>,
    Path((id, file)): Path<(Uuid, String)>,
) -> Result<Response, PageError> {
    let (what, format) = file.rsplit_once('.').ok_or(PageError::NotFound)?;
    if !matches!(format, "csv" | "json") {
        return Err(PageError::NotFound);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = crate::campaigns::authoring::find(&mut tx, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let questions = crate::surveys::queries::list_questions(&mut tx, &campaign).await?;
    let (table, action) = match what {
        "contributions" => (
            super::contributions(&mut tx, &campaign).await?,
            crate::audit::AuditAction::EXPORT_CONTRIBUTIONS,
        ),
        "commentaires" => (
            super::comments(&mut tx, &campaign).await?,
            crate::audit::AuditAction::EXPORT_COMMENTS,
        ),
        "reponses" => (
            super::responses(&mut tx, &campaign, &questions).await?,
            crate::audit::AuditAction::EXPORT_RESPONSES,
        ),
        _ => return Err(PageError::NotFound),
    };
    crate::audit::record(
        &mut tx,
        &operator.0,
        action,
        &campaign.summary.slug,
        serde_json::json!({ "format": format, "rows": table.rows.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(table.download(format, &format!("{}-{what}", campaign.summary.slug))?)
}

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: FromRef<S>,
{
    Router::new().route("/admin/campagnes/{id}/export/{file}", get(export))
}
