//! Demo participation for `ecoute demo`: people from several Cafs who posted ideas, commented,
//! liked and answered the survey, so a first look at the spaces, the consoles, the analysis and
//! the results shows what they are for. The texts are ours, written for the demo.
//!
//! Seeded once per campaign (a campaign that already has ideas is left alone), with a fixed
//! random seed: two demos look the same. Rows are written as the owner inside each campaign's
//! tenant context, each with the space it came from, so RLS, counters and metering see them as
//! they see real contributions.

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::PgPool;
use uuid::Uuid;

use super::contribution_texts::*;

/// What was seeded.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    pub ideas: usize,
    pub comments: usize,
    pub likes: usize,
    pub responses: usize,
}

struct Campaign {
    tenant_id: Uuid,
    id: Uuid,
    opens_at: DateTime<Utc>,
    themes: Vec<String>,
}

async fn campaign(owner: &PgPool, tenant: &str, slug: &str) -> Result<Option<Campaign>, sqlx::Error> {
    let row: Option<(Uuid, Uuid, DateTime<Utc>, Vec<String>)> = sqlx::query_as(
        "SELECT c.tenant_id, c.id, c.opens_at, c.themes FROM campaigns c JOIN tenants t ON t.id = c.tenant_id
          WHERE t.slug = $1 AND c.slug = $2",
    )
    .bind(tenant)
    .bind(slug)
    .fetch_optional(owner)
    .await?;
    Ok(row.map(|(tenant_id, id, opens_at, themes)| Campaign {
        tenant_id,
        id,
        opens_at,
        themes,
    }))
}

/// A moment between `after` and now (the opening, or the idea a like or a comment answers), so
/// the daily charts have a shape and nothing predates what it answers.
fn moment(rng: &mut ChaCha8Rng, after: DateTime<Utc>) -> DateTime<Utc> {
    let span = (Utc::now() - after).num_minutes().max(1);
    after + Duration::minutes(rng.random_range(0..span))
}

/// The demo people (created once): (account id, space slug they take part from).
async fn people(owner: &PgPool, spaces: &[(Uuid, &'static str)]) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    let mut people = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let (space, slug) = spaces[i % spaces.len()];
        let email = format!("demo.{}.{i}@exemple.fr", slug);
        let pseudonym = format!("{name} {}", (b'A' + (i as u8 * 7) % 26) as char);
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO accounts (email, pseudonym) VALUES ($1, $2)
             ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id",
        )
        .bind(&email)
        .bind(&pseudonym)
        .fetch_one(owner)
        .await?;
        people.push((id, space));
    }
    Ok(people)
}

/// Seeds participation in the demo campaigns that have none yet.
pub async fn seed(owner: &PgPool) -> anyhow::Result<Seeded> {
    let mut seeded = Seeded::default();
    let mut spaces = Vec::new();
    for slug in ["gironde", "aude", "haute-garonne", "national"] {
        if let Some(id) = sqlx::query_scalar::<_, Uuid>("SELECT id FROM tenants WHERE slug = $1")
            .bind(slug)
            .fetch_optional(owner)
            .await?
        {
            spaces.push((id, slug));
        }
    }
    if spaces.is_empty() {
        return Ok(seeded);
    }
    let people = people(owner, &spaces).await?;
    let key = crate::db::load_csrf_key(owner).await?;
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    for (tenant, slug, ideas) in [
        ("national", "simplifier-les-demarches", DEMARCHES),
        ("gironde", "accueil-bordeaux", ACCUEIL),
    ] {
        let Some(c) = campaign(owner, tenant, slug).await? else {
            continue;
        };
        // People of the campaign's audience: everyone for a national campaign, the space's own
        // people (and national ones) for a local one.
        let national = spaces.iter().find(|(_, s)| *s == "national").map(|(id, _)| *id);
        let crowd: Vec<(Uuid, Uuid)> = people
            .iter()
            .copied()
            .filter(|(_, space)| tenant == "national" || *space == c.tenant_id || Some(*space) == national)
            .collect();
        let crowd = if crowd.is_empty() { people.clone() } else { crowd };
        let mut tx = crate::db::owner_tx_in(owner, c.tenant_id).await?;
        let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM ideas WHERE tenant_id = $1 AND campaign_id = $2")
            .bind(c.tenant_id)
            .bind(c.id)
            .fetch_one(&mut *tx)
            .await?;
        if existing > 0 {
            continue;
        }
        let mut posted: Vec<(Uuid, Uuid, DateTime<Utc>)> = Vec::new();
        for (i, (kind, theme, title, body)) in ideas.iter().enumerate() {
            let (author, from) = crowd[(i * 7 + 3) % crowd.len()];
            let at = moment(&mut rng, c.opens_at);
            let origin = if tenant == "national" { from } else { c.tenant_id };
            let id: Uuid = sqlx::query_scalar(
                "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, account_id, kind, title, body, theme, status,
                                    submission_key, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'published', gen_random_uuid(), $9) RETURNING id",
            )
            .bind(c.tenant_id)
            .bind(c.id)
            .bind(origin)
            .bind(author)
            .bind(kind)
            .bind(title)
            .bind(body)
            .bind(c.themes.get(*theme))
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            posted.push((id, author, at));
            seeded.ideas += 1;
        }
        let national_campaign = tenant == "national";
        let likes = like(&mut tx, &c, &crowd, &posted, national_campaign, &mut rng).await?;
        seeded.likes += likes.iter().sum::<usize>();
        seeded.comments += comment(&mut tx, &c, &crowd, &posted, &likes, national_campaign, &mut rng).await?;
        if tenant == "national" {
            seeded.responses += responses(&mut tx, &key, &c, &crowd, &mut rng).await?;
        }
        // One transaction per campaign: a demo interrupted mid-way seeds it again next time.
        tx.commit().await?;
    }
    Ok(seeded)
}

/// Likes: some ideas strike a chord, most get a few; never one's own. Returns each idea's.
async fn like(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    c: &Campaign,
    crowd: &[(Uuid, Uuid)],
    posted: &[(Uuid, Uuid, DateTime<Utc>)],
    national: bool,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<usize>, sqlx::Error> {
    // Likes: some ideas strike a chord, most get a few; never one's own.
    let mut likes = vec![0usize; posted.len()];
    for (n, (idea, author, at)) in posted.iter().enumerate() {
        let appeal = if n % 5 == 1 { 0.7 } else { 0.15 + 0.1 * (n % 3) as f64 };
        for (person, from) in crowd {
            if person != author && rng.random_bool(appeal) {
                likes[n] += 1;
                let origin = if national { *from } else { c.tenant_id };
                sqlx::query(
                    "INSERT INTO idea_likes (tenant_id, idea_id, account_id, origin_tenant_id, created_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(c.tenant_id)
                .bind(idea)
                .bind(person)
                .bind(origin)
                .bind(moment(rng, *at))
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok(likes)
}

/// A national campaign's most liked idea gathers a long discussion: more threads than one page
/// of the idea page shows (`ideas::queries::THREADS_PER_PAGE`), so the demo shows its pages.
const LONG_DISCUSSION: usize = 56;

/// The `j`-th comment of a discussion: the demo's replies, then pairs of them.
fn discussion_text(j: usize) -> String {
    let n = COMMENTS.len();
    match j / n {
        0 => COMMENTS[j].to_owned(),
        round => format!("{} {}", COMMENTS[j % n], COMMENTS[(j + round) % n]),
    }
}

/// Two comments on each of the most liked ideas (six on a national campaign, three on a local
/// one), and a long discussion on a national campaign's first. Returns how many.
async fn comment(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    c: &Campaign,
    crowd: &[(Uuid, Uuid)],
    posted: &[(Uuid, Uuid, DateTime<Utc>)],
    likes: &[usize],
    national: bool,
    rng: &mut ChaCha8Rng,
) -> Result<usize, sqlx::Error> {
    let mut count = 0;
    // Comments on the most liked ideas.
    let mut by_likes: Vec<usize> = (0..posted.len()).collect();
    by_likes.sort_by_key(|n| std::cmp::Reverse(likes[*n]));
    for (k, n) in by_likes.iter().take(if national { 6 } else { 3 }).enumerate() {
        let comments = if national && k == 0 { LONG_DISCUSSION } else { 2 };
        for j in 0..comments {
            let (person, from) = crowd[(k * 5 + j * 11 + 1) % crowd.len()];
            let origin = if national { from } else { c.tenant_id };
            sqlx::query(
                "INSERT INTO idea_comments (tenant_id, idea_id, origin_tenant_id, account_id, body, submission_key, created_at)
                 VALUES ($1, $2, $3, $4, $5, gen_random_uuid(), $6)",
            )
            .bind(c.tenant_id)
            .bind(posted[*n].0)
            .bind(origin)
            .bind(person)
            .bind(discussion_text(k * 2 + j))
            .bind(moment(rng, posted[*n].2))
            .execute(&mut **tx)
            .await?;
            count += 1;
        }
    }
    Ok(count)
}

/// Everyone in `crowd` answers the campaign's survey (if it has one), as the survey pages would
/// store it: one response each, keyed like the application keys them.
async fn responses(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    key: &ring::hmac::Key,
    c: &Campaign,
    crowd: &[(Uuid, Uuid)],
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<usize> {
    let questions: Vec<(Uuid, String, Vec<String>)> = sqlx::query_as(
        "SELECT id, kind, options FROM survey_questions WHERE tenant_id = $1 AND campaign_id = $2 ORDER BY position",
    )
    .bind(c.tenant_id)
    .bind(c.id)
    .fetch_all(&mut **tx)
    .await?;
    if questions.is_empty() {
        return Ok(0);
    }
    let mut stored = 0;
    for (person, from) in crowd {
        let respondent = crate::surveys::respondent_key(key, c.id, *person);
        let response: Uuid = sqlx::query_scalar(
            "INSERT INTO survey_responses (tenant_id, campaign_id, origin_tenant_id, respondent_key, version, account_id,
                                           submission_key, submitted_at)
             VALUES ($1, $2, $3, $4, 1, $5, gen_random_uuid(), $6) RETURNING id",
        )
        .bind(c.tenant_id)
        .bind(c.id)
        .bind(from)
        .bind(&respondent)
        .bind(person)
        .bind(moment(rng, c.opens_at))
        .fetch_one(&mut **tx)
        .await?;
        // Most did a procedure online; the follow-up question only shows to them.
        let did_online = rng.random_bool(0.8);
        for (id, kind, options) in &questions {
            let value = match kind.as_str() {
                "single_choice" if options.first().is_some_and(|o| o == "Oui") => {
                    serde_json::json!(if did_online { "Oui" } else { "Non" })
                }
                "single_choice" => serde_json::json!(options[rng.random_range(0..options.len())]),
                "multiple_choice" if !did_online => continue,
                "multiple_choice" => {
                    let mut chosen: Vec<&String> = options.iter().filter(|_| rng.random_bool(0.35)).take(3).collect();
                    if chosen.is_empty() {
                        chosen.push(&options[0]);
                    }
                    serde_json::json!(chosen)
                }
                "scale" => serde_json::json!(rng.random_range(3..=9)),
                "ranking" => {
                    let mut order = options.clone();
                    // Real-time follow-up tends to come first.
                    if rng.random_bool(0.6) {
                        order.swap(0, 1);
                    } else if rng.random_bool(0.5) {
                        order.swap(1, 2);
                    }
                    serde_json::json!(order)
                }
                "short_text" if rng.random_bool(0.6) => {
                    serde_json::json!(ONE_WORD[rng.random_range(0..ONE_WORD.len())])
                }
                "long_text" if rng.random_bool(0.4) => {
                    serde_json::json!(DIFFICULTIES[rng.random_range(0..DIFFICULTIES.len())])
                }
                _ => continue,
            };
            sqlx::query(
                "INSERT INTO survey_answers (tenant_id, response_id, question_id, value) VALUES ($1, $2, $3, $4)",
            )
            .bind(c.tenant_id)
            .bind(response)
            .bind(id)
            .bind(value)
            .execute(&mut **tx)
            .await?;
        }
        stored += 1;
    }
    Ok(stored)
}
