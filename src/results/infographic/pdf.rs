//! The sheet as a one-page, tagged PDF (for printing: a poster at the Caf's reception).
//!
//! Text uses the standard Helvetica fonts every PDF reader has, in WinAnsi encoding (French
//! letters, `’`, `«`, `…`, `œ` and `€` included), so nothing is embedded and the file stays a few
//! kilobytes. The document is tagged: a title and language for the reader, and a structure tree
//! (title, headings, paragraphs) in reading order, with the decorative shapes marked as
//! artifacts, so a screen reader reads the figures in order.

use pdf_writer::types::{StructRole, TabOrder};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::{Mark, Rgb, Role, Sheet};

/// A4 width in points; the sheet keeps its proportions.
const PAGE_WIDTH: f32 = 595.28;

/// Bézier handle length for a quarter circle.
const KAPPA: f32 = 0.552_284_8;

pub fn render(sheet: &Sheet) -> Vec<u8> {
    let scale = PAGE_WIDTH / sheet.width;
    let page_height = sheet.height * scale;

    let catalog_id = Ref::new(1);
    let pages_id = Ref::new(2);
    let page_id = Ref::new(3);
    let regular_id = Ref::new(4);
    let bold_id = Ref::new(5);
    let content_id = Ref::new(6);
    let info_id = Ref::new(7);
    let root_id = Ref::new(8);
    let parents_id = Ref::new(9);
    let document_id = Ref::new(10);
    let first_element = 11;

    let (content, elements) = draw(sheet, scale, page_height, first_element);

    let mut pdf = Pdf::new();
    let mut catalog = pdf.catalog(catalog_id);
    catalog.pages(pages_id);
    catalog.lang(TextStr(sheet.lang));
    catalog.pair(Name(b"StructTreeRoot"), root_id);
    catalog.mark_info().marked(true);
    catalog.viewer_preferences().display_doc_title(true);
    catalog.finish();
    pdf.pages(pages_id).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.parent(pages_id)
        .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, page_height))
        .contents(content_id)
        .struct_parents(0)
        .tab_order(TabOrder::StructureOrder);
    page.resources()
        .fonts()
        .pair(Name(b"F1"), regular_id)
        .pair(Name(b"F2"), bold_id);
    page.finish();
    for (id, font) in [(regular_id, &b"Helvetica"[..]), (bold_id, &b"Helvetica-Bold"[..])] {
        pdf.type1_font(id)
            .base_font(Name(font))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.stream(content_id, &content.finish());
    pdf.document_info(info_id)
        .title(TextStr(&sheet.title))
        .subject(TextStr(&sheet.description))
        .creator(TextStr("ecoute — La Caf à votre écoute"));

    // Structure: root → Document → one element per text run, in drawing (reading) order.
    let mut root = pdf.indirect(root_id).start::<pdf_writer::writers::StructTreeRoot>();
    root.child(document_id);
    root.parent_tree().nums().insert(0, parents_id);
    root.parent_tree_next_key(1);
    root.finish();
    // The page's marked contents, indexed by MCID.
    pdf.indirect(parents_id)
        .array()
        .items(elements.iter().map(|(id, _)| *id));
    let mut document = pdf.struct_element(document_id);
    document.kind(StructRole::Document).parent(root_id).page(page_id);
    let mut kids = document.children();
    for (id, _) in &elements {
        kids.struct_element(*id);
    }
    kids.finish();
    document.finish();
    for (mcid, (id, role)) in elements.iter().enumerate() {
        pdf.struct_element(*id)
            .kind(match role {
                Role::Title => StructRole::H1,
                Role::Heading => StructRole::H2,
                Role::Body => StructRole::P,
            })
            .parent(document_id)
            .page(page_id)
            .children()
            .marked_content_id(mcid as i32);
    }
    pdf.finish()
}

/// The page's drawing, each text run marked with its MCID, and the structure element each
/// run will have (numbered from `first_element`), in drawing (reading) order.
fn draw(sheet: &Sheet, scale: f32, page_height: f32, first_element: i32) -> (Content, Vec<(Ref, Role)>) {
    // Page coordinates: points from the bottom left.
    let x = |px: f32| px * scale;
    let y = |px: f32| page_height - px * scale;
    let mut content = Content::new();
    let mut elements: Vec<(Ref, Role)> = Vec::new();
    for mark in &sheet.marks {
        match mark {
            Mark::Rect {
                x: left,
                y: top,
                w,
                h,
                fill,
            } => {
                content.begin_marked_content(Name(b"Artifact"));
                fill_colour(&mut content, *fill);
                content.rect(x(*left), y(top + h), w * scale, h * scale);
                content.fill_nonzero();
                content.end_marked_content();
            }
            Mark::Dot { cx, cy, r, fill } => {
                content.begin_marked_content(Name(b"Artifact"));
                fill_colour(&mut content, *fill);
                circle(&mut content, x(*cx), y(*cy), r * scale);
                content.fill_nonzero();
                content.end_marked_content();
            }
            Mark::Text {
                x: left,
                y: baseline,
                size,
                bold,
                fill,
                role,
                text,
            } => {
                let mcid = elements.len() as i32;
                elements.push((Ref::new(first_element + mcid), *role));
                content
                    .begin_marked_content_with_properties(Name(tag(*role)))
                    .properties()
                    .identify(mcid);
                content.begin_text();
                content.set_font(Name(if *bold { b"F2" } else { b"F1" }), size * scale);
                fill_colour(&mut content, *fill);
                content.next_line(x(*left), y(*baseline));
                content.show(Str(&win_ansi(text)));
                content.end_text();
                content.end_marked_content();
            }
        }
    }
    (content, elements)
}

fn tag(role: Role) -> &'static [u8] {
    match role {
        Role::Title => b"H1",
        Role::Heading => b"H2",
        Role::Body => b"P",
    }
}

fn fill_colour(content: &mut Content, colour: Rgb) {
    let c = |v: u8| f32::from(v) / 255.0;
    content.set_fill_rgb(c(colour.0), c(colour.1), c(colour.2));
}

/// A circle from four Bézier quarter arcs.
fn circle(content: &mut Content, cx: f32, cy: f32, r: f32) {
    let k = r * KAPPA;
    content.move_to(cx + r, cy);
    content.cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
    content.cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
    content.cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
    content.cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
    content.close_path();
}

/// Text in WinAnsiEncoding (Windows-1252), the encoding of the standard fonts. Narrow and plain
/// no-break spaces become a no-break space; a character outside the encoding loses its accent
/// if that makes it Latin (`ő` → `o`), else becomes `?`.
pub fn win_ansi(text: &str) -> Vec<u8> {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let mut bytes = Vec::with_capacity(text.len());
    // Composed first: an `e` followed by a combining acute accent is `é`.
    for c in text.nfc() {
        let byte = match c {
            // Marks left over (on letters WinAnsi lacks) and invisible format characters: dropped.
            _ if is_combining_mark(c) => continue,
            '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}' => continue,
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '\u{202f}' | '\u{2007}' => 0xa0,
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8a,
            '‹' => 0x8b,
            'Œ' => 0x8c,
            'Ž' => 0x8e,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9a,
            '›' => 0x9b,
            'œ' => 0x9c,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            '\t' | '\n' | '\r' => b' ',
            _ => match std::iter::once(c).nfd().next() {
                Some(base) if base.is_ascii_graphic() => base as u8,
                _ => b'?',
            },
        };
        bytes.push(byte);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_maps_to_win_ansi() {
        assert_eq!(win_ansi("Caf à l’écoute"), b"Caf \xe0 l\x92\xe9coute");
        assert_eq!(win_ansi("« Œuvre » … 3 €"), b"\xab \x8cuvre \xbb \x85 3 \x80");
        assert_eq!(win_ansi("participant·es"), b"participant\xb7es");
        assert_eq!(win_ansi("12\u{202f}%"), b"12\xa0%");
        assert_eq!(win_ansi("Łódź ő 日"), b"?\xf3dz o ?");
        // Decomposed accents (pasted from a PDF or a Mac) compose; invisible characters go.
        assert_eq!(win_ansi("cre\u{301}che\u{200b}\u{feff}"), b"cr\xe9che");
        assert_eq!(win_ansi("s\u{327}\u{301}"), b"s");
    }

    fn sheet() -> Sheet {
        Sheet {
            width: 1080.0,
            height: 1350.0,
            title: "Ce que nous avons appris grâce à vous — Test".into(),
            description: "3 participant·es.".into(),
            lang: "fr",
            marks: vec![
                Mark::Rect {
                    x: 0.0,
                    y: 0.0,
                    w: 1080.0,
                    h: 260.0,
                    fill: Rgb(0x0a, 0x5c, 0x36),
                },
                Mark::Text {
                    x: 60.0,
                    y: 110.0,
                    size: 52.0,
                    bold: true,
                    fill: Rgb::WHITE,
                    role: Role::Title,
                    text: "Ce que nous avons appris grâce à vous".into(),
                },
                Mark::Dot {
                    cx: 72.0,
                    cy: 500.0,
                    r: 8.0,
                    fill: Rgb::BLUE,
                },
                Mark::Text {
                    x: 92.0,
                    y: 508.0,
                    size: 24.0,
                    bold: false,
                    fill: Rgb::INK,
                    role: Role::Body,
                    text: "Un formulaire unique".into(),
                },
            ],
        }
    }

    /// The byte offsets in the cross-reference table, which every reader relies on.
    fn xref_offsets(pdf: &[u8]) -> Vec<usize> {
        // Offsets count bytes, and the content holds WinAnsi bytes: search the bytes.
        let at = pdf.windows(9).rposition(|w| w == b"startxref").expect("startxref");
        let tail = std::str::from_utf8(&pdf[at + 9..]).expect("ASCII trailer");
        let start: usize = tail
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .expect("offset");
        let table = std::str::from_utf8(&pdf[start..]).expect("ASCII table and trailer");
        assert!(table.starts_with("xref"), "startxref points at the table");
        table
            .lines()
            .skip(2)
            .take_while(|line| line.len() >= 18 && !line.starts_with("trailer"))
            .filter(|line| line.ends_with(" n") || line.trim_end().ends_with(" n"))
            .map(|line| line[..10].parse().expect("offset"))
            .collect()
    }

    #[test]
    fn the_pdf_is_well_formed_tagged_and_carries_the_text() {
        let pdf = render(&sheet());
        assert!(pdf.starts_with(b"%PDF-1."));
        assert!(pdf.ends_with(b"%%EOF") || pdf.ends_with(b"%%EOF\n"));
        let offsets = xref_offsets(&pdf);
        assert_eq!(offsets.len(), 12, "one entry per object");
        for (i, offset) in offsets.iter().enumerate() {
            let object = format!("{} 0 obj", i + 1);
            assert!(
                pdf[*offset..].starts_with(object.as_bytes()),
                "xref entry {} points at its object",
                i + 1
            );
        }
        let body = String::from_utf8_lossy(&pdf);
        // Text in WinAnsi (a hex string when not plain ASCII), in marked content tied to the
        // structure tree: the title is an H1 with MCID 0, the next text a P with MCID 1.
        let hex: String = win_ansi("Ce que nous avons appris grâce à vous")
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert!(body.contains(&format!("<{hex}> Tj")), "{body}");
        assert!(body.contains("(Un formulaire unique) Tj"));
        let compact: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(compact.contains("/H1 << /MCID 0 >> BDC BT /F2"), "{compact}");
        assert!(compact.contains("/P << /MCID 1 >> BDC BT /F1"), "{compact}");
        assert!(compact.contains("/Artifact BMC"));
        assert!(compact.contains("/StructTreeRoot 8 0 R"));
        assert!(compact.contains("/Nums [0 9 0 R]"));
        assert!(compact.contains("9 0 obj [11 0 R 12 0 R] endobj"), "{compact}");
        assert!(compact.contains("/Marked true"));
        assert!(compact.contains("/Lang (fr)"));
        // The branding colour, as a fill.
        assert!(body.contains("0.039215688 0.36078432 0.21176471 rg"), "{body}");
    }
}
