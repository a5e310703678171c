//! Moderation in the console: the queue of reported and pre-moderated contributions, the
//! hidden ones (to restore), and the operator's decisions with their reason: to hide, a reason
//! of the charter (shown to everyone) and an optional note to the author, who is told by mail;
//! to restore or approve, a written reason for the log.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::AuditAction;
use crate::error::PageError;
use crate::moderation::{CharterReason, Decision, ModerationProblem, Target, moderate, notice};
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
    /// The charter reason it was hidden for (hidden ones).
    pub hidden_reason: Option<String>,
}

async fn moderation_items(tx: &mut TenantTx, hidden: bool) -> Result<Vec<QueueItem>, sqlx::Error> {
    // The columns of a UNION inside a CTE are all nullable to sqlx; each is set on both sides.
    sqlx::query_as!(
        QueueItem,
        r#"WITH open AS (
             SELECT target_kind, target_id, count(*) AS n, array_agg(reason ORDER BY created_at) AS reasons
               FROM content_reports WHERE tenant_id = $1 AND resolved_at IS NULL GROUP BY 1, 2
         ), items AS (
             SELECT 'idea' AS kind, i.id, i.id AS idea_id, i.campaign_id, i.title, i.body, i.status, i.created_at, i.hidden_reason
               FROM ideas i WHERE i.tenant_id = $1 AND i.hidden_by IS DISTINCT FROM 'author'
                AND (CASE WHEN $2 THEN i.status = 'hidden'
                          ELSE i.status = 'pending' OR EXISTS (SELECT 1 FROM open o WHERE o.target_kind = 'idea' AND o.target_id = i.id) END)
             UNION ALL
             SELECT 'comment', c.id, c.idea_id, i.campaign_id, i.title, c.body, c.status, c.created_at, c.hidden_reason
               FROM idea_comments c JOIN ideas i ON i.tenant_id = c.tenant_id AND i.id = c.idea_id
              WHERE c.tenant_id = $1 AND c.hidden_by IS DISTINCT FROM 'author'
                AND (CASE WHEN $2 THEN c.status = 'hidden'
                          ELSE c.status = 'pending' OR EXISTS (SELECT 1 FROM open o WHERE o.target_kind = 'comment' AND o.target_id = c.id) END)
         )
         SELECT it.kind AS "kind!", it.id AS "id!", it.idea_id AS "idea_id!", ca.slug AS "campaign_slug!",
                it.title AS "title!", left(it.body, 400) AS "excerpt!", it.status AS "status!",
                it.created_at AS "created_at!", COALESCE(o.n, 0) AS "reports!",
                COALESCE(o.reasons, '{}') AS "reasons!", it.hidden_reason
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
    let targets: Vec<Uuid> = queue.iter().chain(&hidden).map(|item| item.id).collect();
    let versions = super::versions::earlier_versions(&mut tx, &targets).await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct Reason {
        code: &'static str,
        label: String,
        article: u8,
    }
    #[derive(Serialize)]
    struct View {
        queue: Vec<QueueItem>,
        hidden: Vec<QueueItem>,
        /// The earlier texts of the items their authors edited, by item id.
        versions: std::collections::HashMap<Uuid, Vec<super::versions::Version>>,
        /// The charter reasons a moderator may hide for.
        charter_reasons: Vec<Reason>,
        notice: Option<String>,
        error: Option<String>,
    }
    let charter_reasons = CharterReason::ALL
        .into_iter()
        .map(|r| Reason {
            code: r.code(),
            label: page.text(&r.label_key()),
            article: r.article(),
        })
        .collect();
    let view = View {
        queue,
        hidden,
        versions,
        charter_reasons,
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
    /// To hide: the code of a charter reason.
    #[serde(default)]
    charter_reason: String,
    /// To restore or approve: the reason (required). To hide: a note to the author (optional).
    #[serde(default)]
    reason: String,
}

/// `POST /admin/moderation`: hide (for a reason of the charter, the author told by mail),
/// restore or approve (with a written reason); audited twice (the moderation trail on the
/// content, the console log).
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
        "hide" => match CharterReason::parse(&form.charter_reason) {
            Some(reason) => Decision::Hide(reason),
            None => {
                let error = Some(page.text("console.charter_reason_required"));
                return render_moderation(&state, &page, &operator, None, error, StatusCode::UNPROCESSABLE_ENTITY)
                    .await;
            }
        },
        "restore" => Decision::Restore,
        "approve" => Decision::Approve,
        _ => return Err(PageError::BadRequest),
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    match moderate(&mut tx, target, decision, &operator.0.email, &form.reason).await? {
        Ok(()) => {
            let mut details = serde_json::json!({ "reason": form.reason.trim() });
            if let Decision::Hide(reason) = decision {
                let told = notice::tell_author(
                    &mut tx,
                    target,
                    reason,
                    &form.reason,
                    &page.tenant.name,
                    &page.origin.base_url(),
                )
                .await?;
                details["charter_reason"] = reason.code().into();
                details["article"] = reason.article().into();
                details["author_told"] = told.is_some_and(|q| q.id().is_some()).into();
            }
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
                match decision {
                    Decision::Hide(_) => AuditAction::MODERATION_HIDE,
                    Decision::Restore => AuditAction::MODERATION_RESTORE,
                    Decision::Approve => AuditAction::MODERATION_APPROVE,
                },
                &format!("{}:{}", target.kind(), target.id()),
                details,
            )
            .await?;
            tx.commit().await?;
            if let Some(campaign) = campaign {
                forget.campaign(campaign);
            }
            see_other("/admin/moderation?fait=moderation")
        }
        Err(ModerationProblem::NotFound) => Err(PageError::NotFound),
        Err(problem @ (ModerationProblem::ReasonRequired | ModerationProblem::NoteLength)) => {
            drop(tx);
            let key = if problem == ModerationProblem::NoteLength {
                "console.note_length"
            } else {
                "console.reason_required"
            };
            let error = Some(page.text(key));
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
    use axum::routing::post;
    Router::new()
        .route("/admin/moderation", get(moderation).post(decide))
        .route("/admin/contributions", get(super::search::search))
        .route("/admin/contributions/lot", post(super::bulk::act))
}
