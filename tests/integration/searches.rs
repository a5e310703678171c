//! Searches of a campaign's list are shared and queued (`ideas::searches`): at Grand-Débat size
//! one common word costs seconds of database time, and sixty-four visitors searching it at once
//! held the whole pool (every page of every space answered 503). Here the ideas table is locked
//! from outside, so every search query waits where it runs, and the test counts them.

use std::sync::Arc;
use std::time::Duration;

use ecoute::ideas::searches::{SEARCH_WAIT, SEARCHES_AT_ONCE, SearchResults};
use ecoute::ideas::snapshot::Subset;

use crate::helpers::eventually;
use crate::large_lists::{Seeded, seeded};

#[tokio::test]
async fn one_query_per_search_and_a_few_at_once_the_rest_answered_unavailable() {
    let seeded = seeded(120).await;
    let searches = SearchResults::default();
    // Unlocked: the right ideas ("Idée numéro 7" and its text).
    let found = ask(&searches, &seeded, "numéro 7").await.unwrap().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");

    let mut lock = seeded.owner.begin().await.unwrap();
    sqlx::query("LOCK TABLE ideas IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    // Eight requests for one search: one query.
    let same: Vec<_> = (0..8).map(|_| ask(&searches, &seeded, "numéro 12")).collect();
    assert!(eventually(Duration::from_secs(5), || async { searches.running() == 1 }).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(searches.running(), 1, "eight requests of one search make one query");

    // Other searches: no more than SEARCHES_AT_ONCE queries at once; the rest wait their turn,
    // then are told the service is unavailable (503 with Retry-After on the pages).
    let words = ["numéro 1", "numéro 2", "numéro 3", "numéro 4", "numéro 5", "numéro 6"];
    let others: Vec<_> = words.iter().map(|w| ask(&searches, &seeded, w)).collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(searches.running(), SEARCHES_AT_ONCE);
    // Past the wait, the lock goes: the queries that had a turn finish.
    tokio::time::sleep(SEARCH_WAIT + Duration::from_secs(1)).await;
    lock.rollback().await.unwrap();
    let mut refused = 0;
    for other in others {
        match other.await.unwrap() {
            Ok(ids) => assert_eq!(ids.len(), 1),
            Err(e) => {
                assert!(ecoute::error::is_unavailable(&e), "{e}");
                refused += 1;
            }
        }
    }
    assert_eq!(
        refused,
        words.len() + 1 - SEARCHES_AT_ONCE,
        "waited {SEARCH_WAIT:?}, then 503"
    );
    for one in same {
        assert_eq!(one.await.unwrap().unwrap().len(), 1);
    }
    assert_eq!(searches.running(), 0);
}

/// One search, on a task of its own.
fn ask(
    searches: &SearchResults,
    seeded: &Seeded,
    words: &'static str,
) -> tokio::task::JoinHandle<Result<Arc<Subset>, sqlx::Error>> {
    let searches = searches.clone();
    let (db, tenant, campaign) = (seeded.db.clone(), seeded.tenant.clone(), seeded.campaign.clone());
    tokio::spawn(async move { searches.matching(&db, &tenant, &campaign, 1, words).await })
}

/// The plan of the search query as the application role sees it, in the seeded space, with
/// sequential and plain index scans priced out: `@@` appears as an index condition when the
/// full-text index can serve it, as a filter after the policies when it cannot.
async fn search_plan(seeded: &Seeded) -> String {
    let mut tx = seeded.db.begin(&seeded.tenant).await.unwrap();
    sqlx::raw_sql("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        .execute(&mut *tx)
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT id FROM ideas
          WHERE tenant_id = $1 AND campaign_id = $2 AND status = 'published'
            AND search @@ websearch_to_tsquery('fr_unaccent', $3)",
    )
    .bind(seeded.campaign.summary.tenant_id)
    .bind(seeded.campaign.summary.id)
    .bind("numéro 7")
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    plan.join("\n")
}

#[tokio::test]
async fn under_row_level_security_a_search_uses_the_full_text_index() {
    let seeded = seeded(120).await;
    sqlx::query("ANALYZE ideas").execute(&seeded.owner).await.unwrap();
    // `ecoute migrate` marked the search operator's function leakproof (the owner here is a
    // superuser), so the index serves the search before the policies are checked.
    assert!(ecoute::db::rls::not_leakproof(&seeded.owner).await.unwrap().is_empty());
    let plan = search_plan(&seeded).await;
    let indexed = |plan: &str| plan.lines().any(|l| l.contains("Cond:") && l.contains("@@"));
    assert!(indexed(&plan), "{plan}");
    assert!(plan.contains("ideas_search"), "{plan}");

    // Without the mark, PostgreSQL may test the search only after the policies, row by row.
    for function in ecoute::db::rls::INDEXED_UNDER_RLS {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("ALTER FUNCTION {function} NOT LEAKPROOF")))
            .execute(&seeded.owner)
            .await
            .unwrap();
    }
    let plan = search_plan(&seeded).await;
    assert!(!indexed(&plan), "{plan}");
    assert_eq!(ecoute::db::rls::not_leakproof(&seeded.owner).await.unwrap().len(), 1);
}

/// Anonymous search pages are kept rendered, as the campaign page is, but per search: one
/// search's page is never served for another, nor for the plain list.
#[tokio::test]
async fn anonymous_search_pages_are_kept_per_search() {
    let app = crate::helpers::TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let tenant = crate::helpers::tenant_id(&owner, "gironde").await;
    let campaign = crate::helpers::insert_campaign(&owner, "gironde", "local", "Recherches gardées").await;
    let slug: String = sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(campaign)
        .fetch_one(&owner)
        .await
        .unwrap();
    for (title, body) in [
        (
            "Crèches ouvertes le soir",
            "Des horaires de crèche adaptés au travail posté.",
        ),
        ("Transport scolaire", "Un car pour les collégiens des hameaux."),
    ] {
        crate::helpers::as_owner(
            &owner,
            tenant,
            format!(
                "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, status, submission_key)
                 VALUES ('{tenant}', '{campaign}', '{tenant}', 'idee', '{title}', '{body}', 'published', gen_random_uuid())"
            ),
        )
        .await;
    }
    let page = |query: &'static str| {
        let (app, path) = (&app, format!("/consultations/{slug}{query}"));
        async move { app.get_text("gironde.localhost", &path).await }
    };
    for _ in 0..2 {
        let (status, creches) = page("?recherche=creche").await;
        assert_eq!(status, 200);
        assert!(creches.contains("Crèches ouvertes le soir") && !creches.contains("Transport scolaire"));
        let (_, transport) = page("?recherche=car").await;
        assert!(transport.contains("Transport scolaire") && !transport.contains("Crèches ouvertes le soir"));
        let (_, all) = page("").await;
        assert!(all.contains("Transport scolaire") && all.contains("Crèches ouvertes le soir"));
    }
}
