//! The reason of a moderation reaches people (issue 20, item 4): a moderator hides for a reason
//! of the charter; everyone sees it in the placeholder, with a link to the charter's article;
//! the author sees the moderator's note on their contribution and gets a mail (through a real
//! SMTP server); a contribution its author withdrew says so, and is not moderation's to undo.

use std::time::Duration;

use reqwest::Method;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, campaign_slug, eventually, session_for};
use crate::smtp::SmtpSink;

use super::*;

const NOTE: &str = "Le deuxième paragraphe vise un agent nommément.";

async fn citizen<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let owner = app.test_db.owner().await;
    let mut browser = Browser::new(app, GIRONDE);
    browser.set_cookie("ecoute_session", &session_for(&owner, "gironde", email).await);
    browser
}

async fn post_idea(browser: &mut Browser<'_>, slug: &str, title: &str) -> String {
    let body = serde_json::json!({"kind": "idee", "title": title, "body": format!("{title} : le texte que la modération lira.")});
    let (status, idea) = browser
        .api(Method::POST, &format!("/api/v1/campaigns/{slug}/ideas"), Some(body))
        .await;
    assert_eq!(status, 201, "{idea}");
    idea["id"].as_str().unwrap().to_owned()
}

/// Posts a moderation decision from the console; returns the status.
async fn decide(moderator: &mut Browser<'_>, fields: &[(&str, &str)]) -> u16 {
    let (_, html) = moderator.get("/admin/moderation").await;
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    moderator.post_form("/admin/moderation", &all).await.0
}

// Over 100 lines: one story, told in order (an idea and a comment hidden, then what the public,
// the author, English readers, the mail and the log each show).
#[tokio::test]
async fn the_charter_reason_reaches_the_public_placeholder_the_author_the_mail_and_the_log() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let mut author = citizen(&app, "autrice@exemple.fr").await;
    let mut other = citizen(&app, "voisin@exemple.fr").await;
    let hidden = post_idea(&mut author, &slug, "Une idée qui sera masquée").await;
    let kept = post_idea(&mut other, &slug, "Une idée qui reste").await;
    let (status, comment) = author
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{kept}/comments"),
            Some(serde_json::json!({"body": "Un commentaire qui sera masqué."})),
        )
        .await;
    assert_eq!(status, 201, "{comment}");
    let comment = comment["id"].as_str().unwrap().to_owned();

    let report = serde_json::json!({"reason": "Il insulte un agent"});
    let (status, _) = other
        .api(Method::POST, &format!("/api/v1/ideas/{hidden}/reports"), Some(report))
        .await;
    assert_eq!(status, 202);

    let password = make_operator(&owner, "mod@caf33.caf.fr", false, Some(("gironde", "moderator"))).await;
    let mut moderator = signed_in(&app, GIRONDE, "mod@caf33.caf.fr", &password).await;
    let (_, console) = moderator.get("/admin/moderation").await;
    assert!(
        console.contains("propos injurieux, menaçants ou diffamatoires (article 3)"),
        "the console offers the charter's reasons with their articles"
    );
    // Hiding without a charter reason is refused; an unknown one too.
    for reason in ["", "autre"] {
        let fields = [
            ("kind", "idea"),
            ("id", hidden.as_str()),
            ("decision", "hide"),
            ("charter_reason", reason),
        ];
        assert_eq!(decide(&mut moderator, &fields).await, 422);
    }
    let fields = [
        ("kind", "idea"),
        ("id", hidden.as_str()),
        ("decision", "hide"),
        ("charter_reason", "insults"),
        ("reason", NOTE),
    ];
    assert_eq!(decide(&mut moderator, &fields).await, 303);
    let fields = [
        ("kind", "comment"),
        ("id", comment.as_str()),
        ("decision", "hide"),
        ("charter_reason", "hate"),
    ];
    assert_eq!(decide(&mut moderator, &fields).await, 303);

    // The public: the reason and a link to its article, never the words nor the note.
    let idea_page = format!("/consultations/{slug}/idees/{hidden}");
    let mut visitor = Browser::new(&app, GIRONDE);
    let (status, page) = visitor.get(&idea_page).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(
            "Masquée par la modération\u{a0}: propos injurieux, menaçants ou diffamatoires \
             (<a href=\"/charte-de-participation#article-3\">charte, article 3</a>)."
        ),
        "{page}"
    );
    assert!(!page.contains("le texte que la modération lira") && !page.contains(NOTE));
    assert!(!page.contains("Retirée par son auteur"));
    let (_, thread) = visitor.get(&format!("/consultations/{slug}/idees/{kept}")).await;
    assert!(thread.contains(
        "Masqué par la modération\u{a0}: propos discriminatoires ou haineux \
         (<a href=\"/charte-de-participation#article-4\">charte, article 4</a>)."
    ));
    assert!(!thread.contains("Un commentaire qui sera masqué."));
    // The API says the same, without the note.
    let (_, json) = visitor.api(Method::GET, &format!("/api/v1/ideas/{hidden}"), None).await;
    assert_eq!(json["hidden"]["by"], "moderation");
    assert_eq!(json["hidden"]["reason"], "insults");
    assert_eq!(json["hidden"]["article"], 3);
    assert!(json["hidden"]["note"].is_null());

    // The author: the same, and the moderator's note, and how to contest.
    let (_, own) = author.get(&idea_page).await;
    assert!(own.contains("C’est votre contribution") && own.contains(NOTE), "{own}");
    assert!(own.contains("href=\"/charte-de-participation#article-10\""));
    assert!(!own.contains("le texte que la modération lira"));

    // In English.
    visitor.set_cookie("lang", "en");
    let (_, english) = visitor.get(&idea_page).await;
    assert!(english.contains(
        "Hidden by the moderators: abusive, threatening or defamatory language \
         (<a href=\"/charte-de-participation#article-3\">charter, article 3</a>)."
    ));

    // The mails, through the SMTP server: one per hidden contribution, to its author (and, as
    // the author commented on the neighbour's idea, a reply mail to him, set aside here).
    assert!(
        eventually(Duration::from_secs(10), || async { smtp.messages().len() >= 3 }).await,
        "the author is told by mail: {:?}",
        smtp.messages().len()
    );
    let (replies, messages): (Vec<_>, Vec<_>) = smtp
        .messages()
        .into_iter()
        .partition(|m| m.header("Subject").unwrap().starts_with("Du nouveau"));
    assert!(replies.iter().all(|m| m.to == ["voisin@exemple.fr"]) && replies.len() == 1);
    assert!(messages.iter().all(|m| m.to == ["autrice@exemple.fr"]));
    let idea_mail = messages
        .iter()
        .find(|m| m.header("Subject").unwrap().contains("Une idée qui sera masquée"))
        .expect("the idea's mail");
    let text = idea_mail.part("text/plain").unwrap().replace("\r\n", "\n");
    assert!(
        text.contains("Motif : propos injurieux, menaçants ou diffamatoires (charte de participation, article 3)."),
        "{text}"
    );
    assert!(text.contains(&format!("Précision de la modération : {NOTE}")));
    assert!(text.contains("/charte-de-participation#article-3"));
    assert!(text.contains(&format!("/consultations/{slug}/idees/{hidden}")));
    assert!(idea_mail.header("List-Unsubscribe").is_none(), "not list mail");
    let comment_mail = messages
        .iter()
        .find(|m| m.header("Subject").unwrap() == "Votre commentaire a été masqué")
        .expect("the comment's mail");
    let text = comment_mail.part("text/plain").unwrap();
    assert!(text.contains("(charte de participation, article 4)") && !text.contains("Précision"));
    assert!(text.contains(&format!("?commentaire={comment}#commentaire-{comment}")));

    // The console: hidden for that reason; the log names it.
    let (_, console) = moderator.get("/admin/moderation").await;
    assert!(console.contains("Masqué pour :</span> propos injurieux"));
    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "loc@caf33.caf.fr", &password).await;
    let (_, journal) = operator.get("/admin/journal?quoi=moderation").await;
    assert!(journal.contains("Contenu masqué") && journal.contains("propos injurieux"));
    let told: Vec<bool> =
        sqlx::query_scalar("SELECT (details->>'author_told')::boolean FROM audit_log WHERE action = 'moderation.hide'")
            .fetch_all(&owner)
            .await
            .unwrap();
    assert_eq!(told, [true, true]);
}

#[tokio::test]
async fn a_contribution_its_author_withdrew_says_so_and_is_not_moderations_to_undo() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let mut author = citizen(&app, "partante@exemple.fr").await;
    let id = post_idea(&mut author, &slug, "Une idée que je retire").await;
    let (status, _) = author
        .api(Method::DELETE, "/api/v1/me?contributions=withdraw", None)
        .await;
    assert_eq!(status, 204);

    let (status, page) = app
        .get_text(GIRONDE, &format!("/consultations/{slug}/idees/{id}"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Contribution retirée</h1>") && page.contains("Retirée par son auteur."));
    assert!(!page.contains("modération"), "a withdrawal is not worded as moderation");

    // Not in the moderators' hidden list, and no decision applies to it.
    let password = make_operator(&owner, "mod@caf33.caf.fr", false, Some(("gironde", "moderator"))).await;
    let mut moderator = signed_in(&app, GIRONDE, "mod@caf33.caf.fr", &password).await;
    let (_, console) = moderator.get("/admin/moderation").await;
    assert!(!console.contains("Contribution retirée"), "{console}");
    let fields = [
        ("kind", "idea"),
        ("id", id.as_str()),
        ("decision", "restore"),
        ("reason", "Erreur"),
    ];
    assert_eq!(decide(&mut moderator, &fields).await, 404);
    let fields = [
        ("kind", "idea"),
        ("id", id.as_str()),
        ("decision", "hide"),
        ("charter_reason", "spam"),
    ];
    assert_eq!(
        decide(&mut moderator, &fields).await,
        422,
        "not a reason of the charter"
    );
    let fields = [
        ("kind", "idea"),
        ("id", id.as_str()),
        ("decision", "hide"),
        ("charter_reason", "advertising"),
    ];
    assert_eq!(decide(&mut moderator, &fields).await, 404);
}
