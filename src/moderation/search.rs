//! Finding and acting on many contributions (`/admin/contributions`): a search over the space's
//! ideas by text, author pseudonym, status, campaign, theme and date, 50 a page; then, on the
//! ones ticked, one action: hide for a reason of the charter (each author told, as from the
//! queue), publish what pre-moderation holds, restore what was hidden, or give them a theme of
//! their campaign. Each change is audited, one line per contribution. An action applies only to
//! the contributions it would change (hiding what is already hidden does nothing), so sending
//! the form twice changes nothing more.

use axum::extract::{Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::PageError;
use crate::moderation::CharterReason;
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, render_console, right};
use crate::web::page::Page;

/// Results per page.
const PAGE: i64 = 50;

/// The search as typed (`?q=…&auteur=…&statut=…&campagne=…&theme=…&du=…&au=…&page=…`).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct Search {
    #[serde(default)]
    q: String,
    #[serde(default)]
    auteur: String,
    #[serde(default)]
    statut: String,
    #[serde(default)]
    campagne: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    du: String,
    #[serde(default)]
    au: String,
    #[serde(default)]
    page: Option<i64>,
    /// After an action: how many contributions it changed.
    #[serde(default)]
    traitees: Option<usize>,
    /// After a refused action: what was missing (`motif`, `motif_charte`, `note`, `theme`,
    /// `selection`).
    #[serde(default)]
    erreur: Option<String>,
}

/// `%`, `_` and `\` taken literally in an ILIKE pattern.
fn like(text: &str) -> String {
    let escaped = text
        .trim()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[derive(Serialize, sqlx::FromRow)]
struct Found {
    id: Uuid,
    title: String,
    /// The text's first 140 characters.
    body: String,
    status: String,
    hidden_by: Option<String>,
    theme: Option<String>,
    campaign: String,
    author: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
    total: i64,
}

/// One page of the space's ideas matching the search, newest first, with the total count.
async fn find(tx: &mut TenantTx, s: &Search) -> Result<Vec<Found>, sqlx::Error> {
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok();
    sqlx::query_as(
        "SELECT i.id, i.title,
                CASE WHEN length(i.body) > 140 THEN left(i.body, 139) || '…' ELSE i.body END AS body, i.status, i.hidden_by, i.theme, c.title AS campaign,
                account_pseudonym(i.account_id) AS author, i.created_at, count(*) OVER () AS total
           FROM ideas i JOIN campaigns c ON c.tenant_id = i.tenant_id AND c.id = i.campaign_id
          WHERE i.tenant_id = $1
            AND ($2 = '%%' OR i.title ILIKE $2 OR i.body ILIKE $2)
            AND ($3 = '%%' OR account_pseudonym(i.account_id) ILIKE $3)
            AND ($4 = '' OR ($4 = 'withdrawn' AND i.hidden_by = 'author')
                 OR (i.status = $4 AND i.hidden_by IS DISTINCT FROM 'author'))
            AND ($5::uuid IS NULL OR i.campaign_id = $5)
            AND ($6 = '' OR i.theme = $6)
            AND ($7::date IS NULL OR i.created_at >= $7::date)
            AND ($8::date IS NULL OR i.created_at < $8::date + 1)
          ORDER BY i.created_at DESC, i.id
          LIMIT $9 OFFSET $10",
    )
    .bind(tx.tenant_id())
    .bind(like(&s.q))
    .bind(like(&s.auteur))
    .bind(s.statut.trim())
    .bind(s.campagne.trim().parse::<Uuid>().ok())
    .bind(s.theme.trim())
    .bind(day(&s.du))
    .bind(day(&s.au))
    .bind(PAGE)
    .bind((s.page.unwrap_or(1).max(1) - 1) * PAGE)
    .fetch_all(&mut **tx)
    .await
}

/// `GET /admin/contributions`.
pub async fn search(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::Moderate>,
    Query(s): Query<Search>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let found = find(&mut tx, &s).await?;
    let ids: Vec<Uuid> = found.iter().map(|f| f.id).collect();
    let versions = super::versions::earlier_versions(&mut tx, &ids).await?;
    let campaigns: Vec<(Uuid, String, Vec<String>)> =
        sqlx::query_as("SELECT id, title, themes FROM campaigns WHERE tenant_id = $1 ORDER BY created_at DESC")
            .bind(tx.tenant_id())
            .fetch_all(&mut *tx)
            .await?;
    tx.commit().await?;
    let total = found.first().map_or(0, |f| f.total);
    let current = s.page.unwrap_or(1).max(1);
    // The search without its page and notice, for the pager's and the form's links.
    let kept: String = raw
        .unwrap_or_default()
        .split('&')
        .filter(|p| {
            !p.is_empty() && !p.starts_with("page=") && !p.starts_with("traitees=") && !p.starts_with("erreur=")
        })
        .collect::<Vec<_>>()
        .join("&");
    let mut themes: Vec<String> = campaigns.iter().flat_map(|c| c.2.clone()).collect();
    themes.sort();
    themes.dedup();
    #[derive(Serialize)]
    struct Reason {
        code: &'static str,
        label: String,
        article: u8,
    }
    #[derive(Serialize)]
    struct View {
        search: Search,
        found: Vec<Found>,
        /// The earlier texts of the ideas their authors edited, by idea id.
        versions: std::collections::HashMap<Uuid, Vec<super::versions::Version>>,
        total: i64,
        page: i64,
        pages: i64,
        kept: String,
        campaigns: Vec<(Uuid, String, Vec<String>)>,
        themes: Vec<String>,
        charter_reasons: Vec<Reason>,
        done: Option<usize>,
        error: Option<String>,
    }
    let error = match s.erreur.as_deref() {
        Some(why @ ("motif" | "motif_charte" | "note" | "theme" | "selection")) => {
            Some(page.text(&format!("contributions.refused.{why}")))
        }
        _ => None,
    };
    let view = View {
        error,
        done: s.traitees,
        search: s,
        found,
        versions,
        total,
        page: current,
        pages: (total + PAGE - 1) / PAGE,
        kept,
        campaigns,
        themes,
        charter_reasons: CharterReason::ALL
            .into_iter()
            .map(|r| Reason {
                code: r.code(),
                label: page.text(&r.label_key()),
                article: r.article(),
            })
            .collect(),
    };
    render_console(
        &page,
        &operator,
        "console_contributions.html",
        "/admin/contributions",
        view,
        StatusCode::OK,
    )
}
