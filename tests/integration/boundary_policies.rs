//! Issue 17, class 1: every policy that lets a context read another tenant's rows reaches only
//! what that tenant made public (or what the reading space contributed itself).
//!
//! The test reads the catalogue: each table with a tenant_id and a read policy (SELECT or ALL)
//! whose USING is not exactly `tenant_id = app_current_tenant()` must have a fixture below, a
//! row that must stay out of a local space's sight (a draft, an unpublished result, a row of
//! another origin) while its owning context sees it. A cross-tenant policy added later without a
//! fixture fails the test.

use std::collections::{BTreeMap, BTreeSet};

use ecoute::tenancy::TenantDb;
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use crate::helpers::{TestDb, as_owner, tenant_id};

/// The lead's migration that makes `idea_likes_read_shared` origin-only (issue 17, class 2).
/// Until it is merged, the idea_likes expectation is reported and not asserted.
// LEAD: once 20261205000010_platform_identity.sql is merged, this gate is always open.
const LIKES_ORIGIN_ONLY_MIGRATION: i64 = 20261205000010;

/// A row that a local space must not read: in `table`, where `key = ANY(ids)`, owned by the
/// context `owner` (which sees all `ids.len()` rows).
struct Hidden {
    what: &'static str,
    key: &'static str,
    ids: Vec<Uuid>,
    owner: Uuid,
}

/// Tables with a tenant_id and a read policy reaching beyond the current tenant's own rows.
async fn cross_tenant_read_tables(owner: &PgPool) -> BTreeSet<String> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT p.tablename::text FROM pg_policies p
          WHERE p.schemaname = 'public' AND p.cmd IN ('SELECT', 'ALL')
            AND p.qual IS DISTINCT FROM '(tenant_id = app_current_tenant())'
            AND EXISTS (SELECT 1 FROM information_schema.columns c
                         WHERE c.table_schema = 'public' AND c.table_name = p.tablename
                           AND c.column_name = 'tenant_id')",
    )
    .fetch_all(owner)
    .await
    .unwrap();
    rows.into_iter().collect()
}

// Over 100 lines: a table of every kind of row a local space must not read, inserted as the
// owner (national and space B), then counted from the owning context and from space A; the table is
// the test, and the public rows are checked against the same fixtures.
#[tokio::test]
async fn cross_tenant_reads_reach_only_public_rows() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let national = tenant_id(&owner, "national").await;
    let a = tenant_id(&owner, "gironde").await;
    let b = tenant_id(&owner, "aude").await;
    let account: Uuid =
        sqlx::query_scalar("INSERT INTO accounts (email, pseudonym) VALUES ('b@exemple.fr', 'Bernard') RETURNING id")
            .fetch_one(&owner)
            .await
            .unwrap();
    let id = |_: &str| Uuid::new_v4();
    let (draft, results_pending) = (id("draft"), id("results_pending"));
    let (draft_question, question) = (id("q"), id("q2"));
    let (draft_idea, pending_idea, idea) = (id("i"), id("i2"), id("i3"));
    let (draft_comment, pending_comment) = (id("c"), id("c2"));
    let (decision, report, response) = (id("d"), id("r"), id("resp"));
    let (future_post, draft_post) = (id("n"), id("n2"));

    // National: a draft campaign, and a published one whose results are not published.
    as_owner(&owner, national, format!(
        "INSERT INTO campaigns (tenant_id, id, slug, scope, title, opens_at, closes_at, published_at, has_survey)
         VALUES ('{national}', '{draft}', 'brouillon', 'national', 'Brouillon', now(), now() + interval '9 days', NULL, true),
                ('{national}', '{results_pending}', 'ouverte', 'national', 'Ouverte', now(), now() + interval '9 days', now(), true);
         INSERT INTO survey_questions (tenant_id, id, campaign_id, position, kind, label)
         VALUES ('{national}', '{draft_question}', '{draft}', 1, 'short_text', 'Question du brouillon'),
                ('{national}', '{question}', '{results_pending}', 1, 'short_text', 'Question publiée');
         INSERT INTO ideas (tenant_id, id, campaign_id, origin_tenant_id, kind, title, body, status, submission_key)
         VALUES ('{national}', '{draft_idea}', '{draft}', '{national}', 'idee', 'Idée brouillon', 'Une idée dans un brouillon', 'published', gen_random_uuid()),
                ('{national}', '{pending_idea}', '{results_pending}', '{b}', 'idee', 'Idée en attente', 'Une idée en attente de B', 'pending', gen_random_uuid()),
                ('{national}', '{idea}', '{results_pending}', '{b}', 'idee', 'Idée publiée', 'Une idée publiée de B', 'published', gen_random_uuid());
         INSERT INTO idea_comments (tenant_id, id, idea_id, origin_tenant_id, body, status, submission_key)
         VALUES ('{national}', '{draft_comment}', '{draft_idea}', '{national}', 'Commentaire publié sous un brouillon', 'published', gen_random_uuid()),
                ('{national}', '{pending_comment}', '{idea}', '{b}', 'Commentaire en attente', 'pending', gen_random_uuid());
         INSERT INTO idea_likes (tenant_id, idea_id, account_id, origin_tenant_id)
         VALUES ('{national}', '{idea}', '{account}', '{b}');
         INSERT INTO content_reports (tenant_id, id, target_kind, target_id, idea_id, origin_tenant_id, reason)
         VALUES ('{national}', '{report}', 'idea', '{idea}', '{idea}', '{b}', 'Signalé depuis B');
         INSERT INTO decisions (tenant_id, id, campaign_id, title, status)
         VALUES ('{national}', '{decision}', '{results_pending}', 'Décision à venir', 'a_l_etude');
         INSERT INTO decision_ideas (tenant_id, decision_id, idea_id) VALUES ('{national}', '{decision}', '{idea}');
         INSERT INTO decision_themes (tenant_id, decision_id, theme_key) VALUES ('{national}', '{decision}', gen_random_uuid());
         INSERT INTO news_posts (tenant_id, id, campaign_id, title, body_md, published_at)
         VALUES ('{national}', '{future_post}', '{results_pending}', 'Nouvelle programmée', 'Plus tard', now() + interval '1 day'),
                ('{national}', '{draft_post}', '{draft}', 'Nouvelle du brouillon', 'Brouillon', now() - interval '1 day');
         INSERT INTO survey_responses (tenant_id, id, campaign_id, origin_tenant_id, respondent_key, version, submission_key)
         VALUES ('{national}', '{response}', '{results_pending}', '{b}', '\\x01', 1, gen_random_uuid());
         INSERT INTO survey_answers (tenant_id, response_id, question_id, value)
         VALUES ('{national}', '{response}', '{question}', '\"réponse de B\"');
         INSERT INTO campaign_followers (tenant_id, campaign_id, account_id, origin_tenant_id)
         VALUES ('{national}', '{results_pending}', '{account}', '{b}');
         INSERT INTO idea_follows (tenant_id, idea_id, account_id, origin_tenant_id)
         VALUES ('{national}', '{idea}', '{account}', '{b}');"
    ))
    .await;
    // Space B's metering rows.
    as_owner(&owner, b, format!(
        "INSERT INTO usage_events (tenant_id, metric, quantity, origin_tenant_id, participant) VALUES ('{b}', 'contributions', 1, '{b}', 'b-1');
         INSERT INTO usage_daily (tenant_id, day, metric, quantity) VALUES ('{b}', current_date, 'contributions', 1);
         INSERT INTO usage_participants (tenant_id, month, participant) VALUES ('{b}', date_trunc('month', now())::date, 'b-1');"
    ))
    .await;

    let hidden = |what, key, ids: &[Uuid], owner| Hidden {
        what,
        key,
        ids: ids.to_vec(),
        owner,
    };
    let fixtures: BTreeMap<&str, Hidden> = BTreeMap::from([
        (
            "campaigns",
            hidden("a national draft campaign", "id", &[draft], national),
        ),
        (
            "survey_questions",
            hidden("a question of a national draft", "id", &[draft_question], national),
        ),
        (
            "ideas",
            hidden(
                "a national idea in a draft, a pending one of B",
                "id",
                &[draft_idea, pending_idea],
                national,
            ),
        ),
        (
            "idea_comments",
            hidden(
                "a published comment under a draft's idea, a pending one of B",
                "id",
                &[draft_comment, pending_comment],
                national,
            ),
        ),
        (
            "idea_likes",
            hidden("a national like given from B", "idea_id", &[idea], national),
        ),
        (
            "content_reports",
            hidden("a national report filed from B", "id", &[report], national),
        ),
        (
            "decisions",
            hidden(
                "a decision before the results are published",
                "id",
                &[decision],
                national,
            ),
        ),
        (
            "decision_ideas",
            hidden("that decision's ideas", "decision_id", &[decision], national),
        ),
        (
            "decision_themes",
            hidden("that decision's themes", "decision_id", &[decision], national),
        ),
        (
            "news_posts",
            hidden(
                "a future-dated post, a post of a draft",
                "id",
                &[future_post, draft_post],
                national,
            ),
        ),
        (
            "survey_responses",
            hidden("a national response from B", "id", &[response], national),
        ),
        (
            "survey_answers",
            hidden("its answers", "response_id", &[response], national),
        ),
        (
            "campaign_followers",
            hidden(
                "a national follower from B",
                "campaign_id",
                &[results_pending],
                national,
            ),
        ),
        (
            "idea_follows",
            hidden("a national idea followed from B", "idea_id", &[idea], national),
        ),
        ("usage_events", hidden("B's metering events", "tenant_id", &[b], b)),
        ("usage_daily", hidden("B's daily metering", "tenant_id", &[b], b)),
        ("usage_participants", hidden("B's participants", "tenant_id", &[b], b)),
    ]);

    let found = cross_tenant_read_tables(&owner).await;
    let missing: Vec<_> = found.iter().filter(|t| !fixtures.contains_key(t.as_str())).collect();
    assert!(
        missing.is_empty(),
        "cross-tenant read policies without a fixture here: {missing:?}"
    );
    let stale: Vec<_> = fixtures.keys().filter(|t| !found.contains(**t)).collect();
    assert!(
        stale.is_empty(),
        "fixtures for tables that no longer read across tenants: {stale:?}"
    );

    let likes_gate_open: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM _sqlx_migrations WHERE version = $1)")
        .bind(LIKES_ORIGIN_ONLY_MIGRATION)
        .fetch_one(&owner)
        .await
        .unwrap();
    let db = TenantDb::new(test_db.app_pool().await);
    let count = |table: &str, key: &str, ids: Vec<Uuid>, tenant: Uuid| {
        let db = &db;
        let sql = format!("SELECT count(*) FROM {table} WHERE {key} = ANY($1)");
        async move {
            let mut tx = db.begin_in(crate::helpers::space(db, tenant).await).await.unwrap();
            let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
                .bind(ids)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            n
        }
    };
    let mut leaks = Vec::new();
    for (table, row) in &fixtures {
        let seen_by_owner = count(table, row.key, row.ids.clone(), row.owner).await;
        assert_eq!(
            seen_by_owner,
            row.ids.len() as i64,
            "{table}: the owning context sees {}",
            row.what
        );
        let seen_locally = count(table, row.key, row.ids.clone(), a).await;
        if seen_locally != 0 {
            if *table == "idea_likes" && !likes_gate_open {
                eprintln!(
                    "idea_likes: {} is visible from a local space (pending class 2 migration)",
                    row.what
                );
                continue;
            }
            leaks.push(format!("{table}: a local space reads {}", row.what));
        }
    }
    assert!(leaks.is_empty(), "{leaks:#?}");

    // What was made public stays readable from a local space (the fix must not overreach).
    for (table, ids) in [
        ("campaigns", vec![results_pending]),
        ("ideas", vec![idea]),
        ("survey_questions", vec![question]),
    ] {
        assert_eq!(
            count(table, "id", ids, a).await,
            1,
            "{table}: published national rows are read locally"
        );
    }
}
