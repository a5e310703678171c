//! An account's erasure and download keep their word, checked by enumeration rather than by
//! a list: after deletion, every text or JSON column of every table, in every space, is
//! searched for the address and the pseudonym; before it, "Mes données" must hold a key for
//! every table that references accounts, and the rows of every table where the address or the
//! account was found. A table added later that keeps either makes these tests fail until
//! erasure and the download cover it.

use std::collections::BTreeMap;

use crate::consoles::{make_operator, sign_in};
use crate::helpers::{TestApp, as_owner, insert_campaign};

use super::*;

const ADDRESS: &str = "zephyrine.effacee@exemple.fr";
const PSEUDONYM: &str = "Zéphyrine Q7x";
/// Where a table of no space is said to be.
const PLATFORM: &str = "(platform)";

/// Every text, JSON or array column of every base table outside PostgreSQL's own schemas, and
/// whether its table belongs to spaces (has a `tenant_id`).
async fn text_columns(owner: &PgPool) -> Vec<(String, String, String, bool)> {
    sqlx::query_as(
        "SELECT c.table_schema::text, c.table_name::text, c.column_name::text,
                EXISTS (SELECT 1 FROM information_schema.columns k WHERE k.table_schema = c.table_schema
                           AND k.table_name = c.table_name AND k.column_name = 'tenant_id')
           FROM information_schema.columns c
           JOIN information_schema.tables t
             ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
          WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') AND c.table_schema NOT LIKE 'pg\\_%'
            AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED')
          ORDER BY 1, 2, 3",
    )
    .fetch_all(owner)
    .await
    .unwrap()
}

/// Where `needle` (any case) is found: `table.column` → the spaces where it is (`PLATFORM` for
/// tables of no space). Each space is searched in its own context and by its `tenant_id`: row-
/// level security is forced for an owner that is not a superuser, and a superuser bypasses it.
async fn search(owner: &PgPool, needle: &str) -> BTreeMap<String, Vec<String>> {
    let columns = text_columns(owner).await;
    assert!(columns.len() > 100, "the walk sees the schema: {}", columns.len());
    let spaces: Vec<(Uuid, String)> = sqlx::query_as("SELECT id, slug FROM tenants ORDER BY slug")
        .fetch_all(owner)
        .await
        .unwrap();
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let platform = [(Uuid::nil(), PLATFORM.to_owned())];
    for (space, slug) in spaces.iter().chain(&platform) {
        let mut tx = ecoute::db::owner_tx_in(owner, *space).await.unwrap();
        for (schema, table, column, _) in columns.iter().filter(|c| c.3 == (slug != PLATFORM)) {
            let mut sql = format!(
                "SELECT count(*) FROM \"{schema}\".\"{table}\" WHERE strpos(lower(\"{column}\"::text), lower($1)) > 0"
            );
            sql.push_str(if slug == PLATFORM {
                " AND $2::uuid IS NOT NULL"
            } else {
                " AND tenant_id = $2"
            });
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(needle)
                .bind(space)
                .fetch_one(&mut *tx)
                .await
                .unwrap_or_else(|e| panic!("{table}.{column}: {e}"));
            if n > 0 {
                found.entry(format!("{table}.{column}")).or_default().push(slug.clone());
            }
        }
        tx.commit().await.unwrap();
    }
    found
}

/// The tables whose rows name an account (foreign keys to `accounts`).
async fn tables_referencing_accounts(owner: &PgPool) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT c.conrelid::regclass::text, a.attname::text FROM pg_constraint c
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
          WHERE c.confrelid = 'accounts'::regclass AND c.contype = 'f' ORDER BY 1",
    )
    .fetch_all(owner)
    .await
    .unwrap()
}

/// The download's key for a table: its name, but for three that kept earlier names.
fn key_of(table: &str) -> &str {
    match table {
        "idea_comments" => "comments",
        "idea_likes" => "likes",
        "content_reports" => "reports",
        other => other,
    }
}

/// A person who did a bit of everything: signed in by mail, contributed, commented, liked,
/// reported, followed, received news and an invitation, unsubscribed, was put on a staff list.
async fn busy_person<'a>(app: &'a TestApp, owner: &PgPool) -> Browser<'a> {
    let campaign = insert_campaign(owner, "gironde", "local", "Tout ce qui reste").await;
    let followed = insert_campaign(owner, "gironde", "local", "Suivie sans contribuer").await;
    let national = insert_campaign(owner, "national", "national", "Nationale").await;
    let (slug, followed_slug) = (slug_of(owner, campaign).await, slug_of(owner, followed).await);

    // A sign-in request through the page: a token and a mail, both holding the address.
    let mut asking = Browser::new(app, "gironde.localhost");
    let csrf = asking.csrf("/connexion").await;
    assert_eq!(
        asking
            .post_form("/connexion", &[("csrf", &csrf), ("email", ADDRESS)])
            .await
            .0,
        200
    );

    let mut person = citizen(app, "gironde", ADDRESS).await;
    let csrf = person.csrf("/compte").await;
    let (status, _, _) = person
        .post_form("/compte/pseudonyme", &[("csrf", &csrf), ("pseudonym", PSEUDONYM)])
        .await;
    assert_eq!(status, 303);
    let mut other = citizen(app, "gironde", "autre.personne@exemple.fr").await;
    let theirs = post_idea(&mut other, &slug, "L’idée de quelqu’un d’autre").await;
    post_idea(&mut person, &slug, "Mon idée à moi").await;
    post_idea(&mut person, &slug_of(owner, national).await, "Mon idée nationale").await;
    assert_eq!(
        person
            .api(Method::POST, &format!("/api/v1/ideas/{theirs}/like"), None)
            .await
            .0,
        201
    );
    let (status, body) = person
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{theirs}/comments"),
            Some(json!({"body": "Mon commentaire sur cette idée."})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = person
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{theirs}/reports"),
            Some(json!({"reason": "Propos hors sujet"})),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let news = format!("/consultations/{followed_slug}/nouvelles");
    let csrf = person.csrf(&news).await;
    assert_eq!(
        person
            .post_form(&news, &[("csrf", &csrf), ("action", "suivre")])
            .await
            .0,
        303
    );
    let password = make_operator(owner, "effacement@caf33.fr", false, Some(("gironde", "local_operator"))).await;
    let (mut operator, _, _) = sign_in(app, "gironde.localhost", "effacement@caf33.fr", &password).await;
    let csrf = operator.csrf(&format!("/admin/campagnes/{followed}/resultats")).await;
    let (status, _, _) = operator
        .post_form(
            &format!("/admin/campagnes/{followed}/nouvelles"),
            &[
                ("csrf", &csrf),
                ("title", "Des nouvelles"),
                ("body", "Le projet **avance**."),
            ],
        )
        .await;
    assert_eq!(status, 303);
    invited_unsubscribed_and_staff(app, owner, campaign).await;
    person
}

/// An invitation as an operator's list sends it, then an unsubscription and a staff list.
async fn invited_unsubscribed_and_staff(app: &TestApp, owner: &PgPool, campaign: Uuid) {
    let gironde = tenant_id(owner, "gironde").await;
    let db = ecoute::tenancy::TenantDb::new(app.test_db.app_pool().await);
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    let invitation = ecoute::mail::MailContent {
        kind: ecoute::mail::MailKind::Invitation,
        subject: "Donnez votre avis",
        text: "Bonjour, la Caf vous invite.",
        campaign: Some(campaign),
        attachment: None,
        lang: ecoute::web::i18n::Lang::Fr,
    };
    ecoute::mail::queue_bulk(&mut tx, &[ADDRESS.to_owned()], &invitation)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    as_owner(
        owner,
        gironde,
        format!(
            "INSERT INTO campaign_invitations (tenant_id, campaign_id, address) VALUES ('{gironde}', '{campaign}', '{ADDRESS}');
             INSERT INTO mail_suppressions (tenant_id, address, reason) VALUES ('{gironde}', '{ADDRESS}', 'unsubscribed');
             INSERT INTO staff_members (tenant_id, email) VALUES ('{gironde}', '{ADDRESS}');"
        ),
    )
    .await;
}

// Over 100 lines: the download is checked table by table against the schema's foreign keys and
// against where the address was found, then the account is deleted and everything searched.
#[tokio::test]
async fn deleting_an_account_leaves_its_address_and_pseudonym_in_no_table_and_the_download_had_everything() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let mut person = busy_person(&app, &owner).await;

    // The search can fail: before deletion it finds the address where the platform keeps it.
    let before = search(&owner, ADDRESS).await;
    for place in [
        "accounts.email",
        "sign_in_tokens.email",
        "mail_outbox.to_address",
        "mail_suppressions.address",
    ] {
        assert!(before.contains_key(place), "{place} holds the address: {before:?}");
    }
    assert!(search(&owner, PSEUDONYM).await.contains_key("accounts.pseudonym"));

    // "Mes données": a key for every table naming accounts, in every space's entry…
    let (status, data) = person.api(Method::GET, "/compte/mes-donnees", None).await;
    assert_eq!(status, 200);
    let spaces: BTreeMap<String, serde_json::Value> = data["spaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["space"].as_str().unwrap().to_owned(), s.clone()))
        .collect();
    assert!(
        spaces.contains_key("gironde") && spaces.contains_key("national"),
        "{data}"
    );
    let account: Uuid = data["account"]["id"].as_str().unwrap().parse().unwrap();
    for (table, column) in tables_referencing_accounts(&owner).await {
        let key = key_of(&table);
        for (slug, entry) in &spaces {
            let rows = entry[key].as_array().unwrap_or_else(|| {
                panic!("\"Mes données\" has no `{key}` for the table {table} that references accounts")
            });
            // …with as many rows as the person has there.
            let held = count_in(
                &owner,
                slug,
                &format!(
                    "SELECT count(*) FROM \"{table}\" WHERE \"{column}\" = '{account}'
                        AND tenant_id = (SELECT id FROM tenants WHERE slug = '{slug}')"
                ),
            )
            .await;
            assert_eq!(
                rows.len() as i64,
                held,
                "{slug}: {table} holds {held} rows of the person"
            );
        }
    }
    assert!(!spaces["gironde"]["campaign_followers"].as_array().unwrap().is_empty());
    assert!(!spaces["gironde"]["news_notifications"].as_array().unwrap().is_empty());
    // …and the rows of every table where the address was found.
    for (place, found_in) in &before {
        let table = place.split('.').next().unwrap();
        if table == "accounts" {
            continue;
        }
        assert!(
            !found_in.iter().any(|s| s == PLATFORM),
            "{place}, a table of no space, holds the address: \"Mes données\" cannot show it"
        );
        for slug in found_in {
            let rows = spaces
                .get(slug)
                .and_then(|entry| entry[key_of(table)].as_array())
                .unwrap_or_else(|| panic!("{place} holds the address in {slug}: \"Mes données\" must show it"));
            assert!(!rows.is_empty(), "{place} in {slug}: missing from \"Mes données\"");
        }
    }
    let mails = spaces["gironde"]["mail_outbox"].as_array().unwrap();
    assert!(mails.iter().any(|m| m["kind"] == "sign_in") && mails.iter().any(|m| m["kind"] == "news"));

    // Deleting the account through the page, then searching every table of every space.
    let csrf = person.csrf("/compte").await;
    let (status, _, body) = person
        .post_form(
            "/compte/suppression",
            &[("csrf", &csrf), ("contributions", "garder"), ("confirmer", "oui")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Votre compte et votre adresse électronique ont été effacés"),
        "{body}"
    );
    let address_left = search(&owner, ADDRESS).await;
    assert!(address_left.is_empty(), "the address is still in {address_left:?}");
    let pseudonym_left = search(&owner, PSEUDONYM).await;
    assert!(
        pseudonym_left.is_empty(),
        "the pseudonym is still in {pseudonym_left:?}"
    );
    // The contributions stay, anonymous.
    assert_eq!(
        count_in(
            &owner,
            "gironde",
            "SELECT count(*) FROM ideas WHERE title = 'Mon idée à moi' AND account_id IS NULL"
        )
        .await,
        1
    );
}
