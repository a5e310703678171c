//! Downloads from the console: a campaign's contributions, comments or survey responses, for
//! those whose role may export, each download written to the audit log.

use axum::Router;
use axum::extract::{FromRef, Path, State};
use axum::response::Response;
use axum::routing::get;
use uuid::Uuid;

use crate::audit::AuditAction;
use crate::error::PageError;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, right};
use crate::web::downloads;
use crate::web::page::Page;
use crate::web::table::Format;

/// `GET /admin/campagnes/{id}/export/{file}` with `file` one of `contributions`, `commentaires`,
/// `reponses`, then `.csv` or `.json`. The download is written to the audit log before its
/// first byte leaves, then written as its rows are read.
pub async fn export(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::Export>,
    Path((id, file)): Path<(Uuid, String)>,
) -> Result<Response, PageError> {
    let (what, format) = file.rsplit_once('.').ok_or(PageError::NotFound)?;
    let format = Format::parse(format).ok_or(PageError::NotFound)?;
    let action = match what {
        "contributions" => AuditAction::EXPORT_CONTRIBUTIONS,
        "commentaires" => AuditAction::EXPORT_COMMENTS,
        "reponses" => AuditAction::EXPORT_RESPONSES,
        _ => return Err(PageError::NotFound),
    };
    let turn = downloads::Turn::take(downloads::Queue::Console).await?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let campaign = crate::campaigns::authoring::find(&mut tx, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let questions = crate::surveys::queries::list_questions(&mut tx, &campaign).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        action,
        &campaign.summary.slug,
        serde_json::json!({ "format": format.extension() }),
    )
    .await?;
    tx.commit().await?;

    // The rows' transaction, begun here so that an unreachable database is a 503 page rather
    // than a cut download; not held to the request's statement limit, as a large campaign's
    // download outlasts it.
    let rows_tx = crate::db::beyond_the_request(state.db.begin(&page.tenant)).await?;
    let of = (campaign.summary.tenant_id, campaign.summary.id);
    let filename = format!("{}-{what}", campaign.summary.slug);
    match what {
        "contributions" => {
            let headers = super::CONTRIBUTION_HEADERS.map(str::to_owned).to_vec();
            downloads::stream(turn, format, &filename, headers, move |out| {
                super::contributions(rows_tx, of, out)
            })
        }
        "commentaires" => {
            let headers = super::COMMENT_HEADERS.map(str::to_owned).to_vec();
            downloads::stream(turn, format, &filename, headers, move |out| {
                super::comments(rows_tx, of, out)
            })
        }
        _ => {
            let headers = super::response_headers(&questions);
            downloads::stream(turn, format, &filename, headers, move |out| {
                super::responses(rows_tx, of, questions, out)
            })
        }
    }
}

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: FromRef<S>,
{
    Router::new().route("/admin/campagnes/{id}/export/{file}", get(export))
}
