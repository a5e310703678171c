//! Turns a queued mail into the message that goes on the wire, in its space's colours.
//!
//! Every mail is `multipart/alternative`: the plain text as written, and HTML from
//! `templates/mail.html` (minijinja, auto-escaped because the name ends in `.html`; inline styles,
//! since mail clients drop style sheets). Links written out in the text become links in the HTML.
//! The sender is the space (`Caf de la Gironde <ne-pas-repondre@…>`), so people see who writes.
//! List mail carries `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058); transactional
//! mail does not. The footer is in the mail's language (the recipient's: see `docs/mail.md`),
//! from the locale tables (`t.mail.…`), as the pages are.

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};
use minijinja::Environment;
use serde::Serialize;
use uuid::Uuid;

use super::Attachment;
use crate::tenancy::TenantKind;
use crate::tenancy::branding::{contrast_ratio, text_color_on};
use crate::web::i18n::Lang;
use crate::web::markdown::{markdown_to_text, render_markdown};

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("mail.html", include_str!("../templates/mail.html")),
        ("mail.txt", include_str!("../templates/mail.txt")),
    ] {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
});

const LIST_UNSUBSCRIBE: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe");
const LIST_UNSUBSCRIBE_POST: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe-Post");
const AUTO_SUBMITTED: HeaderName = HeaderName::new_from_ascii_str("Auto-Submitted");

/// A space as its mail shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Space {
    pub id: Uuid,
    pub name: String,
    /// Host name of the space (`gironde.caf-ecoute.fr`), for links.
    pub host: String,
    pub primary: String,
    pub secondary: String,
    /// Black or white, whichever reads on `primary`.
    pub on_primary: String,
    /// Colour of links on white: the primary colour when it contrasts enough, else dark grey.
    pub link: String,
}

impl Space {
    /// From a `tenants` row. Colours are checked again here (they go into `style` attributes,
    /// where HTML escaping does not help): anything but `#rrggbb` falls back to the Cnaf blue.
    pub fn new(id: Uuid, slug: &str, kind: TenantKind, name: &str, base_domain: &str, colours: (&str, &str)) -> Self {
        let colour = |c: &str, fallback: &str| {
            if c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit()) {
                c.to_ascii_lowercase()
            } else {
                fallback.to_owned()
            }
        };
        let primary = colour(colours.0, "#0063af");
        let secondary = colour(colours.1, "#ffffff");
        let host = match kind {
            TenantKind::National => base_domain.to_owned(),
            TenantKind::Local => format!("{slug}.{base_domain}"),
        };
        let link = if contrast_ratio(&primary, "#ffffff").unwrap_or(1.0) >= 4.5 {
            primary.clone()
        } else {
            "#1e1e1e".to_owned()
        };
        Space {
            id,
            name: name.to_owned(),
            host,
            on_primary: text_color_on(&primary).to_owned(),
            primary,
            secondary,
            link,
        }
    }

    /// `https://gironde.caf-ecoute.fr/desabonnement/<token>`, from a link base such as
    /// `https://{host}`.
    pub fn unsubscribe_url(&self, link_base: &str, token: &[u8]) -> String {
        format!(
            "{}/desabonnement/{}",
            link_base.replace("{host}", &self.host),
            URL_SAFE_NO_PAD.encode(token)
        )
    }

    /// `https://gironde.caf-ecoute.fr/desabonnement/suivi/<token>`: stops one follow of a
    /// campaign's news (see [`super::unsubscribe`]).
    pub fn follow_unsubscribe_url(&self, link_base: &str, token: &[u8]) -> String {
        format!(
            "{}/desabonnement/suivi/{}",
            link_base.replace("{host}", &self.host),
            URL_SAFE_NO_PAD.encode(token)
        )
    }
}

/// One mail, ready to render.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub message_id: &'a str,
    /// Present on list mail only.
    pub unsubscribe_url: Option<&'a str>,
    /// Sent after the text and HTML, in a `multipart/mixed` message.
    pub attachment: Option<&'a Attachment>,
    /// The text is Markdown (a news post): rendered, sanitised, to HTML, and to plain text.
    pub markdown: bool,
    /// The unsubscribe link ends a follow of a campaign's news, not the space's list mail.
    pub follow: bool,
    /// The language the subject and text are written in: the footer follows.
    pub lang: Lang,
}

/// A piece of a line of text: words, or a link.
#[derive(Debug, Serialize, PartialEq)]
struct Piece<'a> {
    text: &'a str,
    href: Option<&'a str>,
}

/// Paragraphs (blank-line separated) of lines of pieces; `http(s)://…` up to the next space
/// becomes a link, minus trailing punctuation.
fn paragraphs(text: &str) -> Vec<Vec<Vec<Piece<'_>>>> {
    text.split("\n\n")
        .map(|p| p.trim_matches(['\n', '\r']))
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.lines().map(pieces).collect())
        .collect()
}

fn pieces(line: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = ["https://", "http://"].iter().filter_map(|s| rest.find(s)).min() {
        let end = rest[start..]
            .find(char::is_whitespace)
            .map_or(rest.len(), |e| start + e);
        let url = rest[start..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '»']);
        let end = start + url.len();
        if start > 0 {
            out.push(Piece {
                text: &rest[..start],
                href: None,
            });
        }
        out.push(Piece {
            text: url,
            href: Some(url),
        });
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        out.push(Piece { text: rest, href: None });
    }
    out
}

/// The plain text and HTML bodies.
pub fn bodies(space: &Space, draft: &Draft<'_>) -> Result<(String, String), minijinja::Error> {
    #[derive(Serialize)]
    struct Context<'a> {
        /// The whole locale of the mail's language, as the pages have it.
        t: minijinja::Value,
        lang: &'static str,
        space: &'a Space,
        subject: &'a str,
        text: &'a str,
        paragraphs: Vec<Vec<Vec<Piece<'a>>>>,
        /// Markdown rendered and sanitised (ammonia): inserted as is.
        html: Option<String>,
        unsubscribe_url: Option<&'a str>,
        follow: bool,
    }
    let plain;
    let (text, html) = if draft.markdown {
        plain = markdown_to_text(draft.text);
        (plain.as_str(), Some(render_markdown(draft.text)))
    } else {
        (draft.text.trim_end(), None)
    };
    let context = Context {
        t: draft.lang.template_texts(),
        lang: draft.lang.code(),
        space,
        subject: draft.subject,
        text,
        paragraphs: if html.is_some() {
            Vec::new()
        } else {
            paragraphs(draft.text)
        },
        html,
        unsubscribe_url: draft.unsubscribe_url,
        follow: draft.follow,
    };
    let text = TEMPLATES
        .get_template("mail.txt")?
        .render(minijinja::value::Serde(&context))?;
    let html = TEMPLATES
        .get_template("mail.html")?
        .render(minijinja::value::Serde(&context))?;
    Ok((text, html))
}

/// Why a mail cannot be built; such a mail is refused for good.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("invalid address: {0}")]
    Address(#[from] lettre::address::AddressError),
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
    #[error("message: {0}")]
    Message(#[from] lettre::error::Error),
    #[error("attachment content type: {0}")]
    ContentType(#[from] lettre::message::header::ContentTypeErr),
}

/// The whole message, as bytes for the SMTP `DATA` command, and the recipient for `RCPT TO`.
pub fn message(sender: &Address, space: &Space, draft: &Draft<'_>) -> Result<(Address, Vec<u8>), RenderError> {
    let to: Address = draft.to.parse()?;
    let (text, html) = bodies(space, draft)?;
    let mut builder = Message::builder()
        .from(Mailbox::new(Some(space.name.clone()), sender.clone()))
        .to(Mailbox::new(None, to.clone()))
        .subject(draft.subject)
        .message_id(Some(draft.message_id.to_owned()))
        .date_now()
        .raw_header(HeaderValue::new(AUTO_SUBMITTED, "auto-generated".to_owned()));
    if let Some(url) = draft.unsubscribe_url {
        builder = builder
            .raw_header(HeaderValue::new(LIST_UNSUBSCRIBE, format!("<{url}>")))
            .raw_header(HeaderValue::new(
                LIST_UNSUBSCRIBE_POST,
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    let bodies = MultiPart::alternative_plain_html(text, html);
    let message = match draft.attachment {
        None => builder.multipart(bodies)?,
        Some(file) => {
            let content_type = ContentType::parse(&file.content_type)?;
            let part = lettre::message::Attachment::new(file.filename.clone()).body(file.text.clone(), content_type);
            builder.multipart(MultiPart::mixed().multipart(bodies).singlepart(part))?
        }
    };
    Ok((to, message.formatted()))
}

#[cfg(test)]
mod tests;
