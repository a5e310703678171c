//! `ecoute demo`'s participation: seeded once, consistent with what the pages and the API show,
//! valid for the survey pages, and spread over the spaces it came from.

use reqwest::Method;

use crate::browser::Browser;
use crate::helpers::{TestApp, session_for, tenant_id};

// Over 100 lines: the demo is seeded once and every count, chart and page here is checked
// against that one seed, which is what is under test.
#[tokio::test]
async fn the_demo_seeds_participation_once_and_the_pages_agree_with_it() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    ecoute::demo::seed(&owner).await.unwrap();
    let seeded = ecoute::demo::contributions::seed(&owner).await.unwrap();
    assert!(
        seeded.ideas >= 20 && seeded.comments >= 6 && seeded.likes >= 50,
        "{seeded:?}"
    );
    assert!(seeded.responses >= 20, "{seeded:?}");
    assert_eq!(
        ecoute::demo::contributions::seed(&owner).await.unwrap(),
        Default::default(),
        "a second demo seeds nothing"
    );

    // The national campaign's contributions came from several spaces.
    let national = tenant_id(&owner, "national").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, national).await.unwrap();
    let origins: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT i.origin_tenant_id) FROM ideas i JOIN campaigns c ON c.tenant_id = i.tenant_id AND c.id = i.campaign_id
          WHERE i.tenant_id = $1 AND c.slug = 'simplifier-les-demarches'",
    )
    .bind(national)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    // Counters kept by triggers agree with the rows.
    let wrong_counts: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ideas i WHERE i.tenant_id = $1
            AND (i.like_count <> (SELECT count(*) FROM idea_likes l WHERE l.tenant_id = i.tenant_id AND l.idea_id = i.id)
              OR i.comment_count <> (SELECT count(*) FROM idea_comments m WHERE m.tenant_id = i.tenant_id AND m.idea_id = i.id))",
    )
    .bind(national)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let own_likes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM idea_likes l JOIN ideas i ON i.tenant_id = l.tenant_id AND i.id = l.idea_id
          WHERE l.tenant_id = $1 AND l.account_id = i.account_id",
    )
    .bind(national)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let early_likes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM idea_likes l JOIN ideas i ON i.tenant_id = l.tenant_id AND i.id = l.idea_id
          WHERE l.tenant_id = $1 AND l.created_at < i.created_at",
    )
    .bind(national)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    // The usage chart has a shape: contributions are metered on the day they were made.
    let days: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT day) FROM usage_by_day WHERE tenant_id = $1 AND metric = 'contributions'",
    )
    .bind(national)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(origins >= 3, "ideas from {origins} spaces");
    assert_eq!(early_likes, 0, "no like before its idea");
    assert!(days >= 4, "contributions on {days} days");
    assert_eq!(wrong_counts, 0);
    assert_eq!(own_likes, 0, "nobody likes their own idea");

    // Gironde's page lists the national campaign's ideas; Aude's people see them too.
    // 22 ideas, 20 a page, in a random order drawn per visitor from the ideas' ids (new at every
    // run): both pages, as one visitor (the same cookie), hold all of them.
    let as_one_visitor = |path: &'static str| {
        app.client
            .get(app.url(path))
            .header("host", "gironde.localhost")
            .header("cookie", "ecoute_visiteur=demo-test-visitor-0123456789")
            .send()
    };
    let first = as_one_visitor("/consultations/simplifier-les-demarches").await.unwrap();
    assert_eq!(first.status(), 200);
    let page = first.text().await.unwrap();
    let second = as_one_visitor("/consultations/simplifier-les-demarches?page=2")
        .await
        .unwrap();
    assert_eq!(second.status(), 200);
    let second = second.text().await.unwrap();
    assert!(
        page.contains("Savoir où en est mon dossier") || second.contains("Savoir où en est mon dossier"),
        "a seeded idea is listed"
    );
    let (_, local) = app
        .get_text("gironde.localhost", "/consultations/accueil-bordeaux")
        .await;
    assert!(local.contains("Des rendez-vous le samedi matin"));

    // A demo person's seeded survey response is theirs: the application finds it by its key.
    let person: String = sqlx::query_scalar("SELECT email FROM accounts WHERE email LIKE 'demo.gironde.%' LIMIT 1")
        .fetch_one(&owner)
        .await
        .unwrap();
    let mut browser = Browser::new(&app, "gironde.localhost");
    browser.set_cookie("ecoute_session", &session_for(&owner, "gironde", &person).await);
    let (status, mine) = browser
        .api(
            Method::GET,
            "/api/v1/campaigns/simplifier-les-demarches/survey/response",
            None,
        )
        .await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["version"], 1, "{mine}");
}
