//! Likes and ideas under load through the JSON API, and what the database holds afterwards:
//! exactly the acknowledged requests.

use super::*;

// ---------------------------------------------------------------------------------------------
// Likes and ideas under load, and what the database holds afterwards

/// A permutation of 0..total, so that concurrent likes land on scattered ideas and accounts.
pub(super) fn scatter(k: u64, total: u64) -> u64 {
    let mut multiplier = 1_000_003u64;
    while gcd(multiplier, total) != 1 {
        multiplier += 2;
    }
    ((k as u128 * multiplier as u128 + 12_345) % total as u128) as u64
}

pub(super) fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

pub(super) fn like_pair(k: u64, ideas: u64, total: u64) -> (usize, usize) {
    let p = scatter(k, total);
    ((p % ideas) as usize, (p / ideas) as usize)
}

/// The `Cookie` header of each seeded person: their session and their visitor cookie.
fn signed_in_cookies(seed: &Seed) -> Arc<Vec<String>> {
    Arc::new(
        seed.people
            .iter()
            .map(|(_, session, visitor)| format!("ecoute_session={session}; ecoute_visiteur={visitor}"))
            .collect(),
    )
}

pub(super) async fn run_likes(
    args: &Args,
    addr: SocketAddr,
    host: &str,
    seed: &Seed,
    duration: Duration,
) -> LoadOutcome {
    let ideas = seed.big_ideas.len() as u64;
    let total = ideas * seed.people.len() as u64;
    let requests: Arc<Vec<String>> = Arc::new(
        seed.big_ideas
            .iter()
            .map(|id| format!("/api/v1/ideas/{id}/like"))
            .collect(),
    );
    let cookies = signed_in_cookies(seed);
    let host = host.to_owned();
    let make: MakeRequest = Arc::new(move |k| {
        let (idea, person) = like_pair(k, ideas, total);
        Req::api_post(&requests[idea], &host, &cookies[person], None)
    });
    run_load(Load {
        addr,
        connections: args.connections,
        duration,
        limit: total,
        make,
        want_id: false,
    })
    .await
}

pub(super) async fn run_ideas(
    args: &Args,
    addr: SocketAddr,
    host: &str,
    seed: &Seed,
    duration: Duration,
) -> LoadOutcome {
    let cookies = signed_in_cookies(seed);
    let host = host.to_owned();
    let make: MakeRequest = Arc::new(move |k| {
        let kind = ["idee", "attente", "experience"][(k % 3) as usize];
        let body = serde_json::json!({
            "kind": kind,
            "title": format!("Idée de charge n° {k}"),
            "body": format!("Proposition envoyée pendant le test de charge, numéro {k} : ouvrir l’accueil le samedi matin."),
            "submission_key": Uuid::new_v4(),
        })
        .to_string();
        Req::api_post(
            &format!("/api/v1/campaigns/{SUBMISSIONS}/ideas"),
            &host,
            &cookies[(k % cookies.len() as u64) as usize],
            Some(body),
        )
    });
    run_load(Load {
        addr,
        connections: args.connections,
        duration,
        limit: u64::MAX,
        make,
        want_id: true,
    })
    .await
}

/// Rows against acknowledgements.
pub(super) struct Check {
    pub(super) acked: usize,
    pub(super) rows: usize,
    /// Acknowledged but not stored.
    pub(super) missing: usize,
    /// Stored but not acknowledged.
    pub(super) extra: usize,
    /// Other problems (counters, unreadable answers).
    pub(super) notes: Vec<String>,
}

impl Check {
    pub(super) fn ok(&self) -> bool {
        self.acked == self.rows && self.missing == 0 && self.extra == 0 && self.notes.is_empty()
    }
}

pub(super) async fn tenant_tx(
    owner: &PgPool,
    tenant: Uuid,
) -> anyhow::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = owner.begin().await?;
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

pub(super) async fn check_likes(owner: &PgPool, seed: &Seed, out: &LoadOutcome) -> anyhow::Result<Check> {
    let ideas = seed.big_ideas.len() as u64;
    let total = ideas * seed.people.len() as u64;
    let acked: HashSet<(Uuid, Uuid)> = out
        .acked
        .iter()
        .map(|(k, _)| {
            let (idea, person) = like_pair(*k, ideas, total);
            (seed.big_ideas[idea], seed.people[person].0)
        })
        .collect();
    let mut tx = tenant_tx(owner, seed.tenant).await?;
    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT l.idea_id, l.account_id FROM idea_likes l
           JOIN ideas i ON i.tenant_id = l.tenant_id AND i.id = l.idea_id
          WHERE i.campaign_id = $1",
    )
    .bind(seed.big)
    .fetch_all(&mut *tx)
    .await?;
    let counters: i64 =
        sqlx::query_scalar("SELECT COALESCE(sum(like_count), 0)::int8 FROM ideas WHERE campaign_id = $1")
            .bind(seed.big)
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    let stored: HashSet<(Uuid, Uuid)> = rows.iter().copied().collect();
    let mut notes = Vec::new();
    if acked.len() != out.acked.len() {
        notes.push(format!("{} pairs acknowledged twice", out.acked.len() - acked.len()));
    }
    if counters != rows.len() as i64 {
        notes.push(format!("sum of like_count is {counters}, rows are {}", rows.len()));
    }
    Ok(Check {
        acked: out.acked.len(),
        rows: rows.len(),
        missing: acked.difference(&stored).count(),
        extra: stored.difference(&acked).count(),
        notes,
    })
}

pub(super) async fn check_ideas(owner: &PgPool, seed: &Seed, out: &LoadOutcome) -> anyhow::Result<Check> {
    let unreadable = out.acked.iter().filter(|(_, id)| id.is_none()).count();
    let acked: HashSet<Uuid> = out.acked.iter().filter_map(|(_, id)| *id).collect();
    let mut tx = tenant_tx(owner, seed.tenant).await?;
    let rows: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM ideas WHERE campaign_id = $1")
        .bind(seed.submissions)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let stored: HashSet<Uuid> = rows.iter().copied().collect();
    let mut notes = Vec::new();
    if unreadable > 0 {
        notes.push(format!("{unreadable} acknowledgements without a readable id"));
    }
    if acked.len() + unreadable != out.acked.len() {
        notes.push(format!(
            "{} ids acknowledged twice",
            out.acked.len() - unreadable - acked.len()
        ));
    }
    Ok(Check {
        acked: out.acked.len(),
        rows: rows.len(),
        missing: acked.difference(&stored).count(),
        extra: stored.difference(&acked).count(),
        notes,
    })
}
