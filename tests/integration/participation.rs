//! The citizen journey through pages and the API: sign-in by e-mailed link, ideas, likes,
//! comments, reports; double submissions, bad input and cross-space attempts.

use std::time::Duration;

use ecoute::mail::worker::{MailWorker, Transport};
use reqwest::Method;
use uuid::Uuid;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, campaign_slug, eventually, session_for, tenant_id};
use crate::smtp::SmtpSink;

async fn signed_in<'a>(app: &'a TestApp, slug: &str, host: &str, email: &str) -> Browser<'a> {
    let owner = app.test_db.owner().await;
    let mut browser = Browser::new(app, host);
    browser.set_cookie("ecoute_session", &session_for(&owner, slug, email).await);
    browser
}

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
async fn a_citizen_posts_an_idea_once_even_when_submitting_twice() {
    let app = TestApp::spawn().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let mut browser = signed_in(&app, "gironde", "gironde.localhost", "lea@exemple.fr").await;
    let (status, page) = browser.get(&format!("/consultations/{slug}")).await;
    assert_eq!(status, 200);
    let csrf = extract(&page, "name=\"csrf\" value=\"").unwrap();
    let key = extract(&page, "name=\"submission_key\" value=\"").unwrap();
    let fields = [
        ("csrf", csrf.as_str()),
        ("submission_key", key.as_str()),
        ("kind", "idee"),
        ("title", "Des rendez-vous le samedi"),
        (
            "body",
            "Ouvrir l’accueil sur rendez-vous un samedi par mois pour les parents qui travaillent.",
        ),
    ];
    let (status, first, _) = browser
        .post_form(&format!("/consultations/{slug}/idees"), &fields)
        .await;
    assert_eq!(status, 303);
    let (status, second, _) = browser
        .post_form(&format!("/consultations/{slug}/idees"), &fields)
        .await;
    assert_eq!(status, 303);
    assert_eq!(first, second, "the double submission lands on the same idea");
    let owner = app.test_db.owner().await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM ideas")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(count, 1);

    let (status, idea_page) = browser.get(first.as_deref().unwrap()).await;
    assert_eq!(status, 200);
    assert!(idea_page.contains("Des rendez-vous le samedi") && idea_page.contains("un samedi par mois"));
    let (_, list) = browser.get(&format!("/consultations/{slug}?ordre=newest")).await;
    assert!(list.contains("Des rendez-vous le samedi"));
}

#[tokio::test]
async fn invalid_ideas_are_explained_next_to_the_fields() {
    let app = TestApp::spawn().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let mut browser = signed_in(&app, "gironde", "gironde.localhost", "lea@exemple.fr").await;
    let (_, page) = browser.get(&format!("/consultations/{slug}")).await;
    let csrf = extract(&page, "name=\"csrf\" value=\"").unwrap();
    let key = Uuid::new_v4().to_string();
    let long = "x".repeat(4001);
    let (status, _, body) = browser
        .post_form(
            &format!("/consultations/{slug}/idees"),
            &[
                ("csrf", &csrf),
                ("submission_key", &key),
                ("kind", "idee"),
                ("title", ""),
                ("body", &long),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        body.contains("id=\"idea-title-error\">Ce champ est obligatoire."),
        "title error next to the field"
    );
    assert!(body.contains("id=\"idea-body-error\">Ce texte est trop long."));
    let owner = app.test_db.owner().await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM ideas")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn likes_comments_and_reports_through_the_api() {
    let app = TestApp::spawn().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let mut author = signed_in(&app, "gironde", "gironde.localhost", "auteur@exemple.fr").await;
    let mut reader = signed_in(&app, "gironde", "gironde.localhost", "lecteur@exemple.fr").await;
    let mut anonymous = Browser::new(&app, "gironde.localhost");

    let body = serde_json::json!({"kind": "attente", "title": "Être rappelé", "body": "Être rappelé quand mon dossier est traité."});
    let (status, problem) = anonymous
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{slug}/ideas"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (401, Some("/problems/unauthorized"))
    );
    let (status, idea) = author
        .api(Method::POST, &format!("/api/v1/campaigns/{slug}/ideas"), Some(body))
        .await;
    assert_eq!(status, 201, "{idea}");
    let id = idea["id"].as_str().unwrap().to_owned();

    let (status, problem) = author
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{slug}/ideas"),
            Some(serde_json::json!({"kind": "autre", "title": "", "body": "court"})),
        )
        .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["kind", "title", "body"]);

    // Liking: once, not one's own.
    assert_eq!(
        author
            .api(Method::POST, &format!("/api/v1/ideas/{id}/like"), None)
            .await
            .0,
        409
    );
    assert_eq!(
        reader
            .api(Method::POST, &format!("/api/v1/ideas/{id}/like"), None)
            .await
            .0,
        201
    );
    assert_eq!(
        reader
            .api(Method::POST, &format!("/api/v1/ideas/{id}/like"), None)
            .await
            .0,
        409
    );
    let (_, idea) = reader.api(Method::GET, &format!("/api/v1/ideas/{id}"), None).await;
    assert_eq!(
        (idea["like_count"].as_i64(), idea["liked_by_me"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(
        reader
            .api(Method::DELETE, &format!("/api/v1/ideas/{id}/like"), None)
            .await
            .0,
        204
    );
    assert_eq!(
        reader
            .api(Method::DELETE, &format!("/api/v1/ideas/{id}/like"), None)
            .await
            .0,
        404
    );
    assert_eq!(
        reader
            .api(Method::POST, &format!("/api/v1/ideas/{id}/like"), None)
            .await
            .0,
        201
    );

    // Comments with one level of replies.
    let (status, comment) = reader
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/comments"),
            Some(serde_json::json!({"body": "Tout à fait d’accord."})),
        )
        .await;
    assert_eq!(status, 201);
    let comment_id = comment["id"].as_str().unwrap().to_owned();
    let (status, reply) = author
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/comments"),
            Some(serde_json::json!({"body": "Merci !", "parent_id": comment_id})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = reader
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/comments"),
            Some(serde_json::json!({"body": "Trop profond", "parent_id": reply["id"]})),
        )
        .await;
    assert_eq!(status, 422, "no reply to a reply");
    let (_, thread) = reader
        .api(Method::GET, &format!("/api/v1/ideas/{id}/comments"), None)
        .await;
    assert_eq!(thread.as_array().unwrap().len(), 1);
    assert_eq!(thread[0]["replies"][0]["body"], "Merci !");
    let (_, idea) = reader.api(Method::GET, &format!("/api/v1/ideas/{id}"), None).await;
    assert_eq!(
        (idea["like_count"].as_i64(), idea["comment_count"].as_i64()),
        (Some(1), Some(2))
    );

    // Reporting, once.
    let report = serde_json::json!({"reason": "Propos hors sujet"});
    assert_eq!(
        reader
            .api(
                Method::POST,
                &format!("/api/v1/ideas/{id}/reports"),
                Some(report.clone())
            )
            .await
            .0,
        202
    );
    assert_eq!(
        reader
            .api(Method::POST, &format!("/api/v1/ideas/{id}/reports"), Some(report))
            .await
            .0,
        409
    );

    // Ordering by likes through the API.
    let (_, page) = reader
        .api(
            Method::GET,
            &format!("/api/v1/campaigns/{slug}/ideas?order=most-liked"),
            None,
        )
        .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["ideas"][0]["id"].as_str(), Some(id.as_str()));
}

#[tokio::test]
async fn another_spaces_ideas_and_closed_campaigns_are_refused() {
    let app = TestApp::spawn().await;
    let gironde_slug = campaign_slug(&app, "gironde", "local").await;
    let mut gironde = signed_in(&app, "gironde", "gironde.localhost", "gaelle@exemple.fr").await;
    let (_, idea) = gironde
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{gironde_slug}/ideas"),
            Some(serde_json::json!({"kind": "idee", "title": "Idée girondine", "body": "Une idée qui reste en Gironde."})),
        )
        .await;
    let id = idea["id"].as_str().unwrap().to_owned();

    let mut aude = signed_in(&app, "aude", "aude.localhost", "adrien@exemple.fr").await;
    assert_eq!(aude.api(Method::GET, &format!("/api/v1/ideas/{id}"), None).await.0, 404);
    assert_eq!(
        aude.api(Method::POST, &format!("/api/v1/ideas/{id}/like"), None)
            .await
            .0,
        404
    );
    assert_eq!(
        aude.api(Method::GET, &format!("/api/v1/campaigns/{gironde_slug}"), None)
            .await
            .0,
        404
    );
    let (status, _) = aude.get(&format!("/consultations/{gironde_slug}/idees/{id}")).await;
    assert_eq!(status, 404);
    let csrf = aude.csrf("/").await;
    let (status, _, _) = aude
        .post_form(
            &format!("/consultations/{gironde_slug}/idees/{id}/soutien"),
            &[("csrf", &csrf), ("action", "soutenir")],
        )
        .await;
    assert_eq!(status, 404, "a form naming another space's idea is refused");

    // A closed campaign takes no more ideas.
    let owner = app.test_db.owner().await;
    sqlx::query("UPDATE campaigns SET opens_at = now() - interval '60 days', closes_at = now() - interval '1 day'")
        .execute(&owner)
        .await
        .unwrap();
    // Changed behind the application's back: instances learn it through a notification.
    let campaign_path = format!("/api/v1/campaigns/{gironde_slug}");
    assert!(
        eventually(Duration::from_secs(2), || async {
            let (_, campaign) = Browser::new(&app, "gironde.localhost")
                .api(Method::GET, &campaign_path, None)
                .await;
            campaign["status"] == "closed"
        })
        .await
    );
    let (status, problem) = gironde
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{gironde_slug}/ideas"),
            Some(serde_json::json!({"kind": "idee", "title": "Trop tard", "body": "Une idée après la clôture."})),
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(
        gironde
            .api(
                Method::POST,
                &format!("/api/v1/ideas/{id}/comments"),
                Some(serde_json::json!({"body": "tard"}))
            )
            .await
            .0,
        409
    );
}

#[tokio::test]
async fn national_contributions_are_stored_nationally_with_their_origin() {
    let app = TestApp::spawn().await;
    let slug = campaign_slug(&app, "national", "national").await;
    let mut gironde = signed_in(&app, "gironde", "gironde.localhost", "gaelle@exemple.fr").await;
    let (status, idea) = gironde
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{slug}/ideas"),
            Some(serde_json::json!({"kind": "experience", "title": "Depuis la Gironde", "body": "Mon expérience de la déclaration trimestrielle."})),
        )
        .await;
    assert_eq!(status, 201, "{idea}");
    let owner = app.test_db.owner().await;
    let (national, gironde_id) = (tenant_id(&owner, "national").await, tenant_id(&owner, "gironde").await);
    assert_eq!(idea["tenant_id"].as_str().unwrap(), national.to_string());
    assert_eq!(idea["origin_tenant_id"].as_str().unwrap(), gironde_id.to_string());
    let id: Uuid = idea["id"].as_str().unwrap().parse().unwrap();

    // Another space sees the shared national idea, and can support it.
    let mut aude = signed_in(&app, "aude", "aude.localhost", "adrien@exemple.fr").await;
    assert_eq!(
        aude.api(Method::POST, &format!("/api/v1/ideas/{id}/like"), None)
            .await
            .0,
        201
    );
    let (_, seen) = aude.api(Method::GET, &format!("/api/v1/ideas/{id}"), None).await;
    assert_eq!(seen["like_count"], 1);

    // As the application role: Gironde reads its national contribution but cannot change it.
    let db = ecoute::tenancy::TenantDb::new(app.test_db.app_pool().await);
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde_id).await).await.unwrap();
    let title: String = sqlx::query_scalar("SELECT title FROM ideas WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(title, "Depuis la Gironde");
    let updated = sqlx::query("UPDATE ideas SET title = 'modifié' WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 0);
    let deleted = sqlx::query("DELETE FROM ideas WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 0);
    // And it cannot plant a contribution in the national space claiming to come from elsewhere.
    let forged = sqlx::query(
        "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, submission_key)
         SELECT tenant_id, campaign_id, $2, 'idee', 'Faux', 'Une origine usurpée.', gen_random_uuid() FROM ideas WHERE id = $1",
    )
    .bind(id)
    .bind(tenant_id(&owner, "aude").await)
    .execute(&mut *tx)
    .await;
    assert!(forged.is_err(), "origin must be the current space");
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

#[tokio::test]
async fn search_is_french_and_accent_insensitive() {
    let app = TestApp::spawn().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let mut person = signed_in(&app, "gironde", "gironde.localhost", "chercheuse@exemple.fr").await;
    for (title, body) in [
        (
            "Démarches en ligne trop longues",
            "Les formulaires demandent trop de justificatifs.",
        ),
        (
            "Accueil du samedi",
            "Ouvrir l’agence le samedi matin pour les familles.",
        ),
    ] {
        let (status, _) = person
            .api(
                Method::POST,
                &format!("/api/v1/campaigns/{slug}/ideas"),
                Some(serde_json::json!({"kind": "idee", "title": title, "body": body})),
            )
            .await;
        assert_eq!(status, 201);
    }
    // No accent, singular: stemming and unaccent find "Démarches".
    let (_, page) = person
        .api(Method::GET, &format!("/api/v1/campaigns/{slug}/ideas?q=demarche"), None)
        .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["ideas"][0]["title"], "Démarches en ligne trop longues");
    let (_, page) = person
        .api(
            Method::GET,
            &format!("/api/v1/campaigns/{slug}/ideas?q=famille%20-agence"),
            None,
        )
        .await;
    assert_eq!(page["total"], 0, "websearch syntax excludes words");
    let (status, html) = person
        .get(&format!("/consultations/{slug}?recherche=JUSTIFICATIF"))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Démarches en ligne trop longues") && !html.contains("Accueil du samedi"));
    assert!(html.contains("1 contribution pour « JUSTIFICATIF »"));

    // Longer than the API promises (a full-text query costs by its words): the API refuses it,
    // naming the parameter; the page cuts it to the first 200 characters, and says so in its field.
    let long = "justificatif ".repeat(300);
    let encoded = long.trim_end().replace(' ', "%20");
    let (status, problem) = person
        .api(
            Method::GET,
            &format!("/api/v1/campaigns/{slug}/ideas?q={encoded}"),
            None,
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "q");
    let (status, html) = person.get(&format!("/consultations/{slug}?recherche={encoded}")).await;
    assert_eq!(status, 200);
    let cut: String = long.chars().take(ecoute::ideas::SEARCH_MAX_CHARS).collect();
    assert!(
        html.contains(&format!("value=\"{cut}\"")),
        "the field shows the search as cut"
    );
    assert!(!html.contains(&format!("value=\"{cut}t")), "and nothing past it");
}

#[tokio::test]
async fn writes_are_rate_limited_per_client() {
    let test_db = crate::helpers::TestDb::new().await;
    let mut settings = test_db.settings();
    settings.write_limit_per_minute = Some(3);
    let app = TestApp::spawn_with_settings(test_db, settings).await;
    let mut browser = Browser::new(&app, "gironde.localhost");
    let csrf = browser.csrf("/connexion").await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        let email = format!("limite{i}@exemple.fr");
        statuses.push(
            browser
                .post_form("/connexion", &[("csrf", &csrf), ("email", &email)])
                .await
                .0,
        );
    }
    // Three pass; the budget comes back one write every 20 s, so the next two are refused.
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    let (status, body) = browser.api(Method::POST, "/api/v1/me", None).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["type"], "/problems/too-many-requests");
    // Retry-After says when the next write passes: within the 20 s of one write's worth.
    let refused = app
        .client
        .post(app.url("/connexion"))
        .header("host", "gironde.localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 429);
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    assert!(
        refused.text().await.unwrap().contains("Trop d’envois en peu de temps"),
        "the French page"
    );
    // Reads are not limited.
    assert_eq!(browser.get("/").await.0, 200);
}

#[tokio::test]
async fn moderation_hides_with_an_audit_row_and_clears_the_queue() {
    use ecoute::moderation::{Decision, ModerationProblem, Target, moderate, report_queue};
    let app = TestApp::spawn().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let mut author = signed_in(&app, "gironde", "gironde.localhost", "auteur@exemple.fr").await;
    let mut reader = signed_in(&app, "gironde", "gironde.localhost", "lecteur@exemple.fr").await;
    let (_, idea) = author
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{slug}/ideas"),
            Some(serde_json::json!({"kind": "idee", "title": "Hors charte", "body": "Un texte qui sera masqué."})),
        )
        .await;
    let id: Uuid = idea["id"].as_str().unwrap().parse().unwrap();
    reader
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/reports"),
            Some(serde_json::json!({"reason": "Propos injurieux"})),
        )
        .await;
    author
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/reports"),
            Some(serde_json::json!({"reason": "Je me signale"})),
        )
        .await;

    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let db = ecoute::tenancy::TenantDb::new(app.test_db.app_pool().await);
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    let queue = report_queue(&mut tx).await.unwrap();
    assert_eq!((queue.len(), queue[0].reporters, queue[0].target_id), (1, 2, id));
    assert_eq!(
        moderate(
            &mut tx,
            Target::Idea(id),
            Decision::Hide,
            "moderatrice@caf33.caf.fr",
            ""
        )
        .await
        .unwrap(),
        Err(ModerationProblem::ReasonRequired)
    );
    moderate(
        &mut tx,
        Target::Idea(id),
        Decision::Hide,
        "moderatrice@caf33.caf.fr",
        "Propos injurieux",
    )
    .await
    .unwrap()
    .unwrap();
    assert!(report_queue(&mut tx).await.unwrap().is_empty(), "reports resolved");
    let audit: (String, String, String) = sqlx::query_as("SELECT action, actor, reason FROM moderation_actions")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        audit,
        (
            "hide".into(),
            "moderatrice@caf33.caf.fr".into(),
            "Propos injurieux".into()
        )
    );
    // Another space cannot moderate it.
    tx.commit().await.unwrap();
    let mut other = db
        .begin_in(crate::helpers::space(&db, tenant_id(&owner, "aude").await).await)
        .await
        .unwrap();
    assert_eq!(
        moderate(&mut other, Target::Idea(id), Decision::Restore, "x", "essai")
            .await
            .unwrap(),
        Err(ModerationProblem::NotFound)
    );
    drop(other);

    // Hidden, not deleted: the page shows a placeholder; the list no longer shows it.
    let (status, page) = reader.get(&format!("/consultations/{slug}/idees/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Contribution masquée") && !page.contains("Un texte qui sera masqué."));
    let (_, list) = reader
        .api(Method::GET, &format!("/api/v1/campaigns/{slug}/ideas"), None)
        .await;
    assert_eq!(list["total"], 0);
    let still_there: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM ideas WHERE id = $1)")
        .bind(id)
        .fetch_one(&owner)
        .await
        .unwrap();
    assert!(still_there);
}
