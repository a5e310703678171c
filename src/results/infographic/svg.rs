//! The sheet as SVG: one `<text>`, `<rect>` or `<circle>` per mark, with `<title>` and `<desc>`
//! for assistive technologies.

use std::fmt::Write;

use super::{Mark, Sheet};
use crate::web::charts::escape;

const FONT: &str = "Marianne, Arial, sans-serif";

/// A coordinate without a useless `.0`.
struct N(f32);

impl std::fmt::Display for N {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.fract() == 0.0 {
            write!(f, "{}", self.0 as i64)
        } else {
            write!(f, "{:.1}", self.0)
        }
    }
}

pub fn render(sheet: &Sheet) -> String {
    let (w, h) = (N(sheet.width), N(sheet.height));
    let mut svg = String::with_capacity(8192);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" lang="{}" aria-labelledby="ig-title ig-desc"><title id="ig-title">{}</title><desc id="ig-desc">{}</desc>"##,
        sheet.lang,
        escape(&sheet.title),
        escape(&sheet.description)
    );
    for mark in &sheet.marks {
        match mark {
            Mark::Rect { x, y, w, h, fill } => {
                let _ = write!(
                    svg,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
                    N(*x),
                    N(*y),
                    N(*w),
                    N(*h),
                    fill.hex()
                );
            }
            Mark::Dot { cx, cy, r, fill } => {
                let _ = write!(
                    svg,
                    r#"<circle cx="{}" cy="{}" r="{}" fill="{}"/>"#,
                    N(*cx),
                    N(*cy),
                    N(*r),
                    fill.hex()
                );
            }
            Mark::Text {
                x,
                y,
                size,
                bold,
                fill,
                text,
                ..
            } => {
                let weight = if *bold { r#" font-weight="700""# } else { "" };
                let _ = write!(
                    svg,
                    r#"<text x="{}" y="{}" font-family="{FONT}" font-size="{}"{weight} fill="{}">{}</text>"#,
                    N(*x),
                    N(*y),
                    N(*size),
                    fill.hex(),
                    escape(text)
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}
