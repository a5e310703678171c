//! Follow-up news: contributing follows a campaign; each news mail says why it comes, renders
//! its Markdown to HTML with a plain-text part, and its one-click link (RFC 8058) stops that
//! campaign's news only. The console's mail quota says what it counts.

use std::time::Duration;

use crate::consoles::{make_operator, sign_in};
use crate::helpers::{TestApp, eventually, insert_campaign};
use crate::smtp::SmtpSink;

use super::*;

/// Posts a news item on `campaign` as the operator; returns the status.
async fn post_news(operator: &mut Browser<'_>, campaign: Uuid, title: &str, body: &str) -> u16 {
    let csrf = operator.csrf(&format!("/admin/campagnes/{campaign}/resultats")).await;
    operator
        .post_form(
            &format!("/admin/campagnes/{campaign}/nouvelles"),
            &[("csrf", &csrf), ("title", title), ("body", body)],
        )
        .await
        .0
}

// Over 100 lines: one person's path from contributing to two campaigns, through a rendered
// news mail and its one-click link, to the news of the other campaign that still comes.
#[tokio::test]
async fn contributors_follow_news_rendered_from_markdown_and_leave_one_campaign_in_one_click() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    let owner = app.test_db.owner().await;
    let first = insert_campaign(&owner, "gironde", "local", "Accueil des familles").await;
    let second = insert_campaign(&owner, "gironde", "local", "Aides au logement").await;
    let mut person = citizen(&app, "gironde", "contributrice@exemple.fr").await;
    post_idea(&mut person, &slug_of(&owner, first).await, "Des horaires du soir").await;
    post_idea(&mut person, &slug_of(&owner, second).await, "Un simulateur plus simple").await;
    assert_eq!(
        count_in(
            &owner,
            "gironde",
            "SELECT count(*) FROM campaign_followers WHERE reason = 'contributed'"
        )
        .await,
        2,
        "contributing follows the campaign"
    );

    let password = make_operator(
        &owner,
        "nouvelles.privacy@caf33.fr",
        false,
        Some(("gironde", "local_operator")),
    )
    .await;
    let (mut operator, _, _) = sign_in(&app, "gironde.localhost", "nouvelles.privacy@caf33.fr", &password).await;
    let body = "Nous ouvrirons **le mardi soir**.\n\n- jusqu’à 19 h\n- sur rendez-vous\n\n[Les horaires](https://exemple.fr/horaires) <script>alert(1)</script>";
    assert_eq!(post_news(&mut operator, first, "Des horaires élargis", body).await, 303);
    assert!(
        eventually(Duration::from_secs(10), || async { smtp.messages().len() == 1 }).await,
        "one mail: {}",
        smtp.messages().len()
    );
    let mail = smtp.messages().remove(0);
    let text = mail.part("text/plain").expect("a plain-text part");
    let html = mail.part("text/html").expect("an HTML part");
    assert!(
        text.contains("parce que vous avez participé à la consultation « Accueil des familles »"),
        "the mail says why it comes: {text}"
    );
    assert!(
        text.contains("Nous ouvrirons le mardi soir.") && text.contains("- jusqu’à 19 h"),
        "{text}"
    );
    assert!(text.contains("Les horaires (https://exemple.fr/horaires)"), "{text}");
    assert!(!text.contains("**") && !text.contains("]("), "no raw Markdown: {text}");
    assert!(html.contains("<strong>le mardi soir</strong>"), "{html}");
    assert!(html.contains("<li>sur rendez-vous</li>"), "{html}");
    assert!(!html.contains("<script") && !html.contains("**"), "{html}");
    assert!(html.contains("Ne plus suivre cette consultation"), "{html}");

    // The one-click link stops this campaign's news only.
    let header = mail.header("List-Unsubscribe").expect("List-Unsubscribe");
    assert_eq!(
        mail.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let url = header.trim_matches(['<', '>']);
    let path = &url[url.find("/desabonnement/suivi/").expect("a follow's own link")..];
    assert!(text.contains(url), "the text part carries the link too: {text}");
    let mut visitor = Browser::new(&app, "gironde.localhost");
    let (status, page) = visitor.get(path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ne plus recevoir les nouvelles de la consultation « Accueil des familles »"));
    // As a mail provider sends it: no cookie, no form token.
    let response = app
        .client
        .post(app.url(path))
        .header("host", "gironde.localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Vous ne suivez plus cette consultation")
    );
    let again = app
        .client
        .post(app.url(path))
        .header("host", "gironde.localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        404,
        "a second click finds nothing to stop, and harms nothing"
    );
    assert_eq!(
        count_in(&owner, "gironde", "SELECT count(*) FROM campaign_followers").await,
        1,
        "the other campaign is still followed"
    );
    assert_eq!(
        count_in(&owner, "gironde", "SELECT count(*) FROM mail_suppressions").await,
        0,
        "the space's other list mail still goes"
    );

    assert_eq!(
        post_news(&mut operator, first, "Encore des horaires", "Et le **jeudi**.").await,
        303
    );
    assert_eq!(
        post_news(&mut operator, second, "Le simulateur change", "Il est **plus simple**.").await,
        303
    );
    assert!(eventually(Duration::from_secs(10), || async { smtp.messages().len() == 2 }).await);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let subjects: Vec<String> = smtp.messages().iter().filter_map(|m| m.header("Subject")).collect();
    assert_eq!(subjects, ["Des horaires élargis", "Le simulateur change"]);
}

#[tokio::test]
async fn the_mail_quota_says_it_counts_every_mail_sent() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let password = make_operator(
        &owner,
        "quota.privacy@caf33.fr",
        false,
        Some(("gironde", "local_operator")),
    )
    .await;
    let (mut operator, _, _) = sign_in(&app, "gironde.localhost", "quota.privacy@caf33.fr", &password).await;
    let (status, home) = operator.get("/admin").await;
    assert_eq!(status, 200);
    let row = &home[home.find("data-quota=\"emails_per_month\"").expect("the mail quota")..];
    let label = crate::browser::extract(row, "<th scope=\"row\">").unwrap();
    assert!(
        label.starts_with("Courriels envoyés dans le mois, de tous types"),
        "the label says what is counted (sign-in links too): {label}"
    );
}
