//! The four rules pages of a space, linked from every page's footer: legal notice, personal
//! data, participation charter, accessibility statement. Each is drawn from the space (its
//! name, kind, host), what its operator filled in ([`super::store`]), and the platform's own
//! facts (retention periods, charter articles, accessibility state).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::accessibility::{self, AXE_TAGS, AXE_VERSION};
use super::charter::{ARTICLES, reasons_of};
use super::retention::{Periods, WorkshopRetention, periods, workshop_retentions};
use super::store::{self, SpaceRules};
use crate::error::PageError;
use crate::tenancy::TenantKind;
use crate::web::Ground;
use crate::web::page::Page;

/// What every rules page shows of the space.
#[derive(Serialize)]
struct Space {
    /// Who publishes this space, with its article: "la Caf de la Gironde", or the Cnaf.
    publisher: String,
    /// The same, to open a sentence: "La Caf de la Gironde".
    publisher_cap: String,
    national: bool,
    /// "La Caf à votre écoute – Caf de la Gironde".
    site: String,
    /// `https://gironde.…`: the address the statements apply to.
    origin: String,
    rules: SpaceRules,
}

async fn space(state: &Ground, page: &Page) -> Result<Space, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (rules, _) = store::find(&mut tx).await?;
    tx.commit().await?;
    Ok(space_of(page, rules))
}

fn space_of(page: &Page, rules: SpaceRules) -> Space {
    let national = page.tenant.kind == TenantKind::National;
    let publisher = if national {
        page.text("rules.publisher_national")
    } else {
        page.text("rules.publisher_local").replace("{name}", &page.tenant.name)
    };
    let mut letters = publisher.chars();
    let publisher_cap = letters
        .next()
        .map_or_else(String::new, |first| first.to_uppercase().chain(letters).collect());
    Space {
        site: format!("{} – {}", page.text("site.name"), page.tenant.name),
        publisher_cap,
        publisher,
        national,
        origin: page.origin.base_url(),
        rules,
    }
}

/// `GET /mentions-legales`.
pub async fn legal_notice(State(state): State<Ground>, page: Page) -> Result<Response, PageError> {
    let space = space(&state, &page).await?;
    Ok(page.render("rules_legal.html", space)?.into_response())
}

/// `GET /donnees-personnelles`: with the retention periods as configured, the space's
/// workshop recruitments included.
pub async fn personal_data(
    State(state): State<Ground>,
    State(retention): State<crate::config::Retention>,
    page: Page,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (rules, _) = store::find(&mut tx).await?;
    let workshops = workshop_retentions(&mut tx).await?;
    tx.commit().await?;
    #[derive(Serialize)]
    struct View {
        #[serde(flatten)]
        space: Space,
        periods: Periods,
        workshops: Vec<WorkshopRetention>,
    }
    let view = View {
        space: space_of(&page, rules),
        periods: periods(&retention),
        workshops,
    };
    Ok(page.render("rules_privacy.html", view)?.into_response())
}

/// `GET /charte-de-participation`: numbered articles (`#article-<n>`), each with the moderation
/// reasons that cite it.
pub async fn charter(State(state): State<Ground>, page: Page) -> Result<Response, PageError> {
    #[derive(Serialize)]
    struct ArticleView {
        number: u8,
        key: &'static str,
        reasons: Vec<String>,
    }
    #[derive(Serialize)]
    struct View {
        #[serde(flatten)]
        space: Space,
        articles: Vec<ArticleView>,
    }
    let articles = ARTICLES
        .iter()
        .map(|a| ArticleView {
            number: a.number,
            key: a.key,
            reasons: reasons_of(a.number)
                .into_iter()
                .map(|r| page.text(&r.label_key()))
                .collect(),
        })
        .collect();
    let view = View {
        space: space(&state, &page).await?,
        articles,
    };
    Ok(page.render("rules_charter.html", view)?.into_response())
}

/// `GET /accessibilite`: the RGAA 4.1 statement, with the multi-year plan
/// (`#schema-pluriannuel`).
pub async fn accessibility(State(state): State<Ground>, page: Page) -> Result<Response, PageError> {
    #[derive(Serialize)]
    struct View {
        #[serde(flatten)]
        space: Space,
        conformity: &'static str,
        audit: Option<AuditView>,
        statement_date: String,
        axe_version: &'static str,
        axe_tags: String,
    }
    #[derive(Serialize)]
    struct AuditView {
        date: String,
        auditor: &'static str,
        rate_percent: u8,
    }
    let view = View {
        space: space(&state, &page).await?,
        conformity: accessibility::current().code(),
        audit: accessibility::AUDIT.map(|a| AuditView {
            date: a.date.format("%d-%m-%Y").to_string(),
            auditor: a.auditor,
            rate_percent: a.rate_percent,
        }),
        statement_date: long_date(&page, accessibility::statement_date()),
        axe_version: AXE_VERSION,
        axe_tags: AXE_TAGS.join(", "),
    };
    Ok(page.render("rules_accessibility.html", view)?.into_response())
}

/// "7 décembre 2026" / "7 December 2026".
fn long_date(page: &Page, date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let month = page.text(&format!("rules.months.m{}", date.month()));
    let day = if date.day() == 1 && page.lang.code() == "fr" {
        "1er".to_owned()
    } else {
        date.day().to_string()
    };
    format!("{day} {month} {}", date.year())
}
