//! Moderation in the console: the queue of reported and pre-moderated contributions, the
//! hidden ones (to restore), and the operator's decisions with their reason.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::PageError;
use crate::moderation::{Decision, ModerationProblem, Target, moderate};
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::console::Operator;
use crate::web::console::{ConsoleOf, right};
use crate::web::console::{NoticeQuery, notice, render_console};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;

use crate::db::changes::Forget;

/// Content awaiting a decision: reported, or held by pre-moderation; or hidden (to restore).
#[derive(Debug, Serialize)]
pub struct QueueItem {
    pub kind: String,
    pub id: Uuid,
    pub idea_id: Uuid,
    pub campaign_slug: String,
    pub title: String,
    pub excerpt: String,
    pub status: String,
    pub reports: i64,
    pub reasons: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

async fn moderation_items(tx: &mut TenantTx, hidden: bool) -> Result<Vec<QueueItem>, sqlx::Error> {
    // The columns of a UNION inside a CTE are all nullable to sqlx; each is set on both sides.
    sqlx::query_as!(
        QueueItem,
        r#"WITH open AS (
             SELECT target_kind, target_id, count(*) AS n, array_agg(reason ORDER BY created_at) AS reasons
               FROM content_reports WHERE tenant_id = $1 AND resolved_at IS NULL GROUP BY 1, 2
         ), items AS (
             SELECT 'idea' AS kind, i.id, i.id AS idea_id, i.campaign_id, i.title, i.body, i.status, i.created_at
               FROM ideas i WHERE i.tenant_id = $1
                AND (CASE WHEN $2 THEN i.status = 'hidden'
                          ELSE i.status = 'pending' OR EXISTS (SELECT 1 FROM open o WHERE o.target_kind = 'idea' AND o.target_id = i.id) END)
             UNION ALL
             SELECT 'comment', c.id, c.idea_id, i.campaign_id, i.title, c.body, c.status, c.created_at
               FROM idea_comments c JOIN ideas i ON i.tenant_id = c.tenant_id AND i.id = c.idea_id
              WHERE c.tenant_id = $1
                AND (CASE WHEN $2 THEN c.status = 'hidden'
                          ELSE c.status = 'pending' OR EXISTS (SELECT 1 FROM open o WHERE o.target_kind = 'comment' AND o.target_id = c.id) END)
         )
         SELECT it.kind AS "kind!", it.id AS "id!", it.idea_id AS "idea_id!", ca.slug AS "campaign_slug!",
                it.title AS "title!", left(it.body, 400) AS "excerpt!", it.status AS "status!",
                it.created_at AS "created_at!", COALESCE(o.n, 0) AS "reports!",
                COALESCE(o.reasons, '{}') AS "reasons!"
           FROM items it
           JOIN campaigns ca ON ca.tenant_id = $1 AND ca.id = it.campaign_id
           LEFT JOIN open o ON o.target_kind = it.kind AND o.target_id = it.id
          ORDER BY COALESCE(o.n, 0) DESC, it.created_at
          LIMIT 200"#,
        tx.tenant_id(),
        hidden,
    )
    .fetch_all(&mut **tx)
    .await
}

/// `GET /admin/moderation`.
pub async fn moderation(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::Moderate>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    render_moderation(&state, &page, &operator, notice(&page, &query), None, StatusCode::OK).await
}

async fn render_moderation(
    state: &Ground,
    page: &Page,
    operator: &Operator,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let queue = moderation_items(&mut tx, false).await?;
    let hidden = moderation_items(&mut tx, true).await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        queue: Vec<QueueItem>,
        hidden: Vec<QueueItem>,
        notice: Option<String>,
        error: Option<String>,
    }
    let view = View {
        queue,
        hidden,
        notice,
        error,
    };
    render_console(
        page,
        operator,
        "console_moderation.html",
        "/admin/moderation",
        view,
        status,
    )
}

#[derive(Deserialize)]
pub struct DecisionForm {
    kind: String,
    id: Uuid,
    decision: String,
    reason: String,
}

/// `POST /admin/moderation`: hide, restore or approve, with a reason; audited twice (the
/// moderation trail on the content, the console log).
pub async fn decide(
    State(state): State<Ground>,
    State(forget): State<Forget>,
    page: Page,
    operator: ConsoleOf<right::Moderate>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, PageError> {
    let target = match form.kind.as_str() {
        "idea" => Target::Idea(form.id),
        "comment" => Target::Comment(form.id),
        _ => return Err(PageError::BadRequest),
    };
    let decision = match form.decision.as_str() {
        "hide" => Decision::Hide,
        "restore" => Decision::Restore,
        "approve" => Decision::Approve,
        _ => return Err(PageError::BadRequest),
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    match moderate(&mut tx, target, decision, &operator.0.email, &form.reason).await? {
        Ok(()) => {
            let campaign: Option<Uuid> = sqlx::query_scalar(
                "SELECT i.campaign_id FROM ideas i WHERE i.tenant_id = $1 AND i.id = COALESCE(
                    (SELECT idea_id FROM idea_comments WHERE tenant_id = $1 AND id = $2), $2)",
            )
            .bind(tx.tenant_id())
            .bind(form.id)
            .fetch_optional(&mut *tx)
            .await?;
            crate::audit::record(
                &mut tx,
                &operator.0,
                &format!("moderation.{}", form.decision),
                &format!("{}:{}", form.kind, form.id),
                serde_json::json!({ "reason": form.reason.trim() }),
            )
            .await?;
            tx.commit().await?;
            if let Some(campaign) = campaign {
                forget.campaign(campaign);
            }
            see_other("/admin/moderation?fait=moderation")
        }
        Err(ModerationProblem::NotFound) => Err(PageError::NotFound),
        Err(ModerationProblem::ReasonRequired) => {
            drop(tx);
            let error = Some(page.text("console.reason_required"));
            render_moderation(&state, &page, &operator, None, error, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
    Forget: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::get;
    Router::new().route("/admin/moderation", get(moderation).post(decide))
}
