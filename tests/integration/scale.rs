//! The Grand-Débat-sized seed (`ecoute demo --scale grand-debat`), at a small size: every Caf
//! gets its module, contributions come through all of them, counters and metering agree with
//! the rows, texts are recombined rather than repeated, and seeding twice adds nothing.

use ecoute::demo::scale::{SLUG, Scale, seed};

use crate::analysis::answers_path;
use crate::helpers::TestDb;

async fn one(owner: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(owner)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn a_grand_debat_campaign_seeds_through_every_caf_with_exact_counters_and_metering() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let scale = Scale {
        contributions: 3_000,
        accounts: 700,
        likes_per_contribution: 2.0,
        comments_per_contribution: 0.2,
    };
    let seeded = seed(&owner, &answers_path(), scale, 7).await.unwrap();
    assert_eq!((seeded.accounts, seeded.ideas, seeded.comments), (700, 3_000, 600));
    assert_eq!(
        seeded.likes, 6_000,
        "likes are one per person and idea, as many as asked"
    );
    let campaign = format!("(SELECT id FROM campaigns WHERE slug = '{SLUG}')");

    assert_eq!(
        one(&owner, "SELECT count(*) FROM tenants WHERE kind = 'local'").await,
        101
    );
    let ideas = one(
        &owner,
        &format!("SELECT count(*) FROM ideas WHERE campaign_id = {campaign}"),
    )
    .await;
    assert_eq!(ideas, 3_000);
    let spaces = format!("SELECT count(DISTINCT origin_tenant_id) FROM ideas WHERE campaign_id = {campaign}");
    assert!(one(&owner, &spaces).await >= 60, "contributions come through many Cafs");
    let authors = format!("SELECT count(DISTINCT account_id) FROM ideas WHERE campaign_id = {campaign}");
    let authors = one(&owner, &authors).await;
    assert!(authors > 100 && authors < 700, "activity is skewed: {authors} authors");
    let bodies = format!("SELECT count(DISTINCT body) FROM ideas WHERE campaign_id = {campaign}");
    assert!(one(&owner, &bodies).await > 2_900, "texts are recombined, not repeated");

    // The triggers ran as for real contributions: counters, search and metering are exact.
    let likes = one(&owner, "SELECT count(*) FROM idea_likes").await;
    let counted = one(&owner, "SELECT coalesce(sum(like_count), 0)::bigint FROM ideas").await;
    assert_eq!((likes, counted), (6_000, 6_000));
    let comments = one(&owner, "SELECT count(*) FROM idea_comments").await;
    let counted = one(&owner, "SELECT coalesce(sum(comment_count), 0)::bigint FROM ideas").await;
    assert_eq!((comments, counted), (600, 600));
    let unsearchable = format!("SELECT count(*) FROM ideas WHERE campaign_id = {campaign} AND search = ''::tsvector");
    assert_eq!(one(&owner, &unsearchable).await, 0);
    let metered = one(
        &owner,
        "SELECT ((SELECT coalesce(sum(quantity), 0) FROM usage_events WHERE metric = 'contributions')
              + (SELECT coalesce(sum(quantity), 0) FROM usage_daily WHERE metric = 'contributions'))::bigint",
    )
    .await;
    assert_eq!(metered, 3_600, "one contribution metered per idea and comment");
    let late = format!(
        "SELECT count(*) FROM idea_comments m JOIN ideas i ON i.tenant_id = m.tenant_id AND i.id = m.idea_id
          WHERE m.created_at < i.created_at"
    );
    assert_eq!(one(&owner, &late).await, 0, "no comment predates its idea");

    // Seeding again leaves the campaign as it is.
    let again = seed(&owner, &answers_path(), scale, 7).await.unwrap();
    assert_eq!((again.ideas, again.spaces_activated), (0, 0));
    assert_eq!(one(&owner, "SELECT count(*) FROM ideas").await, 3_000);
}
