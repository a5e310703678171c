//! The space's participants in the console, pseudonymised.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::error::PageError;
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::console::render_console;
use crate::web::console::{ConsoleOf, right};
use crate::web::page::Page;

/// A person who took part in this space, pseudonymised: their public pseudonym and a short
/// code derived from their id (stable within the space, useless elsewhere), never their address.
#[derive(Debug, Serialize)]
pub struct Participant {
    pub code: String,
    pub pseudonym: String,
    pub ideas: i64,
    pub comments: i64,
    pub likes: i64,
    pub responses: i64,
    pub last_seen: chrono::DateTime<chrono::Utc>,
}

pub const PARTICIPANTS_PAGE: i64 = 100;

/// People who contributed from this space (their contributions to national campaigns
/// included), most recent activity first.
pub async fn participants(tx: &mut TenantTx, page: i64) -> Result<Vec<Participant>, sqlx::Error> {
    let rows = sqlx::query(
        "WITH activity AS (
             SELECT account_id, 1 AS ideas, 0 AS comments, 0 AS likes, 0 AS responses, created_at AS at FROM ideas
              WHERE (tenant_id = $1 OR origin_tenant_id = $1) AND account_id IS NOT NULL
             UNION ALL
             SELECT account_id, 0, 1, 0, 0, created_at FROM idea_comments
              WHERE (tenant_id = $1 OR origin_tenant_id = $1) AND account_id IS NOT NULL
             UNION ALL
             SELECT account_id, 0, 0, 1, 0, created_at FROM idea_likes WHERE tenant_id = $1 OR origin_tenant_id = $1
             UNION ALL
             SELECT account_id, 0, 0, 0, 1, submitted_at FROM survey_responses
              WHERE (tenant_id = $1 OR origin_tenant_id = $1) AND account_id IS NOT NULL AND version = 1
         )
         SELECT encode(substring(sha256(convert_to($1::text || g.account_id::text, 'UTF8')) from 1 for 5), 'hex') AS code,
                p.pseudonym, g.ideas, g.comments, g.likes, g.responses, g.last_seen
           FROM (SELECT account_id, sum(ideas) AS ideas, sum(comments) AS comments, sum(likes) AS likes,
                        sum(responses) AS responses, max(at) AS last_seen
                   FROM activity GROUP BY account_id) g
           -- The pseudonym of any participant (the space may not reach the account itself).
           CROSS JOIN LATERAL (SELECT account_pseudonym(g.account_id) AS pseudonym) p
          WHERE p.pseudonym IS NOT NULL
          ORDER BY g.last_seen DESC
          LIMIT $2 OFFSET $3",
    )
    .bind(tx.tenant_id())
    .bind(PARTICIPANTS_PAGE)
    .bind((page.max(1) - 1) * PARTICIPANTS_PAGE)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Participant {
                code: r.try_get("code")?,
                pseudonym: r.try_get("pseudonym")?,
                ideas: r.try_get::<Option<i64>, _>("ideas")?.unwrap_or(0),
                comments: r.try_get::<Option<i64>, _>("comments")?.unwrap_or(0),
                likes: r.try_get::<Option<i64>, _>("likes")?.unwrap_or(0),
                responses: r.try_get::<Option<i64>, _>("responses")?.unwrap_or(0),
                last_seen: r.try_get("last_seen")?,
            })
        })
        .collect()
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

/// `GET /admin/participants`.
pub async fn participants_page(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::View>,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let page_number = query.page.unwrap_or(1).clamp(1, 10_000);
    let mut tx = state.db.begin(&page.tenant).await?;
    let people = participants(&mut tx, page_number).await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        more: bool,
        people: Vec<Participant>,
        page_number: i64,
        notice: Option<String>,
    }
    let view = View {
        more: people.len() as i64 == PARTICIPANTS_PAGE,
        people,
        page_number,
        notice: None,
    };
    render_console(
        &page,
        &operator,
        "console_participants.html",
        "/admin/participants",
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
    Router::new().route("/admin/participants", get(participants_page))
}
