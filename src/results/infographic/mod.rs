//! The one-page infographic "Ce que nous avons appris grâce à vous", drawn as SVG in the space's
//! colours: the key figures, the leading answers of the survey, and the decisions.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::pages::Published;
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::web::AppState;
use crate::web::charts::escape;
use crate::web::page::Page;

/// Text cut to `max` characters, with an ellipsis.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(max - 1).collect();
        short.push('…');
        short
    }
}

/// The infographic for `campaign` in the colours of `space`.
pub fn draw(space: &crate::tenancy::Tenant, campaign: &CampaignDetail, published: &Published, fr: bool) -> String {
    let (w, h) = (1080, 1350);
    let primary = escape(&space.branding.primary_color);
    let title = if fr {
        "Ce que nous avons appris grâce à vous"
    } else {
        "What we learned thanks to you"
    };
    let f = &published.results.figures;
    let labels = if fr {
        ["participant·es", "contributions", "réponses", "jours"]
    } else {
        ["participants", "contributions", "responses", "days"]
    };
    let figures = [f.participants, f.contributions(), f.responses, f.days];
    let mut svg = String::with_capacity(8192);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="ig-title ig-desc"><title id="ig-title">{} — {}</title><desc id="ig-desc">{}</desc>"##,
        escape(title),
        escape(&campaign.summary.title),
        escape(&format!(
            "{} {}, {} {}, {} {}, {} {}.",
            figures[0], labels[0], figures[1], labels[1], figures[2], labels[2], figures[3], labels[3]
        ))
    );
    let _ = write!(
        svg,
        r##"<rect width="{w}" height="{h}" fill="#ffffff"/><rect width="{w}" height="260" fill="{primary}"/><text x="60" y="110" font-family="Marianne, Arial, sans-serif" font-size="52" font-weight="700" fill="#ffffff">{}</text><text x="60" y="180" font-family="Marianne, Arial, sans-serif" font-size="30" fill="#ffffff">{}</text><text x="60" y="225" font-family="Marianne, Arial, sans-serif" font-size="24" fill="#ffffff">{}</text>"##,
        escape(title),
        escape(&cut(&campaign.summary.title, 60)),
        escape(&space.name)
    );
    for (i, (value, label)) in figures.iter().zip(labels).enumerate() {
        let x = 60 + i as i32 * 245;
        let _ = write!(
            svg,
            r##"<text x="{x}" y="370" font-family="Marianne, Arial, sans-serif" font-size="64" font-weight="700" fill="{primary}">{value}</text><text x="{x}" y="410" font-family="Marianne, Arial, sans-serif" font-size="24" fill="#333333">{}</text>"##,
            escape(label)
        );
    }
    let mut y = 500;
    let heading = if fr { "Vos réponses" } else { "Your answers" };
    let _ = write!(
        svg,
        r##"<text x="60" y="{y}" font-family="Marianne, Arial, sans-serif" font-size="34" font-weight="700" fill="#161616">{}</text>"##,
        escape(heading)
    );
    y += 20;
    for question in published.results.questions.iter().filter(|q| q.chart.is_some()).take(3) {
        y += 50;
        let _ = write!(
            svg,
            r##"<text x="60" y="{y}" font-family="Marianne, Arial, sans-serif" font-size="24" font-weight="700" fill="#161616">{}</text>"##,
            escape(&cut(&question.label, 70))
        );
        let max = question.options.iter().map(|o| o.count).max().unwrap_or(0).max(1);
        let mut top: Vec<_> = question.options.iter().collect();
        if question.kind != "ranking" {
            top.sort_by_key(|o| std::cmp::Reverse(o.count));
        }
        for option in top.into_iter().take(3) {
            y += 42;
            let width = 560 * option.count / max;
            let figure = if question.kind == "ranking" {
                String::new()
            } else {
                format!("{} %", option.percent)
            };
            let _ = write!(
                svg,
                r##"<rect x="60" y="{}" width="{width}" height="26" fill="{primary}"/><text x="{}" y="{}" font-family="Marianne, Arial, sans-serif" font-size="20" fill="#161616">{} {}</text>"##,
                y - 20,
                60 + width + 12,
                y,
                escape(&cut(&option.label, 36)),
                escape(&figure)
            );
        }
    }
    if !published.decisions.is_empty() {
        y += 80;
        let heading = if fr {
            "Ce qui a été décidé"
        } else {
            "What was decided"
        };
        let _ = write!(
            svg,
            r##"<text x="60" y="{y}" font-family="Marianne, Arial, sans-serif" font-size="34" font-weight="700" fill="#161616">{}</text>"##,
            escape(heading)
        );
        for decision in published.decisions.iter().take(4) {
            y += 46;
            let _ = write!(
                svg,
                r##"<circle cx="72" cy="{}" r="8" fill="{primary}"/><text x="92" y="{y}" font-family="Marianne, Arial, sans-serif" font-size="24" fill="#161616">{}</text>"##,
                y - 8,
                escape(&cut(&decision.title, 70))
            );
        }
    }
    let _ = write!(
        svg,
        r##"<text x="60" y="{}" font-family="Marianne, Arial, sans-serif" font-size="20" fill="#555555">La Caf à votre écoute</text></svg>"##,
        h - 50
    );
    svg
}

/// `GET /consultations/{slug}/resultats/infographie.svg`: the infographic, to download.
pub async fn download(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let campaign = state
        .campaigns
        .find(&state.db, &page.tenant, &slug)
        .await?
        .ok_or(PageError::NotFound)?;
    if !campaign.admits(&page.tenant, page.account.as_ref()) {
        return Err(PageError::NotFound);
    }
    let Some(published) = super::pages::published(&state, &page.tenant, &campaign, page.lang.code()).await? else {
        return Err(PageError::NotFound);
    };
    let svg = draw(&page.tenant, &campaign, &published, page.lang.code() != "en");
    let mut response = svg.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml; charset=utf-8"),
    );
    let disposition = format!("attachment; filename=\"{slug}-ce-que-nous-avons-appris.svg\"");
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?,
    );
    Ok(response)
}
