//! The space's participants in the console, pseudonymised.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

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
    // Sums over a UNION and a function's result are nullable to sqlx: each is set here.
    sqlx::query_as!(
        Participant,
        r#"WITH activity AS (
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
         SELECT encode(substring(sha256(convert_to($1::text || g.account_id::text, 'UTF8')) from 1 for 5), 'hex') AS "code!",
                p.pseudonym AS "pseudonym!", COALESCE(g.ideas, 0)::bigint AS "ideas!",
                COALESCE(g.comments, 0)::bigint AS "comments!", COALESCE(g.likes, 0)::bigint AS "likes!",
                COALESCE(g.responses, 0)::bigint AS "responses!", g.last_seen AS "last_seen!"
           FROM (SELECT account_id, sum(ideas) AS ideas, sum(comments) AS comments, sum(likes) AS likes,
                        sum(responses) AS responses, max(at) AS last_seen
                   FROM activity GROUP BY account_id) g
           -- The pseudonym of any participant (the space may not reach the account itself).
           CROSS JOIN LATERAL (SELECT account_pseudonym(g.account_id) AS pseudonym) p
          WHERE p.pseudonym IS NOT NULL
          ORDER BY g.last_seen DESC
          LIMIT $2 OFFSET $3"#,
        tx.tenant_id(),
        PARTICIPANTS_PAGE,
        (page.max(1) - 1) * PARTICIPANTS_PAGE,
    )
    .fetch_all(&mut **tx)
    .await
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
