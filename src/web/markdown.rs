//! Markdown written by operators (campaign bodies), rendered to HTML and sanitised with ammonia,
//! so no script, style or event handler can reach a page.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

pub fn render_markdown(source: &str) -> String {
    let mut unsafe_html = String::new();
    html::push_html(
        &mut unsafe_html,
        Parser::new_ext(source, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH),
    );
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .clean(&unsafe_html)
        .to_string()
}

/// The same Markdown as plain text, for the text part of a mail: paragraphs and headings
/// separated by a blank line, list items after "- ", a link's address written out after its
/// text ("le site (https://…)"), emphasis and raw HTML dropped.
pub fn markdown_to_text(source: &str) -> String {
    let mut out = String::new();
    let mut links: Vec<String> = Vec::new();
    let block_end = |out: &mut String| {
        while out.ends_with([' ', '\n']) {
            out.pop();
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
    };
    for event in Parser::new_ext(source, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Start(Tag::Item) => out.push_str("- "),
            Event::Start(Tag::Link { dest_url, .. }) => links.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = links.pop()
                    && !out.ends_with(url.as_str())
                {
                    out.push_str(&format!(" ({url})"));
                }
            }
            Event::End(TagEnd::Item) => out.push('\n'),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::List(_)
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::Table,
            ) => block_end(&mut out),
            Event::End(TagEnd::TableCell) => out.push_str(" | "),
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => out.push('\n'),
            Event::Rule => {
                block_end(&mut out);
                out.push_str("---\n\n");
            }
            _ => {}
        }
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_plain_text() {
        let text = markdown_to_text(
            "# Les suites\n\nNous avons **retenu** trois idées :\n\n- la première\n- la [deuxième](https://exemple.fr/d)\n\n<b>fin</b> https://exemple.fr",
        );
        assert_eq!(
            text,
            "Les suites\n\nNous avons retenu trois idées :\n\n- la première\n- la deuxième (https://exemple.fr/d)\n\nfin https://exemple.fr"
        );
    }

    #[test]
    fn markdown_is_rendered_and_sanitised() {
        let html = render_markdown(
            "# Titre\n\n**gras** <script>alert(1)</script> [lien](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<h1>Titre</h1>") && html.contains("<strong>gras</strong>"));
        assert!(
            !html.contains("<script") && !html.contains("javascript:") && !html.contains("onerror"),
            "{html}"
        );
    }
}
