//! Likes, written in batches.
//!
//! A like is tiny; its cost is the transaction around it (BEGIN, the tenant setting, COMMIT
//! and its WAL flush). Requests hand their like to a [`LikeWriter`]; a few workers take every
//! like waiting at that moment, group them by space (the RLS context) and store each group with
//! one statement in one transaction, which checks each like against its idea and campaign
//! exactly as a single one would. Each request gets its own answer once the transaction has
//! committed, so an acknowledged like is stored, and a failed batch fails each of its requests
//! (nothing is half-done: the transaction rolls back whole).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::tenancy::{TenantDb, TenantId};

/// Likes one transaction takes at most.
const BATCH: usize = 512;
/// Transactions in flight at once. Two rather than four: fewer, larger batches share each
/// transaction's fixed costs (planning, the statement triggers, the commit), and two still keep
/// both of a small server's cores busy while one commits. Measured with one outside client
/// (`scripts/wrk/likes.sh`, 64 connections, runs alternated): 3,636 likes/s with two against
/// 3,186 with four (medians of 4), and about the same with one (3,428 against 3,535, medians
/// of 3), which would leave a core idle during each commit on a slower disk.
const WORKERS: usize = 2;
/// Likes waiting beyond the ones in flight before requests wait to hand theirs over.
const QUEUE: usize = 8192;

/// What became of a like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LikeOutcome {
    Liked {
        tenant_id: Uuid,
        campaign_id: Uuid,
    },
    AlreadyLiked,
    /// One does not like one's own idea.
    OwnIdea,
    /// No such idea visible from this space.
    NotFound,
    /// A staff-only campaign, and the person is not staff of this space.
    StaffOnly,
    /// The campaign requires a verified identity, and the account has none.
    Unverified,
    /// The campaign is not open.
    Closed,
    /// Pending or hidden.
    NotPublished,
}

/// A like to store: who, what, from which space.
#[derive(Debug, Clone, Copy)]
pub struct LikeRequest {
    /// The space the request came to (RLS context, and the like's origin).
    pub space: TenantId,
    pub idea: Uuid,
    pub account: Uuid,
    /// The account is verified staff of `space` (for staff-only campaigns).
    pub staff: bool,
    /// The account has a FranceConnect identity here (for campaigns that require one; the
    /// database checks it again and keeps one like per identity: migration `one_voice`).
    pub verified: bool,
}

struct Pending {
    request: LikeRequest,
    reply: oneshot::Sender<Result<LikeOutcome, Arc<sqlx::Error>>>,
}

#[derive(Clone)]
pub struct LikeWriter {
    queue: mpsc::Sender<Pending>,
}

impl LikeWriter {
    /// Starts the workers; they stop when `stop` fires and the queue is empty.
    pub fn start(db: TenantDb, stop: CancellationToken) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..WORKERS {
            tokio::spawn(work(db.clone(), receiver.clone(), stop.clone()));
        }
        LikeWriter { queue }
    }

    /// Stores the like (or says why not), once committed.
    pub async fn like(&self, request: LikeRequest) -> Result<LikeOutcome, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        let closed = || sqlx::Error::PoolClosed;
        self.queue
            .send(Pending { request, reply })
            .await
            .map_err(|_| closed())?;
        match answer.await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(error)) => Err(sqlx::Error::Protocol(format!("like batch failed: {error}"))),
            Err(_) => Err(closed()),
        }
    }
}

async fn work(db: TenantDb, receiver: Arc<Mutex<mpsc::Receiver<Pending>>>, stop: CancellationToken) {
    loop {
        let mut batch = Vec::new();
        {
            let mut receiver = receiver.lock().await;
            tokio::select! {
                // Requests still in the queue get their answer before the pool closes.
                biased;
                received = receiver.recv_many(&mut batch, BATCH) => if received == 0 { return },
                _ = stop.cancelled() => {
                    if receiver.is_empty() { return }
                    receiver.recv_many(&mut batch, BATCH).await;
                }
            }
        }
        let mut by_space: HashMap<TenantId, Vec<Pending>> = HashMap::new();
        for pending in batch {
            by_space.entry(pending.request.space).or_default().push(pending);
        }
        for (space, group) in by_space {
            store(&db, space, group).await;
        }
    }
}

/// One transaction for the likes given in one space.
async fn store(db: &TenantDb, space: TenantId, group: Vec<Pending>) {
    // The same person liking the same idea twice in one batch (a double click): the first
    // request gets the answer, the others are told it is already done.
    let mut seen = HashSet::new();
    let (first, repeated): (Vec<Pending>, Vec<Pending>) = group
        .into_iter()
        .partition(|p| seen.insert((p.request.idea, p.request.account)));
    let requests: Vec<LikeRequest> = first.iter().map(|p| p.request).collect();
    match store_batch(db, space, &requests).await {
        Ok(outcomes) => {
            for (pending, outcome) in first.into_iter().zip(outcomes) {
                let _ = pending.reply.send(Ok(outcome));
            }
            for pending in repeated {
                let _ = pending.reply.send(Ok(LikeOutcome::AlreadyLiked));
            }
        }
        Err(error) => {
            tracing::error!(%error, likes = first.len() + repeated.len(), "like batch failed");
            let error = Arc::new(error);
            for pending in first.into_iter().chain(repeated) {
                let _ = pending.reply.send(Err(error.clone()));
            }
        }
    }
}

/// Stores the likes given in `space` in one transaction (what a worker does with a batch; each
/// pair once: [`store`] answers repeats), and says what became of each, in the order given.
///
/// Concurrent batches may hold the same likes (a retry landing in another worker's batch) or
/// the same ideas (popular ones). Each takes its locks in key order whatever the order of its
/// requests: the likes' unique entries here (`ORDER BY`), then the ideas' counters and the
/// month's participants in the statement triggers (migrations `likes_lock_in_key_order` and
/// `participants_in_key_order`). Two batches can then wait for each other only one way, never
/// in a circle (a deadlock: PostgreSQL aborted one of the two, and every like in it failed).
pub async fn store_batch(
    db: &TenantDb,
    space: TenantId,
    likes: &[LikeRequest],
) -> Result<Vec<LikeOutcome>, sqlx::Error> {
    let n: Vec<i32> = (0..likes.len() as i32).collect();
    let ideas: Vec<Uuid> = likes.iter().map(|p| p.idea).collect();
    let accounts: Vec<Uuid> = likes.iter().map(|p| p.account).collect();
    let staff: Vec<bool> = likes.iter().map(|p| p.staff).collect();
    let verified: Vec<bool> = likes.iter().map(|p| p.verified).collect();
    let mut tx = db.begin_in(space).await?;
    // RLS decides which ideas this space sees; the same rules as a single like decide the rest.
    // The ideas it can see belong to this space or to the national one: saying so lets each
    // lookup probe the key (tenant_id, id) twice instead of scanning the whole key for the id
    // (as in `queries::find_idea_in_campaign`).
    // An idea whose campaign this space cannot see is not found (never a NULL to decode: that
    // was a 500 where an unknown id gets a 404, an existence oracle). The columns of the LEFT
    // JOINs are NULL for an unknown idea: `?` says so, since sqlx cannot see through the CTE.
    let rows = sqlx::query!(
        r#"WITH req AS (
             SELECT * FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::bool[], $6::bool[]) AS r(n, idea_id, account_id, staff, verified)
         ), target AS (
             SELECT req.n, req.account_id, req.staff, req.verified, c.verified_only, i.id AS idea_id, i.tenant_id, i.campaign_id, i.status,
                    i.account_id AS author, c.id IS NOT NULL AS campaign_seen, c.audience = 'staff' AS staff_only,
                    (c.published_at IS NOT NULL AND now() BETWEEN c.opens_at AND c.closes_at
                     AND c.results_published_at IS NULL) AS open
               FROM req
               LEFT JOIN ideas i ON i.tenant_id IN (app_current_tenant(), (SELECT app_national_tenant()))
                                AND i.id = req.idea_id AND (i.status <> 'pending' OR i.account_id = req.account_id)
               LEFT JOIN campaigns c ON c.tenant_id = i.tenant_id AND c.id = i.campaign_id
         ), added AS (
             INSERT INTO idea_likes (tenant_id, idea_id, account_id, origin_tenant_id)
             SELECT tenant_id, idea_id, account_id, $5 FROM target
              WHERE idea_id IS NOT NULL AND open AND status = 'published'
                AND author IS DISTINCT FROM account_id AND (NOT staff_only OR staff) AND (NOT verified_only OR verified)
              ORDER BY tenant_id, idea_id, account_id
             ON CONFLICT DO NOTHING
             RETURNING idea_id, account_id
         )
         SELECT t.n, t.idea_id IS NOT NULL AND t.campaign_seen AS "found!", t.tenant_id AS "tenant_id?",
                t.campaign_id AS "campaign_id?", t.status AS "status?",
                t.author IS NOT DISTINCT FROM t.account_id AS "own!", t.staff_only AND NOT t.staff AS refused, t.verified_only AND NOT t.verified AS unverified,
                COALESCE(t.open, false) AS "open!",
                EXISTS (SELECT 1 FROM added a WHERE a.idea_id = t.idea_id AND a.account_id = t.account_id) AS "added!"
           FROM target t ORDER BY t.n"#,
        &n,
        &ideas,
        &accounts,
        &staff,
        space.uuid(),
        &verified,
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    // Past `found`, the idea and its campaign were seen: their columns are not NULL.
    Ok(rows
        .into_iter()
        .map(|r| {
            if !r.found {
                LikeOutcome::NotFound
            } else if r.refused == Some(true) {
                LikeOutcome::StaffOnly
            } else if r.unverified == Some(true) {
                LikeOutcome::Unverified
            } else if !r.open {
                LikeOutcome::Closed
            } else if r.status.as_deref() != Some("published") {
                LikeOutcome::NotPublished
            } else if r.own {
                LikeOutcome::OwnIdea
            } else if let (true, Some(tenant_id), Some(campaign_id)) = (r.added, r.tenant_id, r.campaign_id) {
                LikeOutcome::Liked { tenant_id, campaign_id }
            } else {
                LikeOutcome::AlreadyLiked
            }
        })
        .collect())
}
