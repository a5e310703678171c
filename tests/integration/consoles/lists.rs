//! Lists of people pasted into the console: the staff list opening staff-only campaigns, and
//! invitation lists checked line by line, sent once and followed.

use reqwest::Method;
use uuid::Uuid;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, campaign_slug, session_for, tenant_id};

use super::*;

#[tokio::test]
async fn the_staff_list_opens_staff_only_campaigns_and_reports_bad_lines() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let gironde = tenant_id(&owner, "gironde").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query("UPDATE campaigns SET audience = 'staff' WHERE slug = $1")
        .bind(&slug)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut agent = Browser::new(&app, GIRONDE);
    agent.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "agent.externe@exemple.fr").await,
    );
    let ideas = format!("/api/v1/campaigns/{slug}/ideas");
    assert_eq!(agent.api(Method::GET, &ideas, None).await.0, 403, "not staff by domain");

    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "loc@caf33.caf.fr", &password).await;
    let csrf = operator.csrf("/admin/securite").await;
    let (status, _, html) = operator
        .post_form(
            "/admin/equipe/agents",
            &[
                ("csrf", &csrf),
                (
                    "emails",
                    "agent.externe@exemple.fr\npas-une-adresse\nautre@exemple.fr; AUTRE@exemple.fr",
                ),
            ],
        )
        .await;
    assert_eq!(status, 422, "one bad line is reported");
    assert!(html.contains("Ligne 2") && html.contains("pas-une-adresse"));
    assert!(
        html.contains("2 adresses ajoutées"),
        "the valid lines were taken, deduplicated"
    );
    assert!(
        html.contains(">pas-une-adresse</textarea>"),
        "the refused address comes back in the field, to be corrected; the taken ones do not"
    );
    let (status, _, html) = operator
        .post_form(
            "/admin/equipe/invitations",
            &[("csrf", &csrf), ("email", "collegue@caf33"), ("role", "moderator")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("value=\"collegue@caf33\"") && html.contains("value=\"moderator\" selected"),
        "an invitation refused for its address keeps the address and the role"
    );
    assert_eq!(
        agent.api(Method::GET, &ideas, None).await.0,
        200,
        "now staff by invitation"
    );
    let queued: i64 = {
        let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
        sqlx::query_scalar("SELECT count(*) FROM mail_outbox WHERE subject LIKE 'Consultations internes%'")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    };
    assert_eq!(queued, 2, "each new member is told once");
}

// Over 100 lines: one list followed end to end (pasted and checked line by line → queued →
// delivered once by the worker → progress and delivery list); each step reads what the last queued
// or sent.
#[tokio::test]
async fn a_list_of_invitations_is_checked_line_by_line_sent_once_and_followed() {
    let sink = crate::smtp::SmtpSink::start().await;
    let app = TestApp::spawn_with_smtp(&format!("smtp://127.0.0.1:{}", sink.port)).await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let gironde = tenant_id(&owner, "gironde").await;
    let id: Uuid = sqlx::query_scalar("SELECT id FROM campaigns WHERE slug = $1")
        .bind(&slug)
        .fetch_one(&owner)
        .await
        .unwrap();
    // Someone unsubscribed from this space earlier.
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query(
        "INSERT INTO mail_suppressions (tenant_id, address, reason) VALUES ($1, 'parti@exemple.fr', 'unsubscribed')",
    )
    .bind(gironde)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "loc@caf33.caf.fr", &password).await;
    let page = format!("/admin/campagnes/{id}/invitations");
    let (status, html) = operator.get(&page).await;
    assert_eq!(status, 200);
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let subject = extract(&html, "name=\"subject\" value=\"").unwrap();
    let csv = "nom;email\nDurand;anne@exemple.fr\nMartin;PAUL@exemple.fr\nsans adresse\nBernard;luc@\nDurand bis;anne@exemple.fr\nParti;parti@exemple.fr\n";
    let (content_type, body) = {
        let boundary = format!("----ecoute{}", Uuid::new_v4().simple());
        let mut body = String::new();
        for (name, value) in [
            ("csrf", csrf.as_str()),
            ("addresses", "marc@exemple.fr, lea@exemple.fr"),
            ("subject", subject.as_str()),
            ("message", "Bonjour, donnez-nous votre avis."),
        ] {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"liste.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"));
        (format!("multipart/form-data; boundary={boundary}"), body)
    };
    let cookies = format!(
        "ecoute_console={}; ecoute_visiteur={}",
        operator.cookie("ecoute_console").unwrap(),
        operator.cookie("ecoute_visiteur").unwrap()
    );
    let response = app
        .client
        .post(app.url(&page))
        .header("host", GIRONDE)
        .header("cookie", cookies)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report = response.text().await.unwrap();
    // Taken: marc, lea, anne, paul (4 queued); parti suppressed; anne twice; lines 4 and 5 refused.
    assert!(report.contains("<strong>4</strong>"), "four queued:\n{report}");
    assert!(
        report.contains("<td>4</td><td>sans adresse</td>") && report.contains("<td>5</td><td>luc@</td>"),
        "line numbers and reasons"
    );

    // The worker delivers each once, with the campaign's link; the unsubscribed address gets nothing.
    assert!(
        crate::helpers::eventually(std::time::Duration::from_secs(10), || async {
            sink.messages().len() >= 4
        })
        .await,
        "the server's worker delivers them"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let received = sink.messages();
    let mut to: Vec<String> = received.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        vec![
            "anne@exemple.fr",
            "lea@exemple.fr",
            "marc@exemple.fr",
            "paul@exemple.fr"
        ],
        "each once"
    );
    assert!(
        received
            .iter()
            .all(|m| m.data.contains(&format!("/consultations/{slug}")))
    );

    // Progress and the delivery list.
    let (status, progress) = operator.api(Method::GET, &format!("{page}/etat"), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (progress["done"].as_i64(), progress["total"].as_i64()),
        (Some(5), Some(5)),
        "{progress}"
    );
    let (status, list) = operator.get(&format!("/admin/courriels?campagne={id}")).await;
    assert_eq!(status, 200);
    assert!(list.contains("anne@exemple.fr") && list.contains("parti@exemple.fr"));
}
