//! List mail: rendered per space with unsubscribe headers on list mail only, and one-click
//! unsubscribe (not held back by the write limit, not stopping sign-in links).

use std::time::Duration;

use ecoute::mail::Queued;

use crate::browser::Browser;
use crate::helpers::{TestApp, TestDb, eventually};
use crate::smtp::SmtpSink;

use super::*;

// Over 100 lines: the mails of two spaces and a sign-in link are delivered to one SMTP sink
// and compared with each other (headers on list mail only, per-space sender and colours, the
// encoded subject); splitting would lose the side by side.
#[tokio::test]
async fn mail_is_rendered_per_space_with_unsubscribe_headers_on_list_mail_only() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;

    // A sign-in link, through the page, as a person asks for it.
    let mut browser = Browser::new(&app, "gironde.localhost");
    let csrf = browser.csrf("/connexion").await;
    let (status, _, _) = browser
        .post_form("/connexion", &[("csrf", &csrf), ("email", "marie@exemple.fr")])
        .await;
    assert_eq!(status, 200);
    // Invitations from two spaces.
    let gironde = Space::new(&app.test_db, "gironde").await;
    let aude = Space::new(&app.test_db, "aude").await;
    let subject = "Invitation : donnez votre avis sur l’accueil à la Caf";
    let text = "Bonjour,\n\nLa consultation <Accueil & démarches> est ouverte :\nhttp://gironde.localhost/consultations/accueil\n\nÀ bientôt.";
    let Queued::Queued(invitation) = gironde.invite("marie@exemple.fr", subject, text).await else {
        panic!("queued")
    };
    aude.invite("paul@exemple.fr", subject, text).await;

    assert!(
        eventually(Duration::from_secs(10), || async { smtp.messages().len() == 3 }).await,
        "three mails expected, got {}",
        smtp.messages().len()
    );
    let messages = smtp.messages();
    for m in &messages {
        assert!(m.data.is_ascii(), "headers and bodies are encoded for 7-bit transport");
        assert!(m.header("Content-Type").unwrap().starts_with("multipart/alternative"));
        assert!(m.part("text/plain").is_some() && m.part("text/html").is_some());
        assert_eq!(m.header("Auto-Submitted").as_deref(), Some("auto-generated"));
    }

    let to_marie = to(&messages, "marie@exemple.fr");
    let sign_in = to_marie
        .iter()
        .find(|m| m.header("Subject").unwrap().starts_with("Votre lien de connexion"))
        .expect("the sign-in mail");
    assert_eq!(
        sign_in.header("From").as_deref(),
        Some("\"Caf de la Gironde\" <ne-pas-repondre@localhost>")
    );
    assert_eq!(
        sign_in.header("List-Unsubscribe"),
        None,
        "transactional mail has no unsubscribe link"
    );
    assert_eq!(sign_in.header("List-Unsubscribe-Post"), None);
    let html = sign_in.part("text/html").unwrap();
    assert!(
        html.contains("<a href=\"http:&#x2f;&#x2f;gironde.localhost&#x2f;connexion&#x2f;lien?jeton="),
        "the link is a link: {html}"
    );

    let invited = to_marie
        .iter()
        .find(|m| m.header("Subject").as_deref() == Some(subject))
        .unwrap();
    // The French subject travels encoded (RFC 2047) and comes back intact.
    let raw_subject = invited.data.lines().find(|l| l.starts_with("Subject:")).unwrap();
    assert!(raw_subject.contains("=?utf-8?"), "{raw_subject}");
    assert_eq!(invited.message_id(), gironde.mail(invitation).await.3);
    assert_eq!(
        invited.header("From").as_deref(),
        Some("\"Caf de la Gironde\" <ne-pas-repondre@localhost>")
    );
    let unsubscribe = invited
        .header("List-Unsubscribe")
        .expect("List-Unsubscribe on list mail");
    assert!(
        unsubscribe.starts_with("<http://gironde.localhost:8080/desabonnement/"),
        "{unsubscribe}"
    );
    assert!(unsubscribe.ends_with('>'));
    assert_eq!(
        invited.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let plain = invited.part("text/plain").unwrap();
    assert!(
        plain.contains("La consultation <Accueil & démarches> est ouverte"),
        "{plain}"
    );
    assert!(plain.contains(unsubscribe.trim_matches(['<', '>'])), "{plain}");
    let html = invited.part("text/html").unwrap();
    assert!(html.contains("&lt;Accueil &amp; démarches&gt;"), "escaped: {html}");
    assert!(!html.contains("<Accueil"));
    assert!(html.contains("href=\"http:&#x2f;&#x2f;gironde.localhost&#x2f;consultations&#x2f;accueil\""));
    assert!(html.contains("background-color:#6a1b4d"), "the space's colour");
    assert!(html.contains("Caf de la Gironde") && html.contains("Se désabonner"));

    let from_aude = &to(&messages, "paul@exemple.fr")[0];
    assert_eq!(
        from_aude.header("From").as_deref(),
        Some("Caf de l’Aude <ne-pas-repondre@localhost>")
    );
    assert!(
        from_aude
            .header("List-Unsubscribe")
            .unwrap()
            .starts_with("<http://aude.localhost:8080/desabonnement/")
    );
    assert!(
        from_aude
            .part("text/html")
            .unwrap()
            .contains("background-color:#1b5e20")
    );
    assert_ne!(from_aude.message_id(), invited.message_id());
}

#[tokio::test]
async fn one_click_unsubscribe_suppresses_list_mail_but_not_sign_in_links() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    let gironde = Space::new(&app.test_db, "gironde").await;
    let aude = Space::new(&app.test_db, "aude").await;
    gironde
        .invite("jeanne@exemple.fr", "Votre avis compte", "Bonjour Jeanne")
        .await;
    assert!(eventually(Duration::from_secs(10), || async { smtp.messages().len() == 1 }).await);
    let header = smtp.messages()[0].header("List-Unsubscribe").unwrap();
    let url = header.trim_matches(['<', '>']);
    let path = &url[url.find("/desabonnement/").unwrap()..];

    // The link opens a French confirmation form; opening it changes nothing.
    let (status, page) = app.get_text("gironde.localhost", path).await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"fr\""));
    assert!(page.contains("Confirmer le désabonnement") && page.contains("jeanne@exemple.fr"));
    let token = path.rsplit('/').next().unwrap();
    assert!(page.contains("<form method=\"post\" action=\"&#x2f;desabonnement&#x2f;"));
    assert!(page.contains(&format!("{token}\">")));
    // The sink has the mail before the worker records it as sent: wait for the record.
    assert!(
        eventually(Duration::from_secs(10), || async { gironde.counts().await.sent == 1 }).await,
        "recorded as sent"
    );
    // The token is the space's: from another space it means nothing.
    let (status, page) = app.get_text("aude.localhost", path).await;
    assert_eq!(status, 404);
    assert!(page.contains("Lien de désabonnement inconnu"));
    let (status, _) = app.get_text("gironde.localhost", "/desabonnement/pas-un-jeton").await;
    assert_eq!(status, 404);

    // One click, as a mail provider does it (RFC 8058): no cookie, no form token.
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url(path))
            .header("host", "gironde.localhost")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "idempotent");
        assert!(response.text().await.unwrap().contains("Désabonnement confirmé"));
    }

    // Invitations to that address are now recorded as suppressed and not sent...
    assert!(matches!(
        gironde
            .invite(" Jeanne@Exemple.FR", "Deuxième invitation", "Bonjour")
            .await,
        Queued::Suppressed(_)
    ));
    let bulk = gironde
        .invite_many(
            &[
                "jeanne@exemple.fr".into(),
                "autre@exemple.fr".into(),
                "pas une adresse".into(),
                "AUTRE@exemple.fr".into(),
            ],
            None,
        )
        .await;
    assert_eq!((bulk.queued, bulk.suppressed, bulk.duplicates), (1, 1, 1));
    assert_eq!(bulk.invalid, vec!["pas une adresse".to_owned()]);
    // ...while her sign-in links still go, and another space may still invite her.
    assert!(matches!(
        gironde.sign_in_mail("jeanne@exemple.fr").await,
        Queued::Queued(_)
    ));
    assert!(matches!(
        aude.invite("jeanne@exemple.fr", "Invitation de l’Aude", "Bonjour")
            .await,
        Queued::Queued(_)
    ));

    assert!(eventually(Duration::from_secs(10), || async { smtp.messages().len() == 4 }).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages = smtp.messages();
    assert_eq!(messages.len(), 4, "nothing more");
    let to_jeanne = to(&messages, "jeanne@exemple.fr");
    let subjects: Vec<String> = to_jeanne.iter().map(|m| m.header("Subject").unwrap()).collect();
    assert_eq!(to_jeanne.len(), 3, "{subjects:?}");
    assert!(subjects.contains(&"Votre lien de connexion".to_owned()));
    assert!(subjects.contains(&"Invitation de l’Aude".to_owned()));
    assert!(!subjects.contains(&"Deuxième invitation".to_owned()));
    assert_eq!(
        subjects.iter().filter(|s| *s == "Votre avis compte").count(),
        1,
        "before unsubscribing"
    );
    assert_eq!(to(&messages, "autre@exemple.fr").len(), 1);
    let counts = gironde.counts().await;
    assert_eq!((counts.sent, counts.suppressed), (3, 2));
}

#[tokio::test]
async fn one_click_unsubscribe_is_not_held_back_by_the_per_client_write_limit() {
    // Mail providers send one-click requests from a few addresses of theirs.
    let test_db = TestDb::new().await;
    let mut settings = test_db.settings();
    settings.write_limit_per_minute = Some(1);
    let app = TestApp::spawn_with_settings(test_db, settings).await;
    let gironde = Space::new(&app.test_db, "gironde").await;
    let mut paths = Vec::new();
    for who in ["a", "b", "c"] {
        gironde
            .invite(&format!("{who}@exemple.fr"), "Votre avis compte", "Bonjour")
            .await;
        let mut tx = gironde
            .db
            .begin_in(crate::helpers::space(&gironde.db, gironde.id).await)
            .await
            .unwrap();
        let token: Vec<u8> = sqlx::query_scalar("SELECT unsubscribe_token FROM mail_recipients WHERE address = $1")
            .bind(format!("{who}@exemple.fr"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        use base64::Engine;
        paths.push(format!(
            "/desabonnement/{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token)
        ));
    }
    let post = |path: String| {
        app.client
            .post(app.url(&path))
            .header("host", "gironde.localhost")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
    };
    // Other writes from this client are limited...
    let (first, second) = (
        post("/connexion".into()).await.unwrap(),
        post("/connexion".into()).await.unwrap(),
    );
    assert_eq!(second.status().as_u16(), 429, "{}", first.status());
    // ...one-click unsubscribes are not.
    for path in paths {
        assert_eq!(post(path).await.unwrap().status().as_u16(), 200);
    }
    let mut tx = gironde
        .db
        .begin_in(crate::helpers::space(&gironde.db, gironde.id).await)
        .await
        .unwrap();
    let suppressed: i64 = sqlx::query_scalar("SELECT count(*) FROM mail_suppressions")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(suppressed, 3);
}
