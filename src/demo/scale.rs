//! A Grand-Débat-sized national campaign, for measuring the platform at the size of the largest
//! French consultation so far (1.93 million contributions from 475,000 contributors, 2019):
//! `ecoute demo --scale grand-debat` seeds 2,000,000 ideas from 500,000 accounts spread over the
//! 101 Cafs, with likes and comments, then serves (`--contributions` and `--accounts` change the
//! size; the integration test seeds a small one).
//!
//! - **Spaces.** Every Caf of the catalogue gets its module (activated as the national console
//!   does, with the platform's default quotas), so contributions come through 101 spaces.
//! - **Texts.** Recombined from the Grand Débat answers (`../shared/data/grand-debat`): each idea
//!   takes its title from the start of one answer and its body from that answer followed by
//!   another answer to the same question, so no two ideas repeat one answer verbatim.
//! - **People.** Activity is skewed as on real platforms: a few accounts write many ideas, most
//!   write one or two; a few ideas gather most likes and comments.
//! - **Writes.** `COPY` in chunks of [`CHUNK`] rows, inside the national space's tenant context
//!   (RLS is forced, even for the owner), so the row triggers (search vectors, counters,
//!   following, metering) run as they do for real contributions and metering stays exact.
//!
//! Seeded with a fixed random seed; a campaign already seeded is left alone.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::PgPool;
use uuid::Uuid;

/// Rows per `COPY` chunk: bounded memory whatever the size.
pub const CHUNK: usize = 20_000;
/// The campaign's address in the national space.
pub const SLUG: &str = "grand-debat-des-familles";

/// How big a campaign to seed.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub contributions: usize,
    pub accounts: usize,
    /// Likes per contribution, on average.
    pub likes_per_contribution: f64,
    /// Comments per contribution, on average.
    pub comments_per_contribution: f64,
}

impl Scale {
    /// The Grand Débat's size, rounded up.
    pub const GRAND_DEBAT: Scale = Scale {
        contributions: 2_000_000,
        accounts: 500_000,
        likes_per_contribution: 2.0,
        comments_per_contribution: 0.1,
    };
}

/// What was seeded, and how long each part took.
#[derive(Debug, Default)]
pub struct Seeded {
    pub spaces_activated: usize,
    pub accounts: usize,
    pub ideas: usize,
    pub likes: usize,
    pub comments: usize,
    pub timings: Vec<(&'static str, Duration)>,
}

/// The answers to recombine, by question.
struct Texts {
    by_question: Vec<Vec<String>>,
}

impl Texts {
    fn read(path: &Path) -> anyhow::Result<Texts> {
        let mut reader = csv::Reader::from_path(path)?;
        let headers = reader.headers()?.clone();
        let column = |name: &str| headers.iter().position(|h| h == name);
        let (Some(question), Some(text)) = (column("question_code"), column("text")) else {
            anyhow::bail!("{}: needs the columns question_code and text", path.display());
        };
        let mut grouped: HashMap<String, Vec<String>> = HashMap::new();
        for record in reader.records() {
            let record = record?;
            let answer = record[text].split_whitespace().collect::<Vec<_>>().join(" ");
            if answer.chars().count() >= 20 {
                grouped.entry(record[question].to_owned()).or_default().push(answer);
            }
        }
        let mut by_question: Vec<(String, Vec<String>)> = grouped.into_iter().collect();
        by_question.sort_by(|a, b| a.0.cmp(&b.0));
        anyhow::ensure!(
            !by_question.is_empty(),
            "{}: no answer of 20 characters or more",
            path.display()
        );
        Ok(Texts {
            by_question: by_question.into_iter().map(|(_, answers)| answers).collect(),
        })
    }

    /// A title and body: one answer's start, then that answer and another to the same question.
    fn idea(&self, rng: &mut ChaCha8Rng) -> (String, String) {
        let answers = &self.by_question[rng.random_range(0..self.by_question.len())];
        let first = &answers[rng.random_range(0..answers.len())];
        let second = &answers[rng.random_range(0..answers.len())];
        let mut title = String::new();
        for word in first.split(' ') {
            if title.chars().count() + word.chars().count() + 1 > 90 {
                break;
            }
            if !title.is_empty() {
                title.push(' ');
            }
            title.push_str(word);
        }
        if title.chars().count() < 3 {
            title = first.chars().take(90).collect();
        }
        let body: String = format!("{first} {second}").chars().take(4000).collect();
        (title, body)
    }

    /// A comment: one answer, at most 2,000 characters.
    fn comment(&self, rng: &mut ChaCha8Rng) -> String {
        let answers = &self.by_question[rng.random_range(0..self.by_question.len())];
        answers[rng.random_range(0..answers.len())].chars().take(2000).collect()
    }
}

/// An index below `n`, skewed towards 0 (`power` > 1: the higher, the more skewed).
fn skewed(rng: &mut ChaCha8Rng, n: usize, power: i32) -> usize {
    let u: f64 = rng.random();
    ((u.powi(power) * n as f64) as usize).min(n - 1)
}

/// A moment between `after` and now: nothing predates what it answers.
fn moment(rng: &mut ChaCha8Rng, after: DateTime<Utc>) -> DateTime<Utc> {
    let span = (Utc::now() - after).num_seconds().max(1);
    after + chrono::Duration::seconds(rng.random_range(0..span))
}

fn random_uuid(rng: &mut ChaCha8Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// Gives every Caf of the catalogue its module; returns the local spaces, and how many were new.
async fn all_spaces(owner: &PgPool, national: Uuid) -> anyhow::Result<(Vec<Uuid>, usize)> {
    let missing: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.code, c.name FROM caf_catalogue c
          WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.caf_code = c.code) ORDER BY c.code",
    )
    .fetch_all(owner)
    .await?;
    let mut tx = crate::db::owner_tx_in(owner, national).await?;
    for (code, name) in &missing {
        let slug = format!("caf-{}", code.to_lowercase());
        sqlx::query("SELECT console_activate_module($1, $2, $3, '#003189', '#e1000f')")
            .bind(&slug)
            .bind(code)
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let spaces = sqlx::query_scalar("SELECT id FROM tenants WHERE kind = 'local' AND status = 'active' ORDER BY slug")
        .fetch_all(owner)
        .await?;
    Ok((spaces, missing.len()))
}

/// The campaign, created open for the last 60 days; `None` when it was seeded already.
async fn campaign(owner: &PgPool, national: Uuid) -> anyhow::Result<Option<(Uuid, DateTime<Utc>)>> {
    let opens_at = Utc::now() - chrono::Duration::days(60);
    let mut tx = crate::db::owner_tx_in(owner, national).await?;
    let created: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO campaigns (tenant_id, slug, scope, audience, title, summary, themes, opens_at, closes_at, published_at)
         VALUES ($1, $2, 'national', 'public', 'Le grand débat des familles',
                 'Une consultation nationale relayée par les 101 Caf : vos idées pour les prestations familiales.',
                 ARRAY['Transition écologique', 'Fiscalité', 'Démocratie', 'Services publics'], $3, $3 + interval '90 days', now())
         ON CONFLICT (tenant_id, slug) DO NOTHING RETURNING id",
    )
    .bind(national)
    .bind(SLUG)
    .bind(opens_at)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(created.map(|id| (id, opens_at)))
}

/// Streams `rows` CSV lines into `COPY target FROM STDIN` inside the national space's context,
/// [`CHUNK`] at a time; `row(i, out)` writes line `i`.
async fn copy(
    owner: &PgPool,
    national: Uuid,
    target: &str,
    rows: usize,
    mut row: impl FnMut(usize, &mut csv::Writer<Vec<u8>>) -> csv::Result<()>,
) -> anyhow::Result<()> {
    let mut tx = crate::db::owner_tx_in(owner, national).await?;
    let statement = format!("COPY {target} FROM STDIN WITH (FORMAT csv)");
    let mut sink = tx.copy_in_raw(&statement).await?;
    let mut start = 0;
    while start < rows {
        let end = (start + CHUNK).min(rows);
        let mut out = csv::Writer::from_writer(Vec::with_capacity(CHUNK * 64));
        for i in start..end {
            row(i, &mut out)?;
        }
        sink.send(out.into_inner()?).await?;
        start = end;
    }
    sink.finish().await?;
    tx.commit().await?;
    Ok(())
}

/// Seeds the campaign (see the module's documentation), reading the answers at `answers`.
pub async fn seed(owner: &PgPool, answers: &Path, scale: Scale, seed: u64) -> anyhow::Result<Seeded> {
    let mut seeded = Seeded::default();
    let mut clock = Instant::now();
    let mut lap = |seeded: &mut Seeded, what: &'static str| {
        seeded.timings.push((what, clock.elapsed()));
        clock = Instant::now();
    };
    let national: Uuid = sqlx::query_scalar("SELECT id FROM tenants WHERE kind = 'national'")
        .fetch_one(owner)
        .await?;
    let texts = Texts::read(answers)?;
    let (spaces, activated) = all_spaces(owner, national).await?;
    anyhow::ensure!(!spaces.is_empty(), "no local space to contribute from");
    seeded.spaces_activated = activated;
    let Some((campaign, opens_at)) = campaign(owner, national).await? else {
        return Ok(seeded);
    };
    lap(&mut seeded, "spaces and campaign");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    // Accounts, each contributing from one space (a skewed share per Caf, as populations are).
    let accounts: Vec<(Uuid, Uuid)> = (0..scale.accounts)
        .map(|_| (random_uuid(&mut rng), spaces[skewed(&mut rng, spaces.len(), 2)]))
        .collect();
    let run = random_uuid(&mut rng).simple().to_string();
    copy(
        owner,
        national,
        "accounts (id, email, pseudonym)",
        accounts.len(),
        |i, out| {
            let email = format!("gd.{}.{i}@exemple.fr", &run[..8]);
            out.write_record([accounts[i].0.to_string(), email, format!("Participant {i}")])
        },
    )
    .await?;
    seeded.accounts = accounts.len();
    analyze(owner, "accounts").await?;
    lap(&mut seeded, "accounts");

    // Ideas: a few accounts write many.
    let ideas: Vec<(Uuid, usize, DateTime<Utc>)> = (0..scale.contributions)
        .map(|_| {
            (
                random_uuid(&mut rng),
                skewed(&mut rng, accounts.len(), 3),
                moment(&mut rng, opens_at),
            )
        })
        .collect();
    let national_s = national.to_string();
    let campaign_s = campaign.to_string();
    copy(
        owner,
        national,
        "ideas (tenant_id, id, campaign_id, origin_tenant_id, account_id, kind, title, body, submission_key, created_at)",
        ideas.len(),
        |i, out| {
            let (id, author, at) = ideas[i];
            let (title, body) = texts.idea(&mut rng);
            let kind = ["idee", "idee", "idee", "attente", "experience"][rng.random_range(0..5)];
            let (account, space) = accounts[author];
            out.write_record([
                national_s.as_str(),
                &id.to_string(),
                &campaign_s,
                &space.to_string(),
                &account.to_string(),
                kind,
                &title,
                &body,
                &random_uuid(&mut rng).to_string(),
                &at.to_rfc3339(),
            ])
        },
    )
    .await?;
    seeded.ideas = ideas.len();
    analyze(owner, "ideas").await?;
    lap(&mut seeded, "ideas");

    let national = (national, national.to_string());
    seeded.likes = likes(owner, &national, &mut rng, &accounts, &ideas, scale).await?;
    analyze(owner, "idea_likes").await?;
    lap(&mut seeded, "likes");
    seeded.comments = comments(owner, &national, &mut rng, &texts, &accounts, &ideas, scale).await?;
    lap(&mut seeded, "comments");
    analyze(owner, "idea_comments").await?;
    lap(&mut seeded, "analyze");
    Ok(seeded)
}

/// Statistics for `table` once it is loaded, before the next `COPY`: the next table's triggers
/// look rows up in it (a like's voice reads its idea, a comment's counter updates it), and a
/// plan made while the statistics still said "a few rows" is kept for the whole `COPY`. The
/// 2,000,000-idea seed's likes crawled at one row every few seconds until this was done.
async fn analyze(owner: &PgPool, table: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("ANALYZE {table}")))
        .execute(owner)
        .await
        .map(|_| ())
}

type Accounts = [(Uuid, Uuid)];
type Ideas = [(Uuid, usize, DateTime<Utc>)];

/// Likes: a few ideas gather most; one per person and idea.
async fn likes(
    owner: &PgPool,
    (national, national_s): &(Uuid, String),
    rng: &mut ChaCha8Rng,
    accounts: &Accounts,
    ideas: &Ideas,
    scale: Scale,
) -> anyhow::Result<usize> {
    let wanted = (scale.contributions as f64 * scale.likes_per_contribution) as usize;
    let mut likes: HashSet<(u32, u32)> = HashSet::with_capacity(wanted);
    for _ in 0..wanted * 2 {
        if likes.len() == wanted {
            break;
        }
        likes.insert((
            skewed(rng, ideas.len(), 3) as u32,
            rng.random_range(0..accounts.len()) as u32,
        ));
    }
    let likes: Vec<(u32, u32)> = likes.into_iter().collect();
    let target = "idea_likes (tenant_id, idea_id, account_id, origin_tenant_id)";
    copy(owner, *national, target, likes.len(), |i, out| {
        let (idea, person) = likes[i];
        let (account, space) = accounts[person as usize];
        out.write_record([
            national_s.clone(),
            ideas[idea as usize].0.to_string(),
            account.to_string(),
            space.to_string(),
        ])
    })
    .await?;
    Ok(likes.len())
}

/// Comments: on the ideas most seen, by anyone, after the idea.
async fn comments(
    owner: &PgPool,
    (national, national_s): &(Uuid, String),
    rng: &mut ChaCha8Rng,
    texts: &Texts,
    accounts: &Accounts,
    ideas: &Ideas,
    scale: Scale,
) -> anyhow::Result<usize> {
    let count = (scale.contributions as f64 * scale.comments_per_contribution) as usize;
    let target = "idea_comments (tenant_id, idea_id, origin_tenant_id, account_id, body, submission_key, created_at)";
    copy(owner, *national, target, count, |_, out| {
        let (idea, _, written) = ideas[skewed(rng, ideas.len(), 3)];
        let (account, space) = accounts[rng.random_range(0..accounts.len())];
        out.write_record([
            national_s.clone(),
            idea.to_string(),
            space.to_string(),
            account.to_string(),
            texts.comment(rng),
            random_uuid(rng).to_string(),
            moment(rng, written).to_rfc3339(),
        ])
    })
    .await?;
    Ok(count)
}
