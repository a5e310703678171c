//! Signing in by e-mailed link: once, expired links and bad addresses explained, CSRF tokens,
//! queued mail waiting for SMTP, and staff-only campaigns admitting their staff.

use std::time::Duration;

use ecoute::mail::worker::{MailWorker, Transport};
use reqwest::Method;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, campaign_slug, eventually, tenant_id};
use crate::smtp::SmtpSink;

use super::*;

#[tokio::test]
async fn sign_in_by_emailed_link_once() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    let mut browser = Browser::new(&app, "gironde.localhost");
    let csrf = browser.csrf("/connexion?retour=/").await;

    let (status, _, body) = browser
        .post_form(
            "/connexion",
            &[("csrf", &csrf), ("email", " Marie@Exemple.FR "), ("retour", "/")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("Consultez votre messagerie"));

    // The mail went through a real SMTP server, sent by the outbox worker.
    assert!(
        eventually(Duration::from_secs(5), || async { !smtp.messages().is_empty() }).await,
        "no mail received"
    );
    let mail = smtp.messages().remove(0);
    assert_eq!(mail.to, vec!["marie@exemple.fr".to_owned()]);
    assert!(mail.data.contains("Caf de la Gironde"));
    let data = mail.data.replace("=\n", "").replace("=3D", "=");
    let token = extract(&data, "/connexion/lien?jeton=")
        .map(|t| t.split_whitespace().next().unwrap().to_owned())
        .expect("a link");
    let token = token.trim_end_matches(['\r', '\n']).to_owned();

    // Only the hash is stored.
    let owner = app.test_db.owner().await;
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM sign_in_tokens")
        .fetch_all(&owner)
        .await
        .unwrap();
    assert_eq!(stored, vec![ecoute::tokens::hash_token(&token)]);

    // Opening the link asks for a click (mail scanners do not sign anyone in).
    let (status, confirm) = browser.get(&format!("/connexion/lien?jeton={token}")).await;
    assert_eq!(status, 200);
    let csrf = extract(&confirm, "name=\"csrf\" value=\"").unwrap();
    let (status, location, _) = browser
        .post_form("/connexion/lien", &[("csrf", &csrf), ("jeton", &token)])
        .await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/"));
    assert!(browser.cookie("ecoute_session").is_some());
    let (_, home) = browser.get("/").await;
    assert!(home.contains("Se déconnecter"), "signed in");

    // Single use.
    let mut other = Browser::new(&app, "gironde.localhost");
    let csrf = other.csrf(&format!("/connexion/lien?jeton={token}")).await;
    let (status, _, body) = other
        .post_form("/connexion/lien", &[("csrf", &csrf), ("jeton", &token)])
        .await;
    assert_eq!(status, 410);
    assert!(body.contains("déjà été utilisé"));

    // Sign out.
    let csrf = browser.csrf("/").await;
    let (status, _, _) = browser.post_form("/deconnexion", &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    assert!(browser.cookie("ecoute_session").is_none());
}

#[tokio::test]
async fn an_expired_link_is_refused_and_bad_addresses_are_explained() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app, "aude.localhost");
    let csrf = browser.csrf("/connexion").await;
    let (status, _, body) = browser
        .post_form("/connexion", &[("csrf", &csrf), ("email", "pas-une-adresse")])
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("Saisissez une adresse électronique valide") && body.contains("aria-invalid=\"true\""));

    let (status, _, _) = browser
        .post_form("/connexion", &[("csrf", &csrf), ("email", "jean@exemple.fr")])
        .await;
    assert_eq!(status, 200);
    let owner = app.test_db.owner().await;
    // Age every token past its 15 minutes.
    sqlx::query("UPDATE sign_in_tokens SET expires_at = now() - interval '1 second'")
        .execute(&owner)
        .await
        .unwrap();
    let mail: String = {
        let aude = tenant_id(&owner, "aude").await;
        let mut tx = ecoute::db::owner_tx_in(&owner, aude).await.unwrap();
        sqlx::query_scalar("SELECT text_body FROM mail_outbox")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    };
    let token = extract(&mail, "jeton=").unwrap();
    let token = token.split_whitespace().next().unwrap();
    let (status, _, body) = browser
        .post_form("/connexion/lien", &[("csrf", &csrf), ("jeton", token)])
        .await;
    assert_eq!(status, 410);
    assert!(body.contains("a expiré"));
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app, "gironde.localhost");
    let good = browser.csrf("/connexion").await;
    let (status, _, body) = browser.post_form("/connexion", &[("email", "a@exemple.fr")]).await;
    assert_eq!(status, 403);
    assert!(body.contains("Formulaire expiré"));
    let (status, _, _) = browser
        .post_form(
            "/connexion",
            &[("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), ("email", "a@exemple.fr")],
        )
        .await;
    assert_eq!(status, 403);
    // A token is bound to its visitor and to its space.
    let mut other_space = Browser::new(&app, "aude.localhost");
    other_space.set_cookie("ecoute_visiteur", browser.cookie("ecoute_visiteur").unwrap());
    let (status, _, _) = other_space
        .post_form("/connexion", &[("csrf", &good), ("email", "a@exemple.fr")])
        .await;
    assert_eq!(status, 403);
    let owner = app.test_db.owner().await;
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM sign_in_tokens")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(queued, 0, "nothing was stored for refused forms");
}

#[tokio::test]
async fn queued_mail_waits_for_smtp_and_is_sent_once() {
    // No server here: its own worker would send the mail before we look.
    let test_db = crate::helpers::TestDb::new().await;
    let owner = test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let db = ecoute::tenancy::TenantDb::new(test_db.app_pool().await);
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    let mail = ecoute::mail::OutgoingMail {
        to: "x@exemple.fr".into(),
        subject: "Sujet".into(),
        text: "Corps".into(),
        lang: ecoute::web::i18n::Lang::Fr,
    };
    ecoute::mail::queue(&mut tx, &mail).await.unwrap();
    tx.commit().await.unwrap();

    // SMTP down: the mail waits, with the error recorded.
    let down = MailWorker::new(
        test_db.app_pool().await,
        Transport::from_settings(Some("smtp://127.0.0.1:9"), "a@b.fr").unwrap(),
    );
    down.drain().await.unwrap();
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    let (status, attempts, error): (String, i32, Option<String>) =
        sqlx::query_as("SELECT status, attempts, last_error FROM mail_outbox")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("queued", 1));
    assert!(error.is_some());
    sqlx::query("UPDATE mail_outbox SET next_try_at = now()")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // SMTP back: sent, once.
    let smtp = SmtpSink::start().await;
    let up = MailWorker::new(
        test_db.app_pool().await,
        Transport::from_settings(Some(&smtp.url()), "a@b.fr").unwrap(),
    );
    assert_eq!(up.drain().await.unwrap(), 1);
    assert_eq!(up.drain().await.unwrap(), 0);
    assert_eq!(smtp.messages().len(), 1);
    assert!(smtp.messages()[0].data.contains("Message-ID:"));
}

#[tokio::test]
async fn staff_only_campaigns_admit_the_spaces_staff_and_explain_to_others() {
    let app = TestApp::spawn().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let owner = app.test_db.owner().await;
    sqlx::query("UPDATE campaigns SET audience = 'staff' WHERE slug = $1")
        .bind(&slug)
        .execute(&owner)
        .await
        .unwrap();
    let idea = serde_json::json!({"kind": "idee", "title": "Un meilleur outil", "body": "Un outil de suivi des dossiers plus rapide."});

    // An agent of the Caf de la Gironde (staff domain caf33.caf.fr in tenants/gironde.toml).
    let mut agent = signed_in(&app, "gironde", "gironde.localhost", "agent@caf33.caf.fr").await;
    let (status, created) = agent
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{slug}/ideas"),
            Some(idea.clone()),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, _) = agent.get(&format!("/consultations/{slug}")).await;
    assert_eq!(status, 200);

    // A citizen, and an agent of another Caf, get a clear explanation.
    for email in ["citoyen@exemple.fr", "agent@caf11.caf.fr"] {
        let mut other = signed_in(&app, "gironde", "gironde.localhost", email).await;
        let (status, problem) = other
            .api(
                Method::POST,
                &format!("/api/v1/campaigns/{slug}/ideas"),
                Some(idea.clone()),
            )
            .await;
        assert_eq!(status, 403, "{email}");
        assert!(problem["detail"].as_str().unwrap().contains("réservée aux agents"));
        let id = created["id"].as_str().unwrap();
        assert_eq!(
            other.api(Method::GET, &format!("/api/v1/ideas/{id}"), None).await.0,
            403
        );
        let (status, page) = other.get(&format!("/consultations/{slug}")).await;
        assert_eq!(status, 403);
        assert!(page.contains("Consultation réservée aux agents") && page.contains("adresse professionnelle"));
    }
    let (status, page) = Browser::new(&app, "gironde.localhost")
        .get(&format!("/consultations/{slug}"))
        .await;
    assert_eq!(status, 403);
    assert!(page.contains("Connectez-vous avec votre adresse électronique professionnelle"));
}
