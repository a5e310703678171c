//! Posting and finding ideas: once even when submitted twice, bad input explained, other spaces'
//! and closed campaigns refused, national contributions kept with their origin, French search,
//! and the write rate limit.

use std::time::Duration;

use reqwest::Method;
use uuid::Uuid;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, campaign_slug, eventually, tenant_id};

use super::*;

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
