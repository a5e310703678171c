//! Quotas: a warning at 80 %, a refusal at the limit, and list mail over the monthly quota waiting
//! while sign-in mail still goes.

use std::time::Duration;

use ecoute::tenancy::TenantDb;
use uuid::Uuid;

use crate::consoles::{make_operator, post_branding, sign_in};
use crate::helpers::{TestApp, eventually, insert_campaign, tenant_id};
use crate::smtp::SmtpSink;

use super::*;

#[tokio::test]
async fn quotas_warn_at_eighty_percent_and_refuse_at_the_limit() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let password = make_operator(
        &owner,
        "op.quotas@gironde.fr",
        false,
        Some(("gironde", "local_operator")),
    )
    .await;
    // The seeds leave Gironde with some open campaigns; the limit is set just above them.
    let gironde = tenant_id(&owner, "gironde").await;
    let open = open_campaigns(&owner, gironde).await;
    // Four open out of five: the home page warns (80 %).
    while open_campaigns(&owner, gironde).await < 4 {
        insert_campaign(&owner, "gironde", "local", "Ouverte").await;
    }
    let limit = open.max(4) + 1;
    set_quotas(
        &owner,
        "gironde",
        serde_json::json!({"active_campaigns": limit, "storage_mb": 0}),
    )
    .await;
    let (mut browser, status, _) = sign_in(&app, "gironde.localhost", "op.quotas@gironde.fr", &password).await;
    assert_eq!(status, 303);
    let (_, home) = browser.get("/admin").await;
    if limit == 5 {
        assert!(home.contains("80 % atteints"), "warning on the home page");
    }
    assert!(home.contains("data-quota=\"active_campaigns\""));

    // Fill up to the limit, then publishing one more is refused, saying why.
    while open_campaigns(&owner, gironde).await < limit {
        insert_campaign(&owner, "gironde", "local", "Ouverte").await;
    }
    let draft: Uuid = {
        let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
        let id = sqlx::query_scalar(
            "INSERT INTO campaigns (tenant_id, slug, scope, title, summary, opens_at, closes_at)
             VALUES ($1, 'brouillon-quota', 'local', 'Brouillon', 'r', now(), now() + interval '50 days') RETURNING id",
        )
        .bind(gironde)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        id
    };
    let csrf = browser.csrf(&format!("/admin/campagnes/{draft}")).await;
    let (status, _, body) = browser
        .post_form(
            &format!("/admin/campagnes/{draft}/publication"),
            &[("csrf", &csrf), ("action", "publier")],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("Publication refusée"), "the refusal says what");
    assert!(body.contains(&format!("{limit} consultation")), "and which quota");
    let (_, home) = browser.get("/admin").await;
    assert!(home.contains("limite atteinte"));

    // Storage quota 0 MB: a logo upload is refused, saying why.
    let csrf = browser.csrf("/admin/apparence").await;
    let png: Vec<u8> = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 64]].concat();
    let (status, body) = post_branding(
        &app,
        &browser,
        &[
            ("csrf", &csrf),
            ("action", "save"),
            ("primary_color", "#1b5e20"),
            ("secondary_color", "#f9a825"),
            ("welcome_text", "Bienvenue"),
        ],
        Some(("logo.png", &png)),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("Envoi refusé"));
}

#[tokio::test]
async fn list_mail_over_the_monthly_quota_waits_and_sign_in_mail_still_goes() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    let owner = app.test_db.owner().await;
    set_quotas(&owner, "aude", serde_json::json!({"emails_per_month": 2})).await;
    let aude = tenant_id(&owner, "aude").await;
    // Queued as the application does: invitations in one bulk, a sign-in link alone.
    let db = TenantDb::new(app.test_db.app_pool().await);
    let mut tx = db.begin_in(crate::helpers::space(&db, aude).await).await.unwrap();
    let invitation = ecoute::mail::MailContent {
        kind: ecoute::mail::MailKind::Invitation,
        subject: "Donnez votre avis",
        text: "Bonjour, la Caf vous invite.",
        campaign: None,
        attachment: None,
        lang: ecoute::web::i18n::Lang::Fr,
    };
    let addresses: Vec<String> = ["un@exemple.fr", "deux@exemple.fr", "trois@exemple.fr"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    ecoute::mail::queue_bulk(&mut tx, &addresses, &invitation)
        .await
        .unwrap();
    let sign_in = ecoute::mail::OutgoingMail {
        to: "connexion@exemple.fr".into(),
        subject: "Votre lien".into(),
        text: "Le lien.".into(),
        lang: ecoute::web::i18n::Lang::Fr,
    };
    ecoute::mail::queue(&mut tx, &sign_in).await.unwrap();
    tx.commit().await.unwrap();
    let sent = eventually(Duration::from_secs(15), || async { smtp.messages().len() >= 3 }).await;
    if !sent {
        let mut tx = ecoute::db::owner_tx_in(&owner, aude).await.unwrap();
        let rows: Vec<(String, String, i32, Option<String>)> =
            sqlx::query_as("SELECT kind, status, attempts, last_error FROM mail_outbox WHERE tenant_id = $1")
                .bind(aude)
                .fetch_all(&mut *tx)
                .await
                .unwrap();
        panic!("not sent: {rows:?}, received {}", smtp.messages().len());
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    let received: Vec<String> = smtp.messages().iter().map(|m| m.to.join(",")).collect();
    assert_eq!(received.len(), 3, "two invitations and the sign-in link: {received:?}");
    assert!(received.iter().any(|to| to.contains("connexion@exemple.fr")));
    let waiting: i64 = {
        let mut tx = ecoute::db::owner_tx_in(&owner, aude).await.unwrap();
        let n = sqlx::query_scalar("SELECT count(*) FROM mail_outbox WHERE tenant_id = $1 AND status = 'queued'")
            .bind(aude)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        n
    };
    assert_eq!(waiting, 1, "the third invitation waits, it is not dropped");
    assert_eq!(usage(&app, "aude").await.emails_sent, 3);
    assert_eq!(usage(&app, "aude").await.invitations, 3);

    // A raised quota lets it go (the worker's sweep finds it).
    set_quotas(&owner, "aude", serde_json::json!({"emails_per_month": 10})).await;
    sqlx::query("SELECT pg_notify('ecoute_mail_queued', $1)")
        .bind(aude.to_string())
        .execute(&owner)
        .await
        .unwrap();
    assert!(eventually(Duration::from_secs(15), || async { smtp.messages().len() == 4 }).await);
}
