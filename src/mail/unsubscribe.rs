//! `/desabonnement/{token}`: leaving a space's list mail.
//!
//! - `GET` shows a confirmation form (a link opened by a mail scanner unsubscribes nobody);
//! - `POST` unsubscribes: the form's button, or the mail provider's one-click request (RFC 8058,
//!   `List-Unsubscribe=One-Click`), which comes without cookies. So there is no CSRF token: the
//!   token in the URL is the proof, 256 random bits that only the recipient's mail holds, and
//!   all it can do is unsubscribe that address from that space.
//!
//! With `?idee={id}`, the same link is narrowed to one idea the person follows: the mail of a
//! conversation (`ideas::follows`) carries it, and it stops following that idea only (the
//! `idea_follows` rows of the address's account in this space), not the space's other mail.
//!
//! `/desabonnement/suivi/{token}` does the same for one follow of a campaign's news (the link of
//! news mail): its token belongs to the follow, and ends it, leaving the space's other list mail
//! alone.
//!
//! [`routes`] is a group of its own in `app::router`, behind the request envelope and tenant
//! resolution only: these routes resolve the space like every page, but one-click requests come
//! from a few addresses of the big mail providers and must not hit the per-client write limit.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use minijinja::Environment;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::PageError;
use crate::tenancy::{CurrentTenant, TenantTx};
use crate::web::Ground;
use crate::web::i18n::Lang;
use crate::web::templates::PageFrame;

/// The routes: a group of their own, behind tenant resolution (which they need) and without the
/// write limit.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Ground: axum::extract::FromRef<S>,
{
    Router::new()
        .route("/desabonnement/{token}", get(confirm_form).post(unsubscribe))
        .route(
            "/desabonnement/suivi/{token}",
            get(follow_confirm_form).post(stop_following),
        )
}

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("../web/templates/base.html")),
        ("unsubscribe.html", include_str!("../web/templates/unsubscribe.html")),
    ] {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
});

/// `?idee={id}`: the link narrowed to one followed idea.
#[derive(Deserialize, Default)]
struct Narrowed {
    idee: Option<String>,
}

impl Narrowed {
    /// The idea, when the parameter is one (anything else: the space-wide link).
    fn idea(&self) -> Option<Uuid> {
        self.idee.as_deref().and_then(|i| i.parse().ok())
    }
}

/// `GET /desabonnement/{token}`: asks for confirmation.
async fn confirm_form(
    State(state): State<Ground>,
    tenant: CurrentTenant,
    Path(token): Path<String>,
    Query(narrowed): Query<Narrowed>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let lang = Lang::from_headers(&headers);
    let mut tx = state.db.begin(&tenant).await?;
    let Some(address) = find_address(&mut tx, &token).await? else {
        return unknown(lang, &tenant, page_path("/desabonnement", &token), "mail.unknown_body");
    };
    let texts = |key: &str| fill(&lang.text(key), &tenant.name, &address);
    let idea = narrowed.idea();
    let (title, question, note) = match idea {
        Some(_) => ("mail_unfollow.title", "mail_unfollow.question", "mail_unfollow.note"),
        None => (
            "mail.unsubscribe_title",
            "mail.unsubscribe_question",
            "mail.unsubscribe_note",
        ),
    };
    page(
        lang,
        &tenant,
        narrowed_path(&token, idea),
        StatusCode::OK,
        texts(title),
        vec![texts(question), texts(note)],
        true,
    )
}

/// `POST /desabonnement/{token}`: unsubscribes (idempotent), whatever the body says.
async fn unsubscribe(
    State(state): State<Ground>,
    tenant: CurrentTenant,
    Path(token): Path<String>,
    Query(narrowed): Query<Narrowed>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let lang = Lang::from_headers(&headers);
    let mut tx = state.db.begin(&tenant).await?;
    let Some(address) = find_address(&mut tx, &token).await? else {
        return unknown(lang, &tenant, page_path("/desabonnement", &token), "mail.unknown_body");
    };
    if let Some(idea) = narrowed.idea() {
        // Stops following this idea; the space's other mail keeps coming.
        sqlx::query!(
            "DELETE FROM idea_follows f USING accounts a
              WHERE f.tenant_id = $1 AND f.idea_id = $2 AND f.account_id = a.id AND lower(a.email) = $3",
            tenant.id,
            idea,
            &address,
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let texts = |key: &str| fill(&lang.text(key), &tenant.name, &address);
        let (title, body) = (texts("mail_unfollow.done_title"), texts("mail_unfollow.done_body"));
        return page(
            lang,
            &tenant,
            narrowed_path(&token, Some(idea)),
            StatusCode::OK,
            title,
            vec![body],
            false,
        );
    }
    sqlx::query!(
        "INSERT INTO mail_suppressions (tenant_id, address, reason) VALUES ($1, $2, 'unsubscribed')
         ON CONFLICT (tenant_id, address) DO NOTHING",
        tenant.id,
        &address,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(tenant = %tenant.slug, "address unsubscribed from list mail");
    let texts = |key: &str| fill(&lang.text(key), &tenant.name, &address);
    page(
        lang,
        &tenant,
        page_path("/desabonnement", &token),
        StatusCode::OK,
        texts("mail.unsubscribed_title"),
        vec![texts("mail.unsubscribed_body"), texts("mail.unsubscribe_note")],
        false,
    )
}

/// The address behind a token, in this space only.
async fn find_address(tx: &mut TenantTx, token: &str) -> Result<Option<String>, sqlx::Error> {
    let Some(token) = decode(token) else {
        return Ok(None);
    };
    sqlx::query_scalar!(
        "SELECT address FROM mail_recipients WHERE tenant_id = $1 AND unsubscribe_token = $2",
        tx.tenant_id(),
        token,
    )
    .fetch_optional(&mut **tx)
    .await
}

fn fill(text: &str, space: &str, address: &str) -> String {
    text.replace("{space}", space).replace("{address}", address)
}

/// The page of a token that is not (or no longer) one of this space's (404): `body` says which
/// kind of link it was.
fn unknown(lang: Lang, tenant: &CurrentTenant, path: String, body: &str) -> Result<Response, PageError> {
    page(
        lang,
        tenant,
        path,
        StatusCode::NOT_FOUND,
        lang.text("mail.unknown_title"),
        vec![lang.text(body)],
        false,
    )
}

/// `GET /desabonnement/suivi/{token}`: asks for confirmation before ending one follow of a
/// campaign's news (the link of news mail; see `src/results/news.rs`).
async fn follow_confirm_form(
    State(state): State<Ground>,
    tenant: CurrentTenant,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    follow_page(&state, &tenant, &token, &headers, false).await
}

/// `POST /desabonnement/suivi/{token}`: ends the follow (the form's button, or the mail
/// provider's one-click request, RFC 8058). The token is the proof, as for [`unsubscribe`].
async fn stop_following(
    State(state): State<Ground>,
    tenant: CurrentTenant,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    follow_page(&state, &tenant, &token, &headers, true).await
}

/// The page of a follow's token: the question (`stop` false), or the follow ended and the
/// answer.
async fn follow_page(
    state: &Ground,
    tenant: &CurrentTenant,
    token: &str,
    headers: &HeaderMap,
    stop: bool,
) -> Result<Response, PageError> {
    let lang = Lang::from_headers(headers);
    let mut tx = state.db.begin(tenant).await?;
    let campaign = match decode(token) {
        Some(raw) if stop => {
            sqlx::query_scalar!(
                "WITH gone AS (
                 DELETE FROM campaign_followers WHERE tenant_id = $1 AND unsubscribe_token = $2
                 RETURNING tenant_id, campaign_id
             )
             SELECT c.title FROM gone JOIN campaigns c ON c.tenant_id = gone.tenant_id AND c.id = gone.campaign_id",
                tx.tenant_id(),
                raw,
            )
            .fetch_optional(&mut *tx)
            .await?
        }
        Some(raw) => {
            sqlx::query_scalar!(
                "SELECT c.title FROM campaign_followers f
               JOIN campaigns c ON c.tenant_id = f.tenant_id AND c.id = f.campaign_id
              WHERE f.tenant_id = $1 AND f.unsubscribe_token = $2",
                tx.tenant_id(),
                raw,
            )
            .fetch_optional(&mut *tx)
            .await?
        }
        None => None,
    };
    tx.commit().await?;
    let path = page_path("/desabonnement/suivi", token);
    let Some(campaign) = campaign else {
        return unknown(lang, tenant, path, "news_mail.unknown_body");
    };
    let texts = |key: &str| {
        lang.text(key)
            .replace("{space}", &tenant.name)
            .replace("{campaign}", &campaign)
    };
    let (title, body) = if stop {
        tracing::info!(tenant = %tenant.slug, "a follower left a campaign's news");
        ("news_mail.unsubscribed_title", "news_mail.unsubscribed_body")
    } else {
        ("news_mail.unsubscribe_title", "news_mail.unsubscribe_question")
    };
    let paragraphs = vec![texts(body), texts("news_mail.unsubscribe_note")];
    page(lang, tenant, path, StatusCode::OK, texts(title), paragraphs, !stop)
}

fn decode(token: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(token).ok().filter(|t| t.len() == 32)
}

/// The page's path for the space-wide link, narrowed to one idea when `idea` is set.
fn narrowed_path(token: &str, idea: Option<Uuid>) -> String {
    let path = page_path("/desabonnement", token);
    match idea {
        Some(idea) => format!("{path}?idee={idea}"),
        None => path,
    }
}

/// The page's own path, which holds the token: only echoed when it decodes, so the page never
/// shows junk.
fn page_path(prefix: &str, token: &str) -> String {
    if URL_SAFE_NO_PAD.decode(token).is_ok() {
        format!("{prefix}/{token}")
    } else {
        "/".to_owned()
    }
}

fn page(
    lang: Lang,
    tenant: &CurrentTenant,
    path: String,
    status: StatusCode,
    title: String,
    paragraphs: Vec<String>,
    with_form: bool,
) -> Result<Response, PageError> {
    #[derive(Serialize)]
    struct Context<'a> {
        #[serde(flatten)]
        frame: PageFrame<'a>,
        title: String,
        paragraphs: Vec<String>,
        action: Option<String>,
    }
    let context = Context {
        // The frame (language links) takes the path without the `?idee=` of a narrowed link.
        frame: PageFrame::new(lang, Some(&**tenant), path.split('?').next().unwrap_or("/")),
        title,
        paragraphs,
        action: with_form.then(|| path.clone()),
    };
    let html = TEMPLATES
        .get_template("unsubscribe.html")
        .and_then(|t| t.render(minijinja::value::Serde(&context)))
        .map_err(anyhow::Error::from)?;
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    Ok(response)
}
