//! Charts drawn on the server as SVG: no script, readable by screen readers (`role="img"` with a
//! `<title>` and a `<desc>` that states the figures), and always shown beside a data table by
//! the templates. Colours come from attributes, not `style`, so the CSP needs no exception.

use std::fmt::Write;

use super::format::integer;
use super::i18n::Lang;

/// One bar: its label (shown under the axis when there is room) and its value.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    /// What the bar's title says of it after its label, written for the page's language
    /// (`12 (35 %)`); by default its value (`12 345`).
    pub shown: Option<String>,
}

/// A vertical bar chart scaled to its largest value, its words and numbers in `lang`. `id` must
/// be unique on the page: it names the title and description the chart is labelled by.
pub fn bar_chart(lang: Lang, id: &str, title: &str, description: &str, bars: &[Bar], colour: &str) -> String {
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 220.0;
    const AXIS: f64 = 24.0;
    const TOP: f64 = 16.0;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let slot = if bars.is_empty() {
        WIDTH
    } else {
        WIDTH / bars.len() as f64
    };
    let bar_width = (slot * 0.7).max(1.0);
    let plot = HEIGHT - AXIS - TOP;
    let mut svg = String::with_capacity(256 + bars.len() * 160);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc" class="chart"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(description)
    );
    let _ = write!(
        svg,
        r##"<line x1="0" y1="{y}" x2="{WIDTH}" y2="{y}" stroke="#666" stroke-width="1"/>"##,
        y = HEIGHT - AXIS
    );
    // Label every bar when they fit, else about ten of them.
    let label_every = (bars.len() / 10).max(1);
    for (i, bar) in bars.iter().enumerate() {
        let h = plot * bar.value.max(0) as f64 / max;
        let x = i as f64 * slot + (slot - bar_width) / 2.0;
        let y = HEIGHT - AXIS - h;
        let _ = write!(
            svg,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{bar_width:.1}" height="{h:.1}" fill="{}"><title>{}</title></rect>"#,
            escape(colour),
            escape(&lang.fill(
                "charts.bar",
                &[
                    ("label", &bar.label),
                    ("value", &bar.shown.clone().unwrap_or_else(|| integer(lang, bar.value)))
                ]
            )),
        );
        if i % label_every == 0 {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#333">{}</text>"##,
                x + bar_width / 2.0,
                HEIGHT - 8.0,
                escape(&bar.label)
            );
        }
    }
    let _ = write!(
        svg,
        r##"<text x="2" y="12" font-size="11" fill="#333">{}</text></svg>"##,
        escape(&lang.fill("charts.max", &[("value", &integer(lang, max as i64))]))
    );
    svg
}

/// Escapes text for SVG (XML) content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // XML 1.0 forbids the other control characters, even escaped: a stray one in a
            // label would make the whole chart unreadable.
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() && (c as u32) < 0x20 => {}
            '\u{fffe}' | '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_chart_is_accessible_svg_with_escaped_text() {
        let bars = vec![
            Bar {
                label: "1".into(),
                value: 3,
                shown: None,
            },
            Bar {
                label: "<2>".into(),
                value: 12_345,
                shown: None,
            },
        ];
        let svg = bar_chart(Lang::Fr, "chart", "Contributions & co", "3 puis 6", &bars, "#000091");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("<title id=\"chart-title\">Contributions &amp; co</title>"));
        assert!(svg.contains("<desc id=\"chart-desc\">3 puis 6</desc>"));
        assert!(svg.contains("&lt;2&gt;"));
        assert_eq!(svg.matches("<rect").count(), 2);
        // The tallest bar fills the plot: 220 - 24 - 16 = 180.
        assert!(svg.contains(r#"height="180.0""#));
        assert!(svg.ends_with("</svg>"));
        // Numbers as the page's language writes them, in the bars' titles and the scale.
        assert!(svg.contains("<title>&lt;2&gt;\u{a0}: 12\u{202f}345</title>"), "{svg}");
        assert!(svg.contains(">max. 12\u{202f}345</text>"), "{svg}");
        let svg = bar_chart(Lang::En, "chart", "x", "y", &bars, "#000091");
        assert!(svg.contains("<title>&lt;2&gt;: 12,345</title>"), "{svg}");
        assert!(svg.contains(">max. 12,345</text>"), "{svg}");
    }

    #[test]
    fn characters_xml_forbids_are_dropped() {
        assert_eq!(escape("a\u{1}b\u{1b}c\nd\u{fffe}"), "abc d");
        assert_eq!(escape("« l’été »"), "« l’été »");
    }
}
