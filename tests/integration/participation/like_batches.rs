//! Like batches side by side. The like writer's workers store batches concurrently, and two
//! batches may hold the same likes (a retry landing in another worker's batch) or the same ideas
//! (popular ones). Each takes its locks in key order, whatever the order of its requests, so two
//! batches never wait for each other in a circle: a deadlock would fail every like of one of
//! them. Each test holds from outside the row a batch would lock first in key order, asks the
//! batch in another order, and checks that while it waits it holds none of the other rows: with
//! every batch locking in key order, two can wait for each other one way only.

use std::time::Duration;

use ecoute::ideas::likes::{LikeOutcome, LikeRequest, store_batch};
use ecoute::tenancy::{TenantDb, TenantId};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{TestDb, as_owner, eventually, insert_campaign, tenant_id};

struct Space {
    _test_db: TestDb,
    owner: PgPool,
    db: TenantDb,
    gironde: Uuid,
    space: TenantId,
}

async fn space() -> Space {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let db = TenantDb::new(test_db.app_pool().await);
    let gironde = tenant_id(&owner, "gironde").await;
    let space = crate::helpers::space(&db, gironde).await;
    Space {
        _test_db: test_db,
        owner,
        db,
        gironde,
        space,
    }
}

impl Space {
    /// `n` published ideas of an open campaign, and `n` accounts.
    async fn ideas_and_people(&self, n: i32) -> (Vec<Uuid>, Vec<Uuid>) {
        let campaign = insert_campaign(&self.owner, "gironde", "local", "Des idées très suivies").await;
        let mut tx = ecoute::db::owner_tx_in(&self.owner, self.gironde).await.unwrap();
        let ideas = sqlx::query_scalar(
            "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, status, submission_key)
             SELECT $1, $2, $1, 'idee', 'Idée ' || g, 'Le texte de l''idée ' || g, 'published', gen_random_uuid()
               FROM generate_series(1, $3) g RETURNING id",
        )
        .bind(self.gironde)
        .bind(campaign)
        .bind(n)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let people = sqlx::query_scalar(
            "INSERT INTO accounts (email, pseudonym)
             SELECT 'soutien' || g || '-' || gen_random_uuid() || '@exemple.fr', 'soutien' || g
               FROM generate_series(1, $1) g RETURNING id",
        )
        .bind(n)
        .fetch_all(&self.owner)
        .await
        .unwrap();
        (ideas, people)
    }

    fn like(&self, idea: Uuid, account: Uuid) -> LikeRequest {
        LikeRequest {
            space: self.space,
            idea,
            account,
            staff: false,
            verified: false,
        }
    }

    /// Sessions of this test's database waiting for a lock.
    async fn waiting(&self) -> i64 {
        sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&self.owner)
        .await
        .unwrap()
    }

    /// The probes (statements that lock) that found their row locked by someone else: each runs
    /// in a savepoint rolled back at once, waiting 200 ms at most. Triggers do not fire (the
    /// replication role): a probing like takes its own key's entry and nothing else, not the
    /// counter or the participant that the like held from outside has locked too.
    async fn held<'q>(
        &self,
        probes: impl Iterator<Item = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>>,
    ) -> Vec<usize> {
        let mut tx = ecoute::db::owner_tx_in(&self.owner, self.gironde).await.unwrap();
        sqlx::raw_sql("SET LOCAL lock_timeout = '200ms'; SET LOCAL session_replication_role = replica")
            .execute(&mut *tx)
            .await
            .unwrap();
        let mut held = Vec::new();
        for (n, probe) in probes.enumerate() {
            sqlx::query("SAVEPOINT probe").execute(&mut *tx).await.unwrap();
            match probe.execute(&mut *tx).await {
                Ok(_) => {}
                Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("55P03") => held.push(n),
                Err(e) => panic!("probe: {e}"),
            }
            sqlx::query("ROLLBACK TO SAVEPOINT probe")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.rollback().await.unwrap();
        held
    }

    /// Stored likes and each idea's counter, for these ideas.
    async fn stored(&self, ideas: &[Uuid]) -> Vec<(i64, i32)> {
        let mut tx = ecoute::db::owner_tx_in(&self.owner, self.gironde).await.unwrap();
        let rows = sqlx::query_as(
            "SELECT (SELECT count(*) FROM idea_likes l WHERE l.tenant_id = i.tenant_id AND l.idea_id = i.id), i.like_count
               FROM unnest($2::uuid[]) WITH ORDINALITY AS w(id, n)
               JOIN ideas i ON i.tenant_id = $1 AND i.id = w.id ORDER BY w.n",
        )
        .bind(self.gironde)
        .bind(ideas)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        rows
    }
}

fn batch(space: &Space, likes: Vec<LikeRequest>) -> tokio::task::JoinHandle<Result<Vec<LikeOutcome>, sqlx::Error>> {
    let (db, tenant) = (space.db.clone(), space.space);
    tokio::spawn(async move { store_batch(&db, tenant, &likes).await })
}

/// A batch inserts its likes in key order. The like first in that order is held from outside
/// (the same person's same like, not yet committed); a batch of 32 likes asked in the reverse
/// order waits for it holding none of the others, which another batch may insert at once.
/// Inserted in the order asked (or its plan's), the batch held the likes before the held one,
/// and two batches holding the same likes crossed (a retry landing in another worker's batch)
/// deadlocked.
#[tokio::test]
async fn a_batch_inserts_its_likes_in_key_order() {
    let space = space().await;
    let (ideas, people) = space.ideas_and_people(8).await;
    let mut likes: Vec<LikeRequest> = ideas
        .iter()
        .flat_map(|idea| people[..4].iter().map(|person| space.like(*idea, *person)))
        .collect();
    likes.sort_by_key(|like| std::cmp::Reverse((like.idea, like.account)));
    let first = likes.last().copied().unwrap();
    let insert = "INSERT INTO idea_likes (tenant_id, idea_id, account_id, origin_tenant_id) VALUES ($1, $2, $3, $1)
                  ON CONFLICT DO NOTHING";
    let mut outside = ecoute::db::owner_tx_in(&space.owner, space.gironde).await.unwrap();
    sqlx::query(insert)
        .bind(space.gironde)
        .bind(first.idea)
        .bind(first.account)
        .execute(&mut *outside)
        .await
        .unwrap();

    let liking = batch(&space, likes.clone());
    assert!(
        eventually(Duration::from_secs(5), || async { space.waiting().await == 1 }).await,
        "the batch waits for the like held from outside"
    );
    let probes = likes[..likes.len() - 1].iter().map(|like| {
        sqlx::query(insert)
            .bind(space.gironde)
            .bind(like.idea)
            .bind(like.account)
    });
    let held = space.held(probes).await;
    outside.rollback().await.unwrap();
    let outcomes = tokio::time::timeout(Duration::from_secs(20), liking)
        .await
        .unwrap()
        .unwrap()
        .expect("the batch");
    assert!(
        held.is_empty(),
        "waiting for the first like, the batch held {} others",
        held.len()
    );
    assert!(
        outcomes.iter().all(|o| matches!(o, LikeOutcome::Liked { .. })),
        "{outcomes:?}"
    );
    assert!(space.stored(&ideas).await.iter().all(|counts| *counts == (4, 4)));
}

/// A batch locks the ideas whose counters it changes in key order. The idea first in that
/// order is held from outside; a batch liking 500 ideas waits for it holding none of the
/// others, which another batch may lock at once. Before, the counters' UPDATE locked the ideas
/// in its plan's order: key order for a small batch (a sort), a hash table's for a large one
/// (11 of these 500 held, when this test was checked against the old trigger), and two batches
/// meeting the same popular ideas in different orders could deadlock.
#[tokio::test]
async fn a_batch_locks_its_ideas_counters_in_key_order() {
    let space = space().await;
    let (mut ideas, people) = space.ideas_and_people(500).await;
    ideas.sort();
    let mut outside = ecoute::db::owner_tx_in(&space.owner, space.gironde).await.unwrap();
    sqlx::query("SELECT 1 FROM ideas WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE")
        .bind(space.gironde)
        .bind(ideas[0])
        .execute(&mut *outside)
        .await
        .unwrap();

    let likes = ideas.iter().rev().map(|idea| space.like(*idea, people[0])).collect();
    let liking = batch(&space, likes);
    assert!(
        eventually(Duration::from_secs(5), || async { space.waiting().await == 1 }).await,
        "the batch waits for the idea held from outside"
    );
    let probes = ideas[1..].iter().map(|idea| {
        sqlx::query("SELECT 1 FROM ideas WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE")
            .bind(space.gironde)
            .bind(idea)
    });
    let held = space.held(probes).await;
    outside.rollback().await.unwrap();
    let outcomes = tokio::time::timeout(Duration::from_secs(20), liking)
        .await
        .unwrap()
        .unwrap()
        .expect("the batch");
    assert!(
        held.is_empty(),
        "waiting for the first idea, the batch held ideas {held:?}"
    );
    assert!(
        outcomes.iter().all(|o| matches!(o, LikeOutcome::Liked { .. })),
        "{outcomes:?}"
    );
    assert!(space.stored(&ideas).await.iter().all(|counts| *counts == (1, 1)));
}

/// A batch finds its ideas by probing their key `(tenant_id, id)` twice (this space, the
/// national one), as an idea's page does (`large_lists::an_idea_found_by_its_id_costs_a_probe_of_
/// the_key_not_a_walk`): looked up by id alone, each like walked the whole key once a space had
/// many campaigns. Sixteen likes of one's own ideas (refused, so only the lookups run) in a space
/// of 5,000 ideas and 61 campaigns; PostgreSQL's statistics of the batch's backend count the
/// pages of `ideas` and its key that it read: 81 when written, 641 with the lookup by id alone.
#[tokio::test]
async fn a_batch_finds_its_ideas_by_a_probe_of_their_key() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    // One connection: the batch's statistics are read on its own backend.
    let pool = test_db.app_pool_of(1).await;
    let db = TenantDb::new(pool.clone());
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Une grande consultation").await;
    let author: Uuid = sqlx::query_scalar(
        "INSERT INTO accounts (email, pseudonym) VALUES ('autrice@exemple.fr', 'autrice') RETURNING id",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    as_owner(
        &owner,
        gironde,
        format!(
            "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, account_id, kind, title, body, status, submission_key)
             SELECT '{gironde}', '{campaign}', '{gironde}', '{author}', 'idee', 'Idée ' || g, 'Le texte ' || g,
                    'published', gen_random_uuid() FROM generate_series(1, 5000) g;
             INSERT INTO campaigns (tenant_id, slug, scope, title, summary, opens_at, closes_at, published_at)
             SELECT '{gironde}', 'ancienne-' || g, 'local', 'Consultation ' || g, 'résumé',
                    now() - interval '1 day', now() + interval '55 days', now()
               FROM generate_series(1, 60) g"
        ),
    )
    .await;
    sqlx::raw_sql("ANALYZE ideas; ANALYZE campaigns")
        .execute(&owner)
        .await
        .unwrap();
    let ideas: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM ideas WHERE campaign_id = $1 ORDER BY random() LIMIT 16")
        .bind(campaign)
        .fetch_all(&owner)
        .await
        .unwrap();
    let space = crate::helpers::space(&db, gironde).await;
    let likes: Vec<LikeRequest> = ideas
        .iter()
        .map(|idea| LikeRequest {
            space,
            idea: *idea,
            account: author,
            staff: false,
            verified: false,
        })
        .collect();

    // The backend's pending statistics are flushed after the statement that asks for it.
    let read = || async {
        sqlx::query("SELECT pg_stat_force_next_flush()")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query_scalar::<_, i64>(
            "SELECT pg_stat_get_blocks_fetched('ideas'::regclass) + pg_stat_get_blocks_fetched('ideas_pkey'::regclass)",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let before = read().await;
    let outcomes = store_batch(&db, space, &likes).await.unwrap();
    let pages = read().await - before;
    assert!(outcomes.iter().all(|o| *o == LikeOutcome::OwnIdea), "{outcomes:?}");
    // Two probes of a key three levels deep at most, and the idea's page, for each like.
    assert!(pages <= 16 * 10, "16 lookups read {pages} pages of ideas and its key");
}
