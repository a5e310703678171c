//! The benchmark's data: a campaign of 1,000 published ideas (the first with 20 comments), one
//! of 10, an empty one for submissions, and accounts with a session each, written as the owner
//! in the space's context.

use super::*;

// ---------------------------------------------------------------------------------------------
// Seed data

pub(super) async fn seed(owner: &PgPool, args: &Args) -> anyhow::Result<Seed> {
    let tenant: Uuid = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1")
        .bind(TENANT)
        .fetch_one(owner)
        .await
        .with_context(|| format!("no tenant `{TENANT}` after sync"))?;
    let author: Uuid = sqlx::query_scalar(
        "INSERT INTO accounts (email, pseudonym) VALUES ('auteur@bench.example', 'Autrice') RETURNING id",
    )
    .fetch_one(owner)
    .await?;
    let people = accounts_with_sessions(owner, tenant, args.accounts).await?;

    let mut tx = owner.begin().await?;
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await?;
    let mut campaigns = HashMap::new();
    for (slug, ideas) in [(BIG, args.ideas), (SMALL, args.small_ideas), (SUBMISSIONS, 0)] {
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO campaigns (tenant_id, slug, scope, title, summary, body_md, opens_at, closes_at, published_at)
             VALUES ($1, $2, 'local', $3, $4, $5, now() - interval '1 day', now() + interval '55 days', now())
             RETURNING id",
        )
        .bind(tenant)
        .bind(slug)
        .bind(format!("Consultation de charge ({slug})"))
        .bind("Comment améliorer l’accueil dans nos points de contact ?")
        .bind(CAMPAIGN_BODY)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, account_id, kind, title, body, status,
                                submission_key, created_at)
             SELECT $1, $2, $1, $3, (ARRAY['idee', 'attente', 'experience'])[1 + g % 3],
                    'Proposition n° ' || g || ' pour un meilleur accueil',
                    'Contribution numéro ' || g || ' : ' || repeat('des horaires plus larges le samedi matin, ', 8),
                    'published', gen_random_uuid(), now() - g * interval '1 minute'
               FROM generate_series(1, $4::int8) AS g",
        )
        .bind(tenant)
        .bind(id)
        .bind(author)
        .bind(ideas)
        .execute(&mut *tx)
        .await?;
        campaigns.insert(slug, id);
    }
    let big_ideas: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM ideas WHERE campaign_id = $1 ORDER BY created_at")
        .bind(campaigns[BIG])
        .fetch_all(&mut *tx)
        .await?;
    // The idea page under load: the first idea, with a conversation of 20 comments.
    if let Some(&idea) = big_ideas.first() {
        sqlx::query(
            "INSERT INTO idea_comments (tenant_id, idea_id, origin_tenant_id, account_id, body, submission_key, created_at)
             SELECT $1, $2, $1, $3, 'Commentaire n° ' || g || ' : ' || repeat('je confirme, le samedi matin serait utile. ', 3),
                    gen_random_uuid(), now() - g * interval '1 minute'
               FROM generate_series(1, $4::int8) AS g",
        )
        .bind(tenant)
        .bind(idea)
        .bind(author)
        .bind(IDEA_PAGE_COMMENTS)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    // Planner statistics, as a live database would have them.
    sqlx::query("ANALYZE").execute(owner).await?;
    Ok(Seed {
        tenant,
        big: campaigns[BIG],
        submissions: campaigns[SUBMISSIONS],
        big_ideas,
        people,
    })
}

/// Comments on the idea whose page is measured.
pub(super) const IDEA_PAGE_COMMENTS: i64 = 20;

pub(super) const CAMPAIGN_BODY: &str = "## Pourquoi cette consultation\n\nNous voulons savoir ce qui **facilite** \
    ou **complique** vos démarches à l’accueil de la Caf : horaires, prise de rendez-vous, attente, \
    confidentialité, accompagnement au numérique.\n\n## Comment participer\n\n- proposez une idée ;\n\
    - soutenez celles des autres ;\n- commentez pour préciser.\n\nLes équipes liront chaque contribution \
    et publieront une synthèse à la clôture.";

/// `n` accounts with one session each in `tenant`: (account id, session token, visitor id).
pub(super) async fn accounts_with_sessions(
    owner: &PgPool,
    tenant: Uuid,
    n: usize,
) -> anyhow::Result<Vec<(Uuid, String, String)>> {
    let emails: Vec<String> = (0..n).map(|i| format!("personne-{i}@bench.example")).collect();
    let pseudonyms: Vec<String> = (0..n).map(|i| format!("Personne {i}")).collect();
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "INSERT INTO accounts (email, pseudonym) SELECT * FROM unnest($1::text[], $2::text[]) RETURNING id, email",
    )
    .bind(&emails)
    .bind(&pseudonyms)
    .fetch_all(owner)
    .await?;
    let by_email: HashMap<String, Uuid> = rows.into_iter().map(|(id, email)| (email, id)).collect();
    let ids: Vec<Uuid> = emails.iter().map(|e| by_email[e]).collect();
    let tokens: Vec<String> = (0..n).map(|_| new_token()).collect();
    let hashes: Vec<Vec<u8>> = tokens.iter().map(|t| hash_token(t)).collect();
    let mut tx = owner.begin().await?;
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sessions (tenant_id, id_hash, account_id, expires_at)
         SELECT $1, h, a, now() + interval '1 day' FROM unnest($2::bytea[], $3::uuid[]) AS t(h, a)",
    )
    .bind(tenant)
    .bind(&hashes)
    .bind(&ids)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(ids
        .into_iter()
        .zip(tokens)
        .map(|(id, token)| (id, token, new_token()))
        .collect())
}

pub(super) struct ServerContext {
    pub(super) version: String,
    pub(super) fsync: String,
    pub(super) synchronous_commit: String,
    pub(super) shared_buffers: String,
}

pub(super) async fn server_context(owner: &PgPool) -> anyhow::Result<ServerContext> {
    let version: String = sqlx::query_scalar("SELECT 'PostgreSQL ' || current_setting('server_version')")
        .fetch_one(owner)
        .await?;
    Ok(ServerContext {
        version,
        fsync: show(owner, "fsync").await?,
        synchronous_commit: show(owner, "synchronous_commit").await?,
        shared_buffers: show(owner, "shared_buffers").await?,
    })
}

pub(super) async fn show(owner: &PgPool, setting: &str) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT current_setting($1)")
        .bind(setting)
        .fetch_one(owner)
        .await
}
