//! Moderation holds on every read path (issue 17, class 4): the words of a contribution that is
//! not published (hidden by a moderator, or held by pre-moderation) reach nobody outside the
//! console: not the visitors of the space it came from, not another citizen, not the API,
//! search, lists, results, open data, the infographic, the analysis, or mail.
//!
//! The API is walked from its own OpenAPI document, so a new GET operation is covered without
//! touching this test; the page routes are listed here.

use std::collections::BTreeSet;

use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{TestApp, insert_campaign, session_for, tenant_id};

/// Every status that must keep a contribution's words out of public reach. A new one is one
/// more entry here. `withdrawn` is stored as `hidden` by its author (`hidden_by = 'author'`).
const NOT_PUBLIC: &[&str] = &["hidden", "pending", "withdrawn"];

/// The row's `status` and `hidden_by` for a status of [`NOT_PUBLIC`] (or `published`).
fn stored(status: &str) -> (&str, Option<&str>) {
    match status {
        "withdrawn" => ("hidden", Some("author")),
        other => (other, None),
    }
}

/// Every moderated text carries this word (and only those do), so one search finds any leak.
const MARK: &str = "zorglub";

/// And this one, which the walk searches for (a search page repeats its words, so it cannot be
/// the mark itself).
const SOUGHT: &str = "mirliton";

/// The published contribution of each campaign, which must be seen (the walk reaches content).
const SHOWN: &str = "Témoin publié";

/// Inserts an idea as the owner, in the campaign's tenant, from `origin`.
async fn idea(owner: &PgPool, campaign: (Uuid, Uuid), origin: Uuid, author: Uuid, status: &str, title: &str) -> Uuid {
    let mut tx = ecoute::db::owner_tx_in(owner, campaign.0).await.unwrap();
    let id = sqlx::query_scalar(
        "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, account_id, kind, title, body, status, hidden_by, submission_key)
         VALUES ($1, $2, $3, $4, 'idee', $5, $5 || ', en quelques mots de plus.', $6, $7, gen_random_uuid()) RETURNING id",
    )
    .bind(campaign.0)
    .bind(campaign.1)
    .bind(origin)
    .bind(author)
    .bind(title)
    .bind(stored(status).0)
    .bind(stored(status).1)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn comment(owner: &PgPool, tenant: Uuid, idea: Uuid, origin: Uuid, author: Uuid, status: &str, body: &str) {
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    sqlx::query(
        "INSERT INTO idea_comments (tenant_id, idea_id, origin_tenant_id, account_id, body, status, hidden_by, submission_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, gen_random_uuid())",
    )
    .bind(tenant)
    .bind(idea)
    .bind(origin)
    .bind(author)
    .bind(body)
    .bind(stored(status).0)
    .bind(stored(status).1)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// A campaign seeded with one published idea and, for each status of [`NOT_PUBLIC`], an idea,
/// a comment on the published idea, and a published comment on the unpublished idea; a
/// decision linked to every idea; results published.
struct Seeded {
    tenant: Uuid,
    id: Uuid,
    slug: String,
    ideas: Vec<Uuid>,
}

async fn seed(owner: &PgPool, tenant_slug: &str, scope: &str, origin: Uuid, author: Uuid) -> Seeded {
    let tenant = tenant_id(owner, tenant_slug).await;
    let id = insert_campaign(owner, tenant_slug, scope, "Consultation modérée").await;
    let shown = idea(
        owner,
        (tenant, id),
        origin,
        author,
        "published",
        &format!("{SHOWN} {scope}"),
    )
    .await;
    let mut ideas = vec![shown];
    for status in NOT_PUBLIC {
        let unpublished = idea(
            owner,
            (tenant, id),
            origin,
            author,
            status,
            &format!("{MARK} {SOUGHT} idée {status} {scope}"),
        )
        .await;
        ideas.push(unpublished);
        let text = format!("{MARK} {SOUGHT} commentaire {status} {scope}");
        comment(owner, tenant, shown, origin, author, status, &text).await;
        let under = format!("{MARK} commentaire publié sous une idée {status} {scope}");
        comment(owner, tenant, unpublished, origin, author, "published", &under).await;
    }
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    let decision: Uuid = sqlx::query_scalar(
        "INSERT INTO decisions (tenant_id, campaign_id, title, status) VALUES ($1, $2, 'Décision prise', 'adoptee') RETURNING id",
    )
    .bind(tenant)
    .bind(id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query("INSERT INTO decision_ideas (tenant_id, decision_id, idea_id) SELECT $1, $2, unnest($3::uuid[])")
        .bind(tenant)
        .bind(decision)
        .bind(&ideas)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE campaigns SET results_published_at = now(), results_early = true WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let slug = sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(id)
        .fetch_one(owner)
        .await
        .unwrap();
    Seeded {
        tenant,
        id,
        slug,
        ideas,
    }
}

/// The GET operations of the served OpenAPI document.
async fn api_get_paths(app: &TestApp) -> Vec<String> {
    let document: serde_json::Value = app.get("localhost", "/api/openapi.json").await.json().await.unwrap();
    let paths = document["paths"].as_object().expect("paths in the OpenAPI document");
    let gets: Vec<String> = paths
        .iter()
        .filter(|(_, operations)| operations.get("get").is_some())
        .map(|(path, _)| path.clone())
        .collect();
    assert!(gets.len() >= 8, "the document lists the API's GET operations: {gets:?}");
    gets
}

/// Page routes that show contributions or anything derived from them, with `{slug}` and `{id}`.
const PAGES: &[&str] = &[
    "/",
    "/consultations/{slug}",
    "/consultations/{slug}?ordre=newest",
    "/consultations/{slug}?recherche=mirliton",
    "/consultations/{slug}/idees/{id}",
    "/consultations/{slug}/resultats",
    "/consultations/{slug}/resultats/infographie.svg",
    "/consultations/{slug}/resultats/infographie.pdf",
    "/consultations/{slug}/resultats/donnees/contributions.csv",
    "/consultations/{slug}/resultats/donnees/contributions.json",
    "/consultations/{slug}/resultats/donnees/reponses.csv",
    "/consultations/{slug}/nouvelles",
    "/consultations/{slug}/questionnaire",
    "/compte",
    "/compte/mes-donnees",
    "/compte/contributions",
    "/consultations/{slug}/idees/{id}/modifier",
];

/// Every concrete path of `templates` for these campaigns and ideas (`{slug}`, `{id}`).
fn expand(templates: &[String], campaigns: &[&Seeded]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for template in templates {
        for campaign in campaigns {
            for id in &campaign.ideas {
                out.insert(
                    template
                        .replace("{slug}", &campaign.slug)
                        .replace("{id}", &id.to_string()),
                );
            }
        }
    }
    // Lists and search, on every path (ignored where it means nothing).
    let searched: Vec<String> = out
        .iter()
        .filter(|p| p.starts_with("/api/"))
        .map(|p| format!("{p}?q={SOUGHT}&order=newest"))
        .collect();
    out.extend(searched);
    out
}

// Over 100 lines: the same pending and hidden contributions are sought on every read path
// (pages, API, results, analysis, mail); the fixture is built once and each path checks it.
#[tokio::test]
async fn unpublished_contributions_reach_no_read_path() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    // The author, from Gironde; another citizen of Gironde who reads.
    let author_session = session_for(&owner, "gironde", "autrice@example.fr").await;
    let reader = session_for(&owner, "gironde", "lecteur@example.fr").await;
    let author: Uuid = sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'autrice@example.fr'")
        .fetch_one(&owner)
        .await
        .unwrap();
    // A national campaign with contributions from Gironde, and a campaign of Gironde's own.
    let national = seed(&owner, "national", "national", gironde, author).await;
    let local = seed(&owner, "gironde", "local", gironde, author).await;
    let campaigns = [&national, &local];

    let mut templates = api_get_paths(&app).await;
    templates.extend(PAGES.iter().map(|p| p.to_string()));
    let paths = expand(&templates, &campaigns);

    let mut leaks = Vec::new();
    let mut reached = 0;
    let mut shown = BTreeSet::new();
    for host in ["gironde.localhost", "localhost", "aude.localhost"] {
        for session in [None, Some(reader.as_str())] {
            for path in &paths {
                let mut request = app.client.get(app.url(path)).header("host", host);
                if let Some(token) = session {
                    request = request.header("cookie", format!("ecoute_session={token}"));
                }
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let body = String::from_utf8_lossy(&response.bytes().await.unwrap()).to_lowercase();
                if body.contains(MARK) {
                    leaks.push(format!("{host}{path} (signed in: {})", session.is_some()));
                }
                if status == 200 {
                    reached += 1;
                }
                if body.contains(&SHOWN.to_lowercase()) {
                    shown.insert(format!("{host}{path}"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "unpublished contributions shown by {leaks:#?}");
    // The walk reached content: published ideas show on their space's pages, API and results.
    for campaign in &campaigns {
        for path in [
            format!("/consultations/{}", campaign.slug),
            format!("/api/v1/ideas/{}", campaign.ideas[0]),
            format!("/api/v1/campaigns/{}/ideas", campaign.slug),
            format!("/consultations/{}/resultats", campaign.slug),
            format!("/consultations/{}/resultats/donnees/contributions.csv", campaign.slug),
        ] {
            assert!(
                shown.contains(&format!("gironde.localhost{path}")),
                "{path} shows nothing: {shown:?}"
            );
        }
    }
    assert!(reached > 100, "only {reached} paths answered 200");

    // Not hidden from the one person who may read a pending contribution: its author (as before).
    for campaign in &campaigns {
        let pending = campaign.ideas[1 + NOT_PUBLIC.iter().position(|s| *s == "pending").unwrap()];
        let body = app
            .client
            .get(app.url(&format!("/api/v1/ideas/{pending}")))
            .header("host", "gironde.localhost")
            .header("cookie", format!("ecoute_session={author_session}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains(MARK), "the author sees their pending idea: {body}");
    }

    // The author's own list ("Mes contributions") says where each contribution stands: the
    // words of a pending one (theirs) show, never those of a hidden or withdrawn one.
    let mine = app
        .client
        .get(app.url("/compte/contributions"))
        .header("host", "gironde.localhost")
        .header("cookie", format!("ecoute_session={author_session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .to_lowercase();
    assert!(mine.contains(&format!("{SOUGHT} idée pending")), "{mine}");
    for status in ["hidden", "withdrawn"] {
        for what in ["idée", "commentaire"] {
            assert!(
                !mine.contains(&format!("{SOUGHT} {what} {status}")),
                "{what} {status}: {mine}"
            );
        }
    }

    // The analysis reads what moderation let through, in the campaign owner's context.
    let db = ecoute::tenancy::TenantDb::new(app.test_db.app_pool().await);
    for campaign in &campaigns {
        let mut tx = db
            .begin_in(crate::helpers::space(&db, campaign.tenant).await)
            .await
            .unwrap();
        let read = ecoute::analysis::contributions::read(&mut tx, campaign.id, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(read.iter().map(|c| c.id).collect::<Vec<_>>(), vec![campaign.ideas[0]]);
        assert!(read.iter().all(|c| !c.text().to_lowercase().contains(MARK)));
    }

    // No mail quotes them.
    let mails: Vec<String> =
        sqlx::query_scalar("SELECT concat_ws(' ', subject, text_body, html_body) FROM mail_outbox")
            .fetch_all(&owner)
            .await
            .unwrap();
    assert!(mails.iter().all(|m| !m.to_lowercase().contains(MARK)), "{mails:?}");
}
