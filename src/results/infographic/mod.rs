//! The one-page infographic "Ce que nous avons appris grâce à vous" in the space's colours: the
//! key figures, the leading answers of the survey, and the decisions.
//!
//! [`layout`] places everything once on a [`Sheet`] (shapes and text runs in pixel units, top
//! left origin); [`svg`] and [`pdf`] only translate that sheet, so both downloads always show
//! the same thing.

pub mod pdf;
pub mod svg;

use axum::extract::{Path, State};
use axum::response::Response;

use super::pages::Published;
use crate::campaigns::cache::CampaignCache;
use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::results::cache::ResultsCache;
use crate::web::Ground;
use crate::web::format::{integer, percent_of};
use crate::web::i18n::Lang;
use crate::web::page::Page;
use crate::web::pages::attachment;

/// A colour, from the space's branding (`#rrggbb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
    pub const INK: Rgb = Rgb(0x16, 0x16, 0x16);
    pub const GREY: Rgb = Rgb(0x33, 0x33, 0x33);
    pub const MUTED: Rgb = Rgb(0x55, 0x55, 0x55);
    /// The national blue, when a colour cannot be read.
    pub const BLUE: Rgb = Rgb(0x00, 0x00, 0x91);

    /// `#rrggbb` (what the tenant files and the console store); anything else gives the
    /// national blue.
    pub fn from_hex(text: &str) -> Rgb {
        let hex = text.trim().trim_start_matches('#');
        let channel = |i: usize| hex.get(i..i + 2).and_then(|c| u8::from_str_radix(c, 16).ok());
        match (hex.len(), channel(0), channel(2), channel(4)) {
            (6, Some(r), Some(g), Some(b)) => Rgb(r, g, b),
            _ => Rgb::BLUE,
        }
    }

    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// What a text run is, for the PDF's structure tree (screen readers) and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Title,
    Heading,
    Body,
}

/// One thing drawn on the sheet. Coordinates in pixels from the top left; a text's `y` is its
/// baseline.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Rgb,
    },
    Dot {
        cx: f32,
        cy: f32,
        r: f32,
        fill: Rgb,
    },
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        fill: Rgb,
        role: Role,
        text: String,
    },
}

/// The laid-out infographic.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub width: f32,
    pub height: f32,
    /// Document title (SVG `<title>`, PDF `/Title`).
    pub title: String,
    /// The figures in one sentence (SVG `<desc>`, PDF `/Subject`).
    pub description: String,
    /// `fr` or `en`.
    pub lang: &'static str,
    pub marks: Vec<Mark>,
}

/// How a text run looks, and what it is.
#[derive(Debug, Clone, Copy)]
struct Style {
    size: f32,
    bold: bool,
    fill: Rgb,
    role: Role,
}

const fn style(size: f32, bold: bool, fill: Rgb, role: Role) -> Style {
    Style { size, bold, fill, role }
}

impl Sheet {
    fn text(&mut self, x: f32, y: f32, style: Style, text: impl Into<String>) {
        self.marks.push(Mark::Text {
            x,
            y,
            size: style.size,
            bold: style.bold,
            fill: style.fill,
            role: style.role,
            text: text.into(),
        });
    }

    /// Every text run in drawing order (what a reader of the PDF hears).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.marks.iter().filter_map(|m| match m {
            Mark::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
    }
}

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

/// Lays out the infographic for `campaign` in the colours of `space`.
pub fn layout(space: &crate::tenancy::Tenant, campaign: &CampaignDetail, published: &Published, fr: bool) -> Sheet {
    let primary = Rgb::from_hex(&space.branding.primary_color);
    let lang = if fr { Lang::Fr } else { Lang::En };
    let heading = lang.text("infographic.heading");
    let f = &published.shared.results.figures;
    let counts = [f.participants, f.contributions(), f.responses, f.days];
    // Each figure's word agrees with it ("1 jour", "2 jours"), from the results page's texts.
    let labels = [
        ("results.participants", counts[0]),
        ("results.contributions", counts[1]),
        ("infographic.responses", counts[2]),
        ("infographic.days", counts[3]),
    ]
    .map(|(key, n)| lang.text(&format!("{key}.{}", lang.plural_form(n))));
    let figures = counts.map(|n| integer(lang, n));
    let (width, height) = (1080.0, 1350.0);
    let mut sheet = Sheet {
        width,
        height,
        title: format!("{heading} — {}", campaign.summary.title),
        description: format!(
            "{} {}, {} {}, {} {}, {} {}.",
            figures[0], labels[0], figures[1], labels[1], figures[2], labels[2], figures[3], labels[3]
        ),
        lang: if fr { "fr" } else { "en" },
        marks: vec![
            Mark::Rect {
                x: 0.0,
                y: 0.0,
                w: width,
                h: height,
                fill: Rgb::WHITE,
            },
            Mark::Rect {
                x: 0.0,
                y: 0.0,
                w: width,
                h: 260.0,
                fill: primary,
            },
        ],
    };
    sheet.text(60.0, 110.0, style(52.0, true, Rgb::WHITE, Role::Title), heading);
    let subtitle = style(30.0, false, Rgb::WHITE, Role::Body);
    sheet.text(60.0, 180.0, subtitle, cut(&campaign.summary.title, 60));
    sheet.text(
        60.0,
        225.0,
        style(24.0, false, Rgb::WHITE, Role::Body),
        space.name.clone(),
    );
    for (i, (value, label)) in figures.iter().zip(&labels).enumerate() {
        let x = 60.0 + i as f32 * 245.0;
        sheet.text(x, 370.0, style(64.0, true, primary, Role::Body), value.clone());
        sheet.text(x, 410.0, style(24.0, false, Rgb::GREY, Role::Body), label);
    }
    let y = answers(&mut sheet, published, primary, fr);
    decisions(&mut sheet, published, primary, fr, y);
    let footer = style(20.0, false, Rgb::MUTED, Role::Body);
    sheet.text(60.0, height - 50.0, footer, lang.text("site.name"));
    sheet
}

/// "Your answers": the first charted questions, their three most chosen options as bars.
/// Returns where the next section starts.
fn answers(sheet: &mut Sheet, published: &Published, primary: Rgb, fr: bool) -> f32 {
    let mut y = 500.0;
    let answers = if fr { Lang::Fr } else { Lang::En }.text("infographic.answers");
    sheet.text(60.0, y, style(34.0, true, Rgb::INK, Role::Heading), answers);
    y += 20.0;
    // Three charted questions fill the page; with decisions to show, two leave them room.
    let shown = if published.shared.decisions.is_empty() { 3 } else { 2 };
    for question in published
        .shared
        .results
        .questions
        .iter()
        .filter(|q| q.chart.is_some())
        .take(shown)
    {
        y += 50.0;
        sheet.text(
            60.0,
            y,
            style(24.0, true, Rgb::INK, Role::Body),
            cut(&question.label, 70),
        );
        let max = question.options.iter().map(|o| o.count).max().unwrap_or(0).max(1);
        let mut top: Vec<_> = question.options.iter().collect();
        if question.kind != "ranking" {
            top.sort_by_key(|o| std::cmp::Reverse(o.count));
        }
        for option in top.into_iter().take(3) {
            y += 42.0;
            let bar = (560 * option.count / max) as f32;
            sheet.marks.push(Mark::Rect {
                x: 60.0,
                y: y - 20.0,
                w: bar,
                h: 26.0,
                fill: primary,
            });
            let figure = if question.kind == "ranking" {
                String::new()
            } else {
                format!(
                    " {}",
                    percent_of(if fr { Lang::Fr } else { Lang::En }, option.percent as f64, 0)
                )
            };
            let text = format!("{}{figure}", cut(&option.label, 36));
            sheet.text(60.0 + bar + 12.0, y, style(20.0, false, Rgb::INK, Role::Body), text);
        }
    }
    y
}

/// A decision's status as the results page words it (adopted, under study, ...).
fn status_label(status: &str, fr: bool) -> String {
    let lang = if fr {
        crate::web::i18n::Lang::Fr
    } else {
        crate::web::i18n::Lang::En
    };
    lang.text(&format!("results.status.{status}"))
}

/// "What was decided": up to four decisions with their status, never over the footer.
fn decisions(sheet: &mut Sheet, published: &Published, primary: Rgb, fr: bool, mut y: f32) {
    if published.shared.decisions.is_empty() {
        return;
    }
    y += 80.0;
    let decided = if fr { Lang::Fr } else { Lang::En }.text("infographic.decided");
    sheet.text(60.0, y, style(34.0, true, Rgb::INK, Role::Heading), decided);
    for decision in published.shared.decisions.iter().take(4) {
        // Never over the footer.
        if y + 46.0 > sheet.height - 90.0 {
            break;
        }
        y += 46.0;
        sheet.marks.push(Mark::Dot {
            cx: 72.0,
            cy: y - 8.0,
            r: 8.0,
            fill: primary,
        });
        sheet.text(
            92.0,
            y,
            style(24.0, false, Rgb::INK, Role::Body),
            format!("{} · {}", status_label(&decision.status, fr), cut(&decision.title, 56)),
        );
    }
}

/// The downloads: the same sheet as SVG or as PDF.
#[derive(Debug, Clone, Copy)]
enum Format {
    Svg,
    Pdf,
}

/// `GET /consultations/{slug}/resultats/infographie.svg`.
pub async fn download_svg(
    state: State<Ground>,
    campaigns: State<CampaignCache>,
    results: State<ResultsCache>,
    page: Page,
    slug: Path<String>,
) -> Result<Response, PageError> {
    download(state, campaigns, results, page, slug, Format::Svg).await
}

/// `GET /consultations/{slug}/resultats/infographie.pdf`.
pub async fn download_pdf(
    state: State<Ground>,
    campaigns: State<CampaignCache>,
    results: State<ResultsCache>,
    page: Page,
    slug: Path<String>,
) -> Result<Response, PageError> {
    download(state, campaigns, results, page, slug, Format::Pdf).await
}

async fn download(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    State(results): State<ResultsCache>,
    page: Page,
    Path(slug): Path<String>,
    format: Format,
) -> Result<Response, PageError> {
    let campaign = campaigns
        .find(&state.db, &page.tenant, &slug)
        .await?
        .ok_or(PageError::NotFound)?;
    if !campaign.admits(&page.tenant, page.account.as_ref()) {
        return Err(PageError::NotFound);
    }
    let Some(published) = super::pages::published(&state, &results, &page.tenant, &campaign, page.lang.code()).await?
    else {
        return Err(PageError::NotFound);
    };
    let sheet = layout(&page.tenant, &campaign, &published, page.lang.code() != "en");
    let filename = |extension| format!("{slug}-ce-que-nous-avons-appris.{extension}");
    match format {
        Format::Svg => attachment(svg::render(&sheet), "image/svg+xml; charset=utf-8", &filename("svg")),
        Format::Pdf => attachment(pdf::render(&sheet), "application/pdf", &filename("pdf")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_read_from_the_branding_with_a_safe_fallback() {
        assert_eq!(Rgb::from_hex("#0a5c36"), Rgb(0x0a, 0x5c, 0x36));
        assert_eq!(Rgb::from_hex("#0a5c36").hex(), "#0a5c36");
        assert_eq!(Rgb::from_hex("red"), Rgb::BLUE);
        assert_eq!(Rgb::from_hex("#12345"), Rgb::BLUE);
        assert_eq!(Rgb::from_hex("#gg0000"), Rgb::BLUE);
    }

    #[test]
    fn long_texts_are_cut_with_an_ellipsis() {
        assert_eq!(cut("court", 10), "court");
        assert_eq!(cut("une phrase bien trop longue", 10), "une phras…");
        assert_eq!(cut("une phrase bien trop longue", 10).chars().count(), 10);
    }
}
