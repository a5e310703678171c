//! Retention: sign-in requests and sent mail are erased after the configured periods, mail
//! still waiting to go is left alone, and the personal data page states the same periods.

use chrono::Utc;
use ecoute::config::Retention;

use crate::helpers::{TestApp, TestDb, as_owner};

use super::*;

const RETENTION: Retention = Retention {
    sign_in_days: 7,
    mail_body_days: 10,
    mail_log_days: 20,
};

async fn spawn() -> TestApp {
    let test_db = TestDb::new().await;
    let mut settings = test_db.settings();
    settings.retention = RETENTION;
    TestApp::spawn_with_settings(test_db, settings).await
}

#[tokio::test]
async fn the_privacy_page_states_the_configured_periods() {
    let app = spawn().await;
    let (status, page) = app.get_text("gironde.localhost", "/donnees-personnelles").await;
    assert_eq!(status, 200);
    let sign_in = crate::browser::extract(&page, "<dd id=\"kept-sign-in\">").unwrap();
    assert!(
        sign_in.contains("est effacée 7 jours après avoir été faite"),
        "{sign_in}"
    );
    let mail = crate::browser::extract(&page, "<dd id=\"kept-mail\">").unwrap();
    assert!(
        mail.contains("effacé 10 jours après son envoi") && mail.contains("20 jours après"),
        "{mail}"
    );
}

#[tokio::test]
async fn sign_in_requests_and_sent_mail_are_erased_after_their_periods() {
    let app = spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    as_owner(
        &owner,
        gironde,
        format!(
            "INSERT INTO sign_in_tokens (tenant_id, token_hash, email, expires_at, created_at) VALUES
               ('{gironde}', '\\x01', 'ancienne@exemple.fr', now() - interval '8 days', now() - interval '8 days'),
               ('{gironde}', '\\x02', 'recente@exemple.fr', now(), now() - interval '6 days');
             INSERT INTO mail_outbox (tenant_id, kind, to_address, subject, text_body, status, created_at, next_try_at,
                                      attachment_name, attachment_type, attachment_text) VALUES
               ('{gironde}', 'workshop', 'onze@exemple.fr', 'Onze jours', 'Texte de onze jours', 'sent', now() - interval '11 days', now(),
                'atelier.ics', 'text/calendar', 'BEGIN:VCALENDAR'),
               ('{gironde}', 'invitation', 'incertain@exemple.fr', 'Incertain', 'Texte incertain', 'uncertain', now() - interval '11 days', now(),
                NULL, NULL, NULL),
               ('{gironde}', 'invitation', 'vingt-et-un@exemple.fr', 'Vingt et un jours', 'Texte ancien', 'failed', now() - interval '21 days', now(),
                NULL, NULL, NULL),
               ('{gironde}', 'invitation', 'en-attente@exemple.fr', 'En attente', 'Texte qui attend', 'queued', now() - interval '30 days', now() + interval '1 day',
                NULL, NULL, NULL),
               ('{gironde}', 'invitation', 'hier@exemple.fr', 'Hier', 'Texte d’hier', 'sent', now() - interval '1 day', now(),
                NULL, NULL, NULL);"
        ),
    )
    .await;

    let db = ecoute::tenancy::TenantDb::new(app.test_db.app_pool().await);
    let purged = ecoute::accounts::retention::purge(&db, &RETENTION, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        (purged.sign_in_requests, purged.mail_bodies, purged.mail_records),
        (1, 3, 1),
        "the 21-day-old mail loses its text, then its record: {purged:?}"
    );
    assert_eq!(
        count_in(
            &owner,
            "gironde",
            "SELECT count(*) FROM sign_in_tokens WHERE email = 'ancienne@exemple.fr'"
        )
        .await,
        0
    );
    assert_eq!(
        count_in(
            &owner,
            "gironde",
            "SELECT count(*) FROM sign_in_tokens WHERE email = 'recente@exemple.fr'"
        )
        .await,
        1
    );
    assert_eq!(
        count_in(
            &owner,
            "gironde",
            "SELECT count(*) FROM mail_outbox WHERE to_address = 'onze@exemple.fr' AND text_body = '' AND attachment_text IS NULL AND status = 'sent'"
        )
        .await,
        1,
        "the text goes, the record stays"
    );
    assert_eq!(
        count_in(
            &owner,
            "gironde",
            "SELECT count(*) FROM mail_outbox WHERE to_address = 'incertain@exemple.fr' AND text_body = '' AND status = 'failed'"
        )
        .await,
        1,
        "an uncertain mail without its text cannot be resent: it failed"
    );
    assert_eq!(
        count_in(
            &owner,
            "gironde",
            "SELECT count(*) FROM mail_outbox WHERE to_address = 'vingt-et-un@exemple.fr'"
        )
        .await,
        0
    );
    assert_eq!(
        count_in(
            &owner,
            "gironde",
            "SELECT count(*) FROM mail_outbox WHERE to_address IN ('en-attente@exemple.fr', 'hier@exemple.fr') AND text_body <> ''"
        )
        .await,
        2,
        "mail waiting to go, and recent mail, are kept whole"
    );
    // A second pass finds nothing more.
    let again = ecoute::accounts::retention::purge(&db, &RETENTION, Utc::now()).await;
    assert_eq!(again.unwrap(), Default::default());
}
