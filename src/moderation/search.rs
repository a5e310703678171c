//! Finding and acting on many contributions (`/admin/contributions`): a search over the space's
//! ideas and comments by kind, text, author pseudonym, status, campaign, theme (a comment's is
//! its idea's) and date, 50 a page; then, on the ones ticked, one action: hide for a reason of
//! the charter (each author told, as from the queue), publish what pre-moderation holds, restore
//! what was hidden, give ideas a theme of their campaign, or file them under a theme of the
//! campaign's analysis. Each change is audited, one line per contribution. An action applies only
//! to the contributions it would change (hiding what is already hidden does nothing), so sending
//! the form twice changes nothing more. A refused action shows the search again (422) with the
//! ticks, the action and the texts kept.

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

/// The search as typed (`?genre=…&q=…&auteur=…&statut=…&campagne=…&theme=…&du=…&au=…&page=…`).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct Search {
    /// `idee`, `commentaire`, or both when empty.
    #[serde(default)]
    genre: String,
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
    /// `idea` or `comment`.
    kind: String,
    id: Uuid,
    /// The idea's title (for a comment, the title of the idea it answers).
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
        "WITH found AS (
             SELECT 'idea' AS kind, i.id, i.title, i.body, i.status, i.hidden_by, i.theme, i.campaign_id, i.account_id, i.created_at
               FROM ideas i WHERE i.tenant_id = $1 AND $11 <> 'commentaire'
             UNION ALL
             SELECT 'comment', m.id, i.title, m.body, m.status, m.hidden_by, i.theme, i.campaign_id, m.account_id, m.created_at
               FROM idea_comments m JOIN ideas i ON i.tenant_id = m.tenant_id AND i.id = m.idea_id
              WHERE m.tenant_id = $1 AND $11 <> 'idee')
         SELECT f.kind, f.id, f.title,
                CASE WHEN length(f.body) > 140 THEN left(f.body, 139) || '…' ELSE f.body END AS body, f.status, f.hidden_by, f.theme, c.title AS campaign,
                account_pseudonym(f.account_id) AS author, f.created_at, count(*) OVER () AS total
           FROM found f JOIN campaigns c ON c.tenant_id = $1 AND c.id = f.campaign_id
          WHERE ($2 = '%%' OR (f.kind = 'idea' AND f.title ILIKE $2) OR f.body ILIKE $2)
            AND ($3 = '%%' OR account_pseudonym(f.account_id) ILIKE $3)
            AND ($4 = '' OR ($4 = 'withdrawn' AND f.hidden_by = 'author')
                 OR (f.status = $4 AND f.hidden_by IS DISTINCT FROM 'author'))
            AND ($5::uuid IS NULL OR f.campaign_id = $5)
            AND ($6 = '' OR f.theme = $6)
            AND ($7::date IS NULL OR f.created_at >= $7::date)
            AND ($8::date IS NULL OR f.created_at < $8::date + 1)
          ORDER BY f.created_at DESC, f.id
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
    .bind(s.genre.trim())
    .fetch_all(&mut **tx)
    .await
}

/// What a refused bulk action sent, shown again around the same search.
#[derive(Debug, Default, Serialize)]
pub struct Entry {
    /// Ticked ideas and comments.
    pub ids: Vec<Uuid>,
    pub comments: Vec<Uuid>,
    pub action: String,
    pub charter_reason: String,
    pub note: String,
    pub theme: String,
    pub analysis_theme: String,
}

/// The codes of a refused action's message (`contributions.refused.*`).
pub const REFUSALS: [&str; 6] = ["motif", "motif_charte", "note", "theme", "selection", "analyse"];

/// `GET /admin/contributions`.
pub async fn search(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::Moderate>,
    Query(s): Query<Search>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let error = s.erreur.clone();
    show(
        &state,
        &page,
        &operator,
        s,
        &raw.unwrap_or_default(),
        Entry::default(),
        error,
        StatusCode::OK,
    )
    .await
}

/// The search `raw` (a query string) as a page, with a refused action's entry kept: what the
/// refusal path of the bulk action calls too.
pub async fn show_refused(
    state: &Ground,
    page: &Page,
    operator: &ConsoleOf<right::Moderate>,
    raw: &str,
    entry: Entry,
    why: &str,
) -> Result<Response, PageError> {
    let s: Search = serde_urlencoded::from_str(raw).unwrap_or_default();
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    show(state, page, operator, s, raw, entry, Some(why.to_owned()), status).await
}

#[allow(clippy::too_many_arguments)]
async fn show(
    state: &Ground,
    page: &Page,
    operator: &ConsoleOf<right::Moderate>,
    s: Search,
    raw: &str,
    entry: Entry,
    error: Option<String>,
    status: StatusCode,
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
    // Filing under the analysis's themes needs one campaign: the one searched.
    let analysis_themes = match s.campagne.trim().parse::<Uuid>() {
        Ok(campaign) => crate::analysis::themes_to_file_under(&mut tx, campaign).await?,
        Err(_) => Vec::new(),
    };
    tx.commit().await?;
    let total = found.first().map_or(0, |f| f.total);
    let current = s.page.unwrap_or(1).max(1);
    // The search without its page and notice, for the pager's and the form's links.
    let kept: String = raw
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
        /// The earlier texts of the ideas and comments their authors edited, by id.
        versions: std::collections::HashMap<Uuid, Vec<super::versions::Version>>,
        total: i64,
        page: i64,
        pages: i64,
        kept: String,
        campaigns: Vec<(Uuid, String, Vec<String>)>,
        themes: Vec<String>,
        /// The searched campaign's analysis themes (key, name), when it has an analysis.
        analysis_themes: Vec<(Uuid, String)>,
        charter_reasons: Vec<Reason>,
        entry: Entry,
        done: Option<usize>,
        error: Option<String>,
    }
    let error = error
        .filter(|why| REFUSALS.contains(&why.as_str()))
        .map(|why| page.text(&format!("contributions.refused.{why}")));
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
        analysis_themes,
        charter_reasons: CharterReason::ALL
            .into_iter()
            .map(|r| Reason {
                code: r.code(),
                label: page.text(&r.label_key()),
                article: r.article(),
            })
            .collect(),
        entry,
    };
    render_console(
        page,
        operator,
        "console_contributions.html",
        "/admin/contributions",
        view,
        status,
    )
}
