//! A large campaign's list (issue 23, section 2): above a threshold of published ideas the
//! snapshot holds only ids and counters, and each page reads its ideas by id. The threshold is
//! set low here (50) on a seeded campaign of 120 ideas: every order pages as SQL orders it, a
//! hidden idea leaves the list at once, a new one joins at the background reload, and a
//! campaign under the threshold keeps its full snapshot.

use std::sync::Arc;
use std::time::Duration;

use ecoute::campaigns::cache::CampaignCache;
use ecoute::campaigns::queries::CampaignDetail;
use ecoute::ideas::IdeaOrder;
use ecoute::ideas::listing::{ListRequest, list_ideas};
use ecoute::ideas::snapshot::{IdeaSnapshot, IdeaSnapshots, Limits};
use ecoute::tenancy::resolve::Resolution;
use ecoute::tenancy::{Tenant, TenantDb, TenantResolver};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{TestDb, as_owner, eventually, insert_campaign, tenant_id};

const LIMITS: Limits = Limits {
    large_from: 50,
    // Reloaded only after a change, in these tests.
    large_ttl: Duration::from_secs(3600),
    large_changed_after: Duration::from_millis(100),
};

/// A campaign of Gironde with `n` published ideas, a minute apart, with uneven counters.
pub(crate) struct Seeded {
    _test_db: TestDb,
    pub(crate) owner: PgPool,
    pub(crate) db: TenantDb,
    pub(crate) tenant: Arc<Tenant>,
    pub(crate) campaign: Arc<CampaignDetail>,
}

pub(crate) async fn seeded(n: i32) -> Seeded {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let app = test_db.app_pool().await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Une grande consultation").await;
    let gironde = tenant_id(&owner, "gironde").await;
    as_owner(
        &owner,
        gironde,
        format!(
            "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, status, submission_key,
                                created_at, like_count, comment_count)
             SELECT '{gironde}', '{campaign}', '{gironde}', 'idee', 'Idée numéro ' || g,
                    'Le texte de l''idée numéro ' || g, 'published', gen_random_uuid(),
                    now() - g * interval '1 minute', (g * 7919) % 13, (g * 104729) % 5
               FROM generate_series(1, {n}) g"
        ),
    )
    .await;
    let slug: String = sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(campaign)
        .fetch_one(&owner)
        .await
        .unwrap();
    let db = TenantDb::new(app.clone());
    let tenant = match TenantResolver::new(app, "localhost")
        .resolve("gironde.localhost")
        .await
        .unwrap()
    {
        Resolution::Found(tenant) => tenant,
        Resolution::Unknown => panic!("gironde exists"),
    };
    let campaign = CampaignCache::default()
        .find(&db, &tenant, &slug)
        .await
        .unwrap()
        .unwrap();
    Seeded {
        _test_db: test_db,
        owner,
        db,
        tenant,
        campaign,
    }
}

impl Seeded {
    async fn snapshot(&self, snapshots: &IdeaSnapshots) -> Arc<IdeaSnapshot> {
        snapshots.get(&self.db, &self.tenant, &self.campaign).await.unwrap()
    }

    /// One page, anonymously, and the total.
    async fn page(&self, snapshots: &IdeaSnapshots, order: IdeaOrder, page: i64) -> (Vec<Uuid>, i64) {
        let snapshot = self.snapshot(snapshots).await;
        let request = ListRequest {
            order,
            seed: "3",
            page,
            viewer: None,
            search: None,
            searches: &Default::default(),
        };
        let (ideas, total) = list_ideas(&self.db, &snapshot, &self.tenant, &self.campaign, request)
            .await
            .unwrap();
        (ideas.iter().map(|i| i.id).collect(), total)
    }

    /// The same page as SQL orders it.
    async fn expected(&self, order_by: &str, page: i64) -> Vec<Uuid> {
        let sql = format!(
            "SELECT id FROM ideas WHERE campaign_id = $1 AND status = 'published'
              ORDER BY {order_by} OFFSET {} LIMIT 20",
            (page - 1) * 20
        );
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(self.campaign.summary.id)
            .fetch_all(&self.owner)
            .await
            .unwrap()
    }

    async fn sql(&self, sql: String) {
        as_owner(&self.owner, self.campaign.summary.tenant_id, sql).await;
    }
}

#[tokio::test]
async fn a_large_campaign_lists_every_order_from_its_compact_snapshot() {
    let seeded = seeded(120).await;
    let snapshots = IdeaSnapshots::with_limits(LIMITS);
    let snapshot = seeded.snapshot(&snapshots).await;
    assert!(snapshot.is_compact(), "120 ideas, over the threshold of 50");
    assert_eq!(snapshot.len(), 120);
    let orders = [
        (IdeaOrder::Newest, "created_at DESC, id"),
        (IdeaOrder::MostLiked, "like_count DESC, created_at DESC, id"),
        (IdeaOrder::MostCommented, "comment_count DESC, created_at DESC, id"),
    ];
    for (order, order_by) in orders {
        for page in [1, 5, 6] {
            let (ids, total) = seeded.page(&snapshots, order, page).await;
            assert_eq!(total, 120);
            assert_eq!(ids, seeded.expected(order_by, page).await, "{order:?}, page {page}");
        }
    }
    // The random order: every idea once across the pages, and not the newest first.
    let mut seen = Vec::new();
    for page in 1..=6 {
        seen.extend(seeded.page(&snapshots, IdeaOrder::Random, page).await.0);
    }
    assert_ne!(seen[..20], seeded.expected("created_at DESC, id", 1).await[..]);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 120);
    assert!(seeded.page(&snapshots, IdeaOrder::Random, 7).await.0.is_empty());

    // An idea's page keys on the compact entry's counters, which a like through this
    // instance bumps.
    let newest = seeded.expected("created_at DESC, id", 1).await[0];
    let (likes, comments): (i32, i32) = sqlx::query_as("SELECT like_count, comment_count FROM ideas WHERE id = $1")
        .bind(newest)
        .fetch_one(&seeded.owner)
        .await
        .unwrap();
    assert_eq!(snapshot.counters(newest), Some((likes, comments)));
    snapshots.count_like(seeded.campaign.summary.id, newest, 1).await;
    assert_eq!(snapshot.counters(newest), Some((likes + 1, comments)));
}

#[tokio::test]
async fn a_hidden_idea_leaves_a_large_list_at_once_and_a_new_one_joins_at_the_reload() {
    let seeded = seeded(120).await;
    let snapshots = IdeaSnapshots::with_limits(LIMITS);
    let first = seeded.page(&snapshots, IdeaOrder::Newest, 1).await.0;
    let snapshot = seeded.snapshot(&snapshots).await;
    let hidden = first[0];
    seeded
        .sql(format!(
            "UPDATE ideas SET status = 'hidden', hidden_by = 'moderation' WHERE id = '{hidden}'"
        ))
        .await;
    // Told of nothing, the list no longer shows it.
    let (ids, _) = seeded.page(&snapshots, IdeaOrder::Newest, 1).await;
    assert_eq!(ids, first[1..], "the hidden idea is gone, the others stay in place");
    assert!(Arc::ptr_eq(&snapshot, &seeded.snapshot(&snapshots).await));

    // A new idea, and the change notification of the moderation decision: the same snapshot
    // answers at once, with a new generation (pages rendered from it are not served again).
    let campaign = seeded.campaign.summary.id;
    seeded
        .sql(format!(
            "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, status, submission_key)
             VALUES ('{0}', '{campaign}', '{0}', 'idee', 'Une idée toute neuve', 'Le texte de l''idée neuve.',
                     'published', gen_random_uuid())",
            seeded.campaign.summary.tenant_id
        ))
        .await;
    snapshots.forget_for_new_idea(campaign).await;
    let generation = snapshot.generation();
    snapshots.forget_all();
    let answered = seeded.snapshot(&snapshots).await;
    assert!(Arc::ptr_eq(&snapshot, &answered), "no load in the request");
    assert_ne!(answered.generation(), generation);
    let newest = seeded.expected("created_at DESC, id", 1).await;
    // The reload, in the background: the new idea first, the total without the hidden one.
    let reloaded = eventually(Duration::from_secs(10), || async {
        seeded.page(&snapshots, IdeaOrder::Newest, 1).await == (newest.clone(), 120)
    })
    .await;
    assert!(reloaded, "the reload brings the new idea and the new total");
    assert!(!Arc::ptr_eq(&snapshot, &seeded.snapshot(&snapshots).await));
}

/// A moderation decision told while a full list is being read: that list serves the request
/// that waited for it, and is not kept (it may hold the idea just hidden).
#[tokio::test]
async fn a_full_list_read_across_a_moderation_decision_is_not_kept() {
    let seeded = seeded(40).await;
    let snapshots = IdeaSnapshots::with_limits(LIMITS);
    // The load waits behind a lock on the ideas, as behind a long moderation transaction.
    let mut lock = seeded.owner.begin().await.unwrap();
    sqlx::query("LOCK TABLE ideas IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let (db, tenant, campaign, loader) = (
        seeded.db.clone(),
        seeded.tenant.clone(),
        seeded.campaign.clone(),
        snapshots.clone(),
    );
    let load = tokio::spawn(async move { loader.get(&db, &tenant, &campaign).await.unwrap() });
    let waiting = eventually(Duration::from_secs(5), || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_stat_activity
              WHERE datname = current_database() AND usename = 'ecoute_app' AND wait_event_type = 'Lock'",
        )
        .fetch_one(&seeded.owner)
        .await
        .unwrap()
            > 0
    })
    .await;
    assert!(waiting, "the load waits for the lock");
    snapshots.forget(seeded.campaign.summary.id).await;
    lock.rollback().await.unwrap();
    let read_across = load.await.unwrap();
    assert!(!read_across.is_compact() && read_across.len() == 40);
    let next = seeded.snapshot(&snapshots).await;
    assert!(
        !Arc::ptr_eq(&read_across, &next),
        "a list read across a change is not kept"
    );
    assert!(
        Arc::ptr_eq(&next, &seeded.snapshot(&snapshots).await),
        "the next one is"
    );
}

/// Under the threshold nothing changes: a full snapshot, from which an anonymous list is read
/// without a query (so a hidden idea stays listed until the change notification).
#[tokio::test]
async fn a_campaign_under_the_threshold_keeps_its_full_snapshot() {
    let seeded = seeded(40).await;
    let snapshots = IdeaSnapshots::with_limits(LIMITS);
    assert!(!seeded.snapshot(&snapshots).await.is_compact());
    let (first, total) = seeded.page(&snapshots, IdeaOrder::MostLiked, 2).await;
    assert_eq!(total, 40);
    assert_eq!(first, seeded.expected("like_count DESC, created_at DESC, id", 2).await);
    let (newest, _) = seeded.page(&snapshots, IdeaOrder::Newest, 1).await;
    seeded
        .sql(format!(
            "UPDATE ideas SET status = 'hidden', hidden_by = 'moderation' WHERE id = '{}'",
            newest[0]
        ))
        .await;
    assert_eq!(seeded.page(&snapshots, IdeaOrder::Newest, 1).await.0, newest);
    snapshots.forget_all();
    let expected = seeded.expected("created_at DESC, id", 1).await;
    assert_eq!(expected[..19], newest[1..]);
    assert_eq!(seeded.page(&snapshots, IdeaOrder::Newest, 1).await, (expected, 39));
}

/// An idea looked up by its id alone (its page, a comment, a like) probes the key
/// `(tenant_id, id)` of `ideas`. PostgreSQL's statistics of the transaction count the pages of
/// `ideas` and of its key that the lookup read: a probe reads a few, where a query naming no
/// space walked the whole key, reading pages in proportion to the ideas of every space (41
/// pages here, for 5,000 ideas and 61 campaigns; the whole key at Grand-Débat size).
#[tokio::test]
async fn an_idea_found_by_its_id_costs_a_probe_of_the_key_not_a_walk() {
    let seeded = seeded(5_000).await;
    // A space with many campaigns, as a Caf's is after a few years: the planner can no longer
    // go through each campaign to probe the key, and a lookup naming no space walks it.
    let gironde = seeded.campaign.summary.tenant_id;
    seeded
        .sql(format!(
            "INSERT INTO campaigns (tenant_id, slug, scope, title, summary, opens_at, closes_at, published_at)
             SELECT '{gironde}', 'ancienne-' || g, 'local', 'Consultation ' || g, 'résumé',
                    now() - interval '1 day', now() + interval '55 days', now()
               FROM generate_series(1, 60) g"
        ))
        .await;
    sqlx::raw_sql("ANALYZE ideas; ANALYZE campaigns")
        .execute(&seeded.owner)
        .await
        .unwrap();
    let id: Uuid = sqlx::query_scalar("SELECT id FROM ideas WHERE campaign_id = $1 ORDER BY created_at LIMIT 1")
        .bind(seeded.campaign.summary.id)
        .fetch_one(&seeded.owner)
        .await
        .unwrap();
    let mut tx = seeded.db.begin(&seeded.tenant).await.unwrap();
    let found = ecoute::ideas::queries::find_idea(&mut tx, id, None).await.unwrap();
    assert_eq!(found.map(|i| i.id), Some(id));
    let pages: i64 = sqlx::query_scalar(
        "SELECT pg_stat_get_xact_blocks_fetched('ideas'::regclass)
              + pg_stat_get_xact_blocks_fetched('ideas_pkey'::regclass)",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Two probes (this space, the national one) of a key three levels deep at most, and the
    // idea's own page.
    assert!(pages <= 10, "the lookup read {pages} pages of ideas and its key");
}
