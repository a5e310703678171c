//! The rendering of mail: links, escaping, branding, headers, Markdown.

use super::*;

fn gironde() -> Space {
    Space::new(
        Uuid::nil(),
        "gironde",
        TenantKind::Local,
        "Caf de la Gironde",
        "caf-ecoute.fr",
        ("#003189", "#ffd700"),
    )
}

#[test]
fn links_in_text_become_links() {
    assert_eq!(
        pieces("Ouvrez https://a.fr/x?y=1. Merci"),
        vec![
            Piece {
                text: "Ouvrez ",
                href: None
            },
            Piece {
                text: "https://a.fr/x?y=1",
                href: Some("https://a.fr/x?y=1")
            },
            Piece {
                text: ". Merci",
                href: None
            },
        ]
    );
    assert_eq!(paragraphs("a\nb\n\n\nc").len(), 2);
}

#[test]
fn html_is_escaped_and_branded() {
    let draft = Draft {
        to: "a@b.fr",
        subject: "Sujet",
        text: "Bonjour <b>toi</b> & les autres\n\nLien : https://x.fr/?a=1&b=2",
        message_id: "<1@ecoute>",
        unsubscribe_url: Some("https://gironde.caf-ecoute.fr/desabonnement/abc"),
        attachment: None,
        markdown: false,
        follow: false,
        lang: Lang::Fr,
    };
    let (text, html) = bodies(&gironde(), &draft).unwrap();
    assert!(
        html.contains("Bonjour &lt;b&gt;toi&lt;&#x2f;b&gt; &amp; les autres"),
        "{html}"
    );
    assert!(
        html.contains("href=\"https:&#x2f;&#x2f;x.fr&#x2f;?a=1&amp;b=2\""),
        "{html}"
    );
    assert!(html.contains("background-color:#003189;color:#ffffff"));
    assert!(html.contains("desabonnement"));
    assert!(text.starts_with("Bonjour <b>toi</b> & les autres"));
    assert!(text.contains("https://gironde.caf-ecoute.fr/desabonnement/abc"));
}

#[test]
fn markdown_mail_has_rendered_html_and_plain_text() {
    let draft = Draft {
        to: "a@b.fr",
        subject: "Nouvelles",
        text: "## Les suites\n\nNous avons **retenu** [votre idée](https://x.fr/i) <script>alert(1)</script>",
        message_id: "<1@ecoute>",
        unsubscribe_url: Some("https://gironde.caf-ecoute.fr/desabonnement/suivi/abc"),
        attachment: None,
        markdown: true,
        follow: true,
        lang: Lang::Fr,
    };
    let (text, html) = bodies(&gironde(), &draft).unwrap();
    assert!(html.contains("<h2>Les suites</h2>"), "{html}");
    assert!(html.contains("<strong>retenu</strong>"), "{html}");
    assert!(html.contains("<a href=\"https://x.fr/i\""), "{html}");
    assert!(!html.contains("<script") && !html.contains("**"), "{html}");
    assert!(
        text.starts_with("Les suites\n\nNous avons retenu votre idée (https://x.fr/i)"),
        "{text}"
    );
    assert!(!text.contains("**") && !text.contains("##"), "{text}");
    assert!(html.contains("Ne plus suivre cette consultation"), "{html}");
    assert!(
        text.contains("cette consultation : https://gironde.caf-ecoute.fr/desabonnement/suivi/abc"),
        "{text}"
    );
}

#[test]
fn bad_colours_fall_back() {
    let space = Space::new(
        Uuid::nil(),
        "x",
        TenantKind::National,
        "Cnaf",
        "caf-ecoute.fr",
        ("red;background:url(x)", "#FFFFFF"),
    );
    assert_eq!(
        (space.primary.as_str(), space.secondary.as_str()),
        ("#0063af", "#ffffff")
    );
    assert_eq!(space.host, "caf-ecoute.fr");
    assert_eq!(
        space.unsubscribe_url("https://{host}", &[0xff; 3]),
        "https://caf-ecoute.fr/desabonnement/____"
    );
}

#[test]
fn list_mail_has_unsubscribe_headers_and_transactional_mail_not() {
    let sender: Address = "ne-pas-repondre@caf-ecoute.fr".parse().unwrap();
    let mut draft = Draft {
        to: "marie@exemple.fr",
        subject: "Votre avis compte : répondez à l’enquête",
        text: "Bonjour",
        message_id: "<42@ecoute>",
        unsubscribe_url: Some("https://gironde.caf-ecoute.fr/desabonnement/abc"),
        attachment: None,
        markdown: false,
        follow: false,
        lang: Lang::Fr,
    };
    let (_, bytes) = message(&sender, &gironde(), &draft).unwrap();
    let wire = String::from_utf8(bytes).unwrap();
    assert!(wire.is_ascii());
    assert!(wire.contains("List-Unsubscribe: <https://gironde.caf-ecoute.fr/desabonnement/abc>\r\n"));
    assert!(wire.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
    assert!(
        wire.contains("From: \"Caf de la Gironde\" <ne-pas-repondre@caf-ecoute.fr>\r\n"),
        "{wire}"
    );
    assert!(wire.contains("Message-ID: <42@ecoute>\r\n"));
    assert!(wire.contains("multipart/alternative"));
    draft.unsubscribe_url = None;
    let (_, bytes) = message(&sender, &gironde(), &draft).unwrap();
    assert!(!String::from_utf8(bytes).unwrap().contains("List-Unsubscribe"));
}

#[test]
fn an_attachment_makes_a_mixed_message_with_the_bodies_first() {
    let sender: Address = "ne-pas-repondre@caf-ecoute.fr".parse().unwrap();
    let file = Attachment {
        filename: "atelier.ics".into(),
        content_type: "text/calendar; method=PUBLISH; charset=utf-8".into(),
        text: "BEGIN:VCALENDAR\r\nSUMMARY:Été\r\nEND:VCALENDAR\r\n".into(),
    };
    let draft = Draft {
        to: "marie@exemple.fr",
        subject: "Atelier",
        text: "Bonjour",
        message_id: "<43@ecoute>",
        unsubscribe_url: None,
        attachment: Some(&file),
        markdown: false,
        follow: false,
        lang: Lang::Fr,
    };
    let (_, bytes) = message(&sender, &gironde(), &draft).unwrap();
    let wire = String::from_utf8(bytes).unwrap();
    assert!(wire.is_ascii());
    let mixed = wire.find("multipart/mixed").expect("mixed");
    let alternative = wire.find("multipart/alternative").expect("alternative inside");
    let calendar = wire.find("Content-Type: text/calendar").expect("calendar part");
    assert!(mixed < alternative && alternative < calendar, "{wire}");
    assert!(wire.contains("method=PUBLISH"), "{wire}");
    assert!(wire.contains("filename=\"atelier.ics\""), "{wire}");
}

#[test]
fn the_footer_is_in_the_mail_language() {
    let mut draft = Draft {
        to: "a@b.fr",
        subject: "Hello",
        text: "Hello",
        message_id: "<1@ecoute>",
        unsubscribe_url: Some("https://gironde.caf-ecoute.fr/desabonnement/abc"),
        attachment: None,
        markdown: false,
        follow: false,
        lang: Lang::En,
    };
    let (text, html) = bodies(&gironde(), &draft).unwrap();
    for body in [&text, &html] {
        assert!(body.contains(&Lang::En.text("mail.why")), "{body}");
        assert!(body.contains(&Lang::En.text("mail.sent_by")), "{body}");
        assert!(!body.contains(&Lang::Fr.text("mail.why")), "{body}");
    }
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    draft.lang = Lang::Fr;
    let (text, html) = bodies(&gironde(), &draft).unwrap();
    assert!(text.contains(&Lang::Fr.text("mail.unsubscribe_text")), "{text}");
    assert!(html.contains("<html lang=\"fr\">"), "{html}");
}
