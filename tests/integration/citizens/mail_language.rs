//! Mail in the recipient's language (issue 24, item 5): the account learns the language of the
//! pages its holder uses, and the mail written to them (subject, text, HTML and footer) is in it,
//! as the real SMTP server receives it.

use std::time::Duration;

use super::*;
use crate::helpers::eventually;
use crate::smtp::{ReceivedMail, SmtpSink};

#[tokio::test]
async fn each_author_is_told_of_a_reply_in_the_language_of_their_pages() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    let mut english = signed_in(&app, "reader@example.org").await;
    let mut french = signed_in(&app, "lectrice@exemple.fr").await;
    let mut writer = signed_in(&app, "redacteur@exemple.fr").await;
    // The English-speaking person switched the pages to English (the switch's cookie), then
    // used them: their account now says so.
    english.set_cookie("lang", "en");
    let (status, home) = english.get("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("lang=\"en\""), "the page is in English");
    let (_, home) = french.get("/").await;
    assert!(home.contains("lang=\"fr\""));
    let owner = app.test_db.owner().await;
    let langs: Vec<(String, String)> = sqlx::query_as(
        "SELECT email, lang FROM accounts WHERE email IN ('reader@example.org', 'lectrice@exemple.fr') ORDER BY email",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    assert_eq!(
        langs,
        vec![
            ("lectrice@exemple.fr".to_owned(), "fr".to_owned()),
            ("reader@example.org".to_owned(), "en".to_owned())
        ]
    );

    // "Mes données" holds it, as everything kept about the person.
    let (status, data) = english.get("/compte/mes-donnees").await;
    assert_eq!(status, 200);
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["lang"], "en", "{data}");

    let (_, english_idea) = idea_of(&app, &mut english, "Saturday opening hours").await;
    let (_, french_idea) = idea_of(&app, &mut french, "Des guichets le samedi").await;
    comment_on(&mut writer, &english_idea, "Le samedi matin, oui.").await;
    comment_on(&mut writer, &french_idea, "Le samedi matin, oui.").await;

    assert!(
        eventually(Duration::from_secs(10), || async { smtp.messages().len() >= 2 }).await,
        "two mails received: {:?}",
        smtp.messages().iter().map(|m| m.to.clone()).collect::<Vec<_>>()
    );
    let to = |address: &str| -> ReceivedMail {
        smtp.messages()
            .into_iter()
            .find(|m| m.to == vec![address.to_owned()])
            .unwrap_or_else(|| panic!("a mail to {address}"))
    };

    let mail = to("reader@example.org");
    let subject = mail.header("Subject").unwrap();
    assert_eq!(subject, "News about “Saturday opening hours”");
    let text = mail.part("text/plain").unwrap();
    let html = mail.part("text/html").unwrap();
    for body in [&text, &html] {
        assert!(body.contains("Hello,"), "{body}");
        assert!(body.contains("someone replied to what you wrote"), "{body}");
        assert!(body.contains("Message sent by"), "the footer too: {body}");
        for french_word in ["Bonjour", "Sur la contribution", "Message envoyé par", "Vous recevez"] {
            assert!(!body.contains(french_word), "{french_word} in {body}");
        }
    }
    // The contribution quoted stays as it was written.
    assert!(text.contains("Saturday opening hours"));
    assert!(html.contains("<html lang=\"en\">"), "{html}");

    let mail = to("lectrice@exemple.fr");
    assert_eq!(
        mail.header("Subject").unwrap(),
        "Du nouveau sur « Des guichets le samedi »"
    );
    let text = mail.part("text/plain").unwrap();
    assert!(text.starts_with("Bonjour,"), "{text}");
    assert!(text.contains("quelqu’un a répondu à ce que vous avez écrit"), "{text}");
    assert!(text.contains("Message envoyé par"), "{text}");
    assert!(!text.contains("Hello") && !text.contains("Message sent by"), "{text}");
    assert!(mail.part("text/html").unwrap().contains("<html lang=\"fr\">"));
}
