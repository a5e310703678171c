//! Usage metering and quotas: counts equal the actions (through the API, across a crash in the
//! middle of a batch, with rollups running concurrently), quotas warn at 80 % and refuse at
//! 100 %, list mail over quota waits in the queue, and the national console shows and exports it.

use std::time::Duration;

use ecoute::metering::{self, Usage};
use ecoute::tenancy::TenantDb;
use reqwest::Method;
use sqlx::PgPool;
use uuid::Uuid;

use crate::browser::Browser;
use crate::consoles::{make_operator, post_branding, sign_in};
use crate::helpers::{TestApp, campaign_slug, eventually, insert_campaign, join_all, session_for, tenant_id};
use crate::smtp::SmtpSink;

async fn usage(app: &TestApp, slug: &str) -> Usage {
    let owner = app.test_db.owner().await;
    let tenant = tenant_id(&owner, slug).await;
    let db = TenantDb::new(app.test_db.app_pool().await);
    let mut tx = db.begin_in(crate::helpers::space(&db, tenant).await).await.unwrap();
    let usage = metering::usage::for_space(&mut tx, metering::current_month())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    usage
}

async fn citizen<'a>(app: &'a TestApp, slug: &str, email: &str) -> Browser<'a> {
    let owner = app.test_db.owner().await;
    let mut browser = Browser::new(app, &format!("{slug}.localhost"));
    browser.set_cookie("ecoute_session", &session_for(&owner, slug, email).await);
    browser
}

async fn post_idea(browser: &mut Browser<'_>, campaign: &str, title: &str) -> String {
    let (status, idea) = browser
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{campaign}/ideas"),
            Some(serde_json::json!({"kind": "idee", "title": title, "body": format!("{title}, expliqué en quelques mots.")})),
        )
        .await;
    assert_eq!(status, 201, "{idea}");
    idea["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn usage_counts_equal_the_actions_and_survive_the_rollup() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let local = campaign_slug(&app, "gironde", "local").await;
    let national = campaign_slug(&app, "national", "national").await;
    let (gironde_before, national_before) = (usage(&app, "gironde").await, usage(&app, "national").await);

    let mut alice = citizen(&app, "gironde", "alice.metering@exemple.fr").await;
    let mut bob = citizen(&app, "gironde", "bob.metering@exemple.fr").await;
    let mut ideas = Vec::new();
    for i in 0..3 {
        ideas.push(post_idea(&mut alice, &local, &format!("Idée d’Alice {i}")).await);
    }
    let bobs = post_idea(&mut bob, &local, "Idée de Bob").await;
    for text in ["Je suis d’accord avec cela.", "Et j’ajoute un détail utile."] {
        let (status, body) = bob
            .api(
                Method::POST,
                &format!("/api/v1/ideas/{}/comments", ideas[0]),
                Some(serde_json::json!({"body": text})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, _) = alice
        .api(Method::POST, &format!("/api/v1/ideas/{bobs}/like"), None)
        .await;
    assert!(status == 200 || status == 201 || status == 204, "like: {status}");
    // A contribution to a national campaign from Gironde is the national space's usage.
    post_idea(&mut alice, &national, "Idée nationale venue de Gironde").await;

    let gironde = usage(&app, "gironde").await;
    assert_eq!(
        gironde.contributions - gironde_before.contributions,
        6,
        "4 ideas and 2 comments"
    );
    assert_eq!(
        gironde.participants - gironde_before.participants,
        2,
        "Alice and Bob, once each"
    );
    let nat = usage(&app, "national").await;
    assert_eq!(nat.contributions - national_before.contributions, 1);
    assert_eq!(nat.participants - national_before.participants, 1);

    // The rows agree: the events counted exactly what the tables hold.
    let gironde_id = tenant_id(&owner, "gironde").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde_id).await.unwrap();
    let stored: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM ideas WHERE tenant_id = $1) + (SELECT count(*) FROM idea_comments WHERE tenant_id = $1)",
    )
    .bind(gironde_id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(gironde.contributions, stored);

    // Rolling up moves events into days without changing a single figure.
    let db = TenantDb::new(app.test_db.app_pool().await);
    let folded = metering::rollup::run_once(&db).await.unwrap();
    assert!(folded >= 5, "events were pending: {folded}");
    assert_eq!(usage(&app, "gironde").await, gironde);
    assert_eq!(usage(&app, "national").await, nat);
    assert_eq!(
        metering::rollup::run_once(&db).await.unwrap(),
        0,
        "nothing left to fold"
    );
}

/// Inserts `n` ideas in one statement, as the application role in `tenant`'s context.
async fn insert_batch(tx: &mut ecoute::tenancy::TenantTx, campaign: Uuid, n: i32) {
    let tenant = tx.tenant_id();
    sqlx::query(
        "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, submission_key)
         SELECT $1, $2, $1, 'idee', 'Idée en lot ' || i, 'Une idée insérée en lot, numéro ' || i, gen_random_uuid()
           FROM generate_series(1, $3) i",
    )
    .bind(tenant)
    .bind(campaign)
    .bind(n)
    .execute(&mut **tx)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_crash_in_the_middle_of_a_batch_counts_nothing_and_concurrent_rollups_lose_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let campaign = insert_campaign(&owner, "aude", "local", "Lots").await;
    let aude = tenant_id(&owner, "aude").await;
    let db = TenantDb::new(app.test_db.app_pool().await);
    let before = usage(&app, "aude").await.contributions;

    // A batch whose connection dies before commit: the server process of the session is
    // terminated from outside, as a crash would leave it.
    let mut tx = db.begin_in(crate::helpers::space(&db, aude).await).await.unwrap();
    insert_batch(&mut tx, campaign, 40).await;
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .fetch_one(&owner)
        .await
        .unwrap();
    assert!(killed);
    assert!(tx.commit().await.is_err(), "the crashed batch cannot commit");
    assert_eq!(
        usage(&app, "aude").await.contributions,
        before,
        "nothing of the crashed batch is counted"
    );

    // Twenty batches commit while rollups run concurrently: every event counted once.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rollups = {
        let (db, stop) = (db.clone(), stop.clone());
        tokio::spawn(async move {
            let mut folded = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                folded += metering::rollup::run_once(&db).await.unwrap();
            }
            folded
        })
    };
    join_all((0..20).map(|_| {
        let db = db.clone();
        async move {
            let mut tx = db.begin_in(crate::helpers::space(&db, aude).await).await.unwrap();
            insert_batch(&mut tx, campaign, 7).await;
            tx.commit().await.unwrap();
        }
    }))
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    rollups.await.unwrap();
    metering::rollup::run_once(&db).await.unwrap();
    assert_eq!(usage(&app, "aude").await.contributions, before + 140);
    let stored: i64 = {
        let mut tx = ecoute::db::owner_tx_in(&owner, aude).await.unwrap();
        let n = sqlx::query_scalar("SELECT count(*) FROM ideas WHERE tenant_id = $1")
            .bind(aude)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        n
    };
    assert_eq!(usage(&app, "aude").await.contributions, stored);
}

async fn set_quotas(owner: &PgPool, slug: &str, quotas: serde_json::Value) {
    sqlx::query("UPDATE tenants SET quotas = $2 WHERE slug = $1")
        .bind(slug)
        .bind(quotas)
        .execute(owner)
        .await
        .unwrap();
}

/// Published campaigns of the space that are not closed (what the quota counts).
async fn open_campaigns(owner: &PgPool, tenant: Uuid) -> i64 {
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    let n = sqlx::query_scalar(
        "SELECT count(*) FROM campaigns WHERE tenant_id = $1 AND published_at IS NOT NULL AND closes_at > now()",
    )
    .bind(tenant)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    n
}

#[tokio::test]
async fn quotas_warn_at_eighty_percent_and_refuse_at_the_limit() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let password = make_operator(
        &owner,
        "op.quotas@gironde.fr",
        false,
        Some(("gironde", "local_operator")),
    )
    .await;
    // The seeds leave Gironde with some open campaigns; the limit is set just above them.
    let gironde = tenant_id(&owner, "gironde").await;
    let open = open_campaigns(&owner, gironde).await;
    // Four open out of five: the home page warns (80 %).
    while open_campaigns(&owner, gironde).await < 4 {
        insert_campaign(&owner, "gironde", "local", "Ouverte").await;
    }
    let limit = open.max(4) + 1;
    set_quotas(
        &owner,
        "gironde",
        serde_json::json!({"active_campaigns": limit, "storage_mb": 0}),
    )
    .await;
    let (mut browser, status, _) = sign_in(&app, "gironde.localhost", "op.quotas@gironde.fr", &password).await;
    assert_eq!(status, 303);
    let (_, home) = browser.get("/admin").await;
    if limit == 5 {
        assert!(home.contains("80 % atteints"), "warning on the home page");
    }
    assert!(home.contains("data-quota=\"active_campaigns\""));

    // Fill up to the limit, then publishing one more is refused, saying why.
    while open_campaigns(&owner, gironde).await < limit {
        insert_campaign(&owner, "gironde", "local", "Ouverte").await;
    }
    let draft: Uuid = {
        let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
        let id = sqlx::query_scalar(
            "INSERT INTO campaigns (tenant_id, slug, scope, title, summary, opens_at, closes_at)
             VALUES ($1, 'brouillon-quota', 'local', 'Brouillon', 'r', now(), now() + interval '50 days') RETURNING id",
        )
        .bind(gironde)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        id
    };
    let csrf = browser.csrf(&format!("/admin/campagnes/{draft}")).await;
    let (status, _, body) = browser
        .post_form(
            &format!("/admin/campagnes/{draft}/publication"),
            &[("csrf", &csrf), ("action", "publier")],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("Publication refusée"), "the refusal says what");
    assert!(body.contains(&format!("{limit} consultation")), "and which quota");
    let (_, home) = browser.get("/admin").await;
    assert!(home.contains("limite atteinte"));

    // Storage quota 0 MB: a logo upload is refused, saying why.
    let csrf = browser.csrf("/admin/apparence").await;
    let png: Vec<u8> = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 64]].concat();
    let (status, body) = post_branding(
        &app,
        &browser,
        &[
            ("csrf", &csrf),
            ("action", "save"),
            ("primary_color", "#1b5e20"),
            ("secondary_color", "#f9a825"),
            ("welcome_text", "Bienvenue"),
        ],
        Some(("logo.png", &png)),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("Envoi refusé"));
}

#[tokio::test]
async fn list_mail_over_the_monthly_quota_waits_and_sign_in_mail_still_goes() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    let owner = app.test_db.owner().await;
    set_quotas(&owner, "aude", serde_json::json!({"emails_per_month": 2})).await;
    let aude = tenant_id(&owner, "aude").await;
    // Queued as the application does: invitations in one bulk, a sign-in link alone.
    let db = TenantDb::new(app.test_db.app_pool().await);
    let mut tx = db.begin_in(crate::helpers::space(&db, aude).await).await.unwrap();
    let invitation = ecoute::mail::MailContent {
        kind: ecoute::mail::MailKind::Invitation,
        subject: "Donnez votre avis",
        text: "Bonjour, la Caf vous invite.",
        campaign: None,
        attachment: None,
    };
    let addresses: Vec<String> = ["un@exemple.fr", "deux@exemple.fr", "trois@exemple.fr"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    ecoute::mail::queue_bulk(&mut tx, &addresses, &invitation)
        .await
        .unwrap();
    let sign_in = ecoute::mail::OutgoingMail {
        to: "connexion@exemple.fr".into(),
        subject: "Votre lien".into(),
        text: "Le lien.".into(),
    };
    ecoute::mail::queue(&mut tx, &sign_in).await.unwrap();
    tx.commit().await.unwrap();
    let sent = eventually(Duration::from_secs(15), || async { smtp.messages().len() >= 3 }).await;
    if !sent {
        let mut tx = ecoute::db::owner_tx_in(&owner, aude).await.unwrap();
        let rows: Vec<(String, String, i32, Option<String>)> =
            sqlx::query_as("SELECT kind, status, attempts, last_error FROM mail_outbox WHERE tenant_id = $1")
                .bind(aude)
                .fetch_all(&mut *tx)
                .await
                .unwrap();
        panic!("not sent: {rows:?}, received {}", smtp.messages().len());
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    let received: Vec<String> = smtp.messages().iter().map(|m| m.to.join(",")).collect();
    assert_eq!(received.len(), 3, "two invitations and the sign-in link: {received:?}");
    assert!(received.iter().any(|to| to.contains("connexion@exemple.fr")));
    let waiting: i64 = {
        let mut tx = ecoute::db::owner_tx_in(&owner, aude).await.unwrap();
        let n = sqlx::query_scalar("SELECT count(*) FROM mail_outbox WHERE tenant_id = $1 AND status = 'queued'")
            .bind(aude)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        n
    };
    assert_eq!(waiting, 1, "the third invitation waits, it is not dropped");
    assert_eq!(usage(&app, "aude").await.emails_sent, 3);
    assert_eq!(usage(&app, "aude").await.invitations, 3);

    // A raised quota lets it go (the worker's sweep finds it).
    set_quotas(&owner, "aude", serde_json::json!({"emails_per_month": 10})).await;
    sqlx::query("SELECT pg_notify('ecoute_mail_queued', $1)")
        .bind(aude.to_string())
        .execute(&owner)
        .await
        .unwrap();
    assert!(eventually(Duration::from_secs(15), || async { smtp.messages().len() == 4 }).await);
}

#[tokio::test]
async fn the_national_console_shows_exports_and_sets_each_spaces_usage() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let local = campaign_slug(&app, "haute-garonne", "local").await;
    let mut citizen = citizen(&app, "haute-garonne", "hg.metering@exemple.fr").await;
    for i in 0..3 {
        post_idea(&mut citizen, &local, &format!("Idée toulousaine {i}")).await;
    }
    let expected = usage(&app, "haute-garonne").await;
    let password = make_operator(&owner, "admin.metering@cnaf.fr", true, None).await;
    let (mut browser, status, _) = sign_in(&app, "localhost", "admin.metering@cnaf.fr", &password).await;
    assert_eq!(status, 303);

    let (status, page) = browser.get("/admin/compteurs").await;
    assert_eq!(status, 200);
    let row_start = page.find("data-space=\"haute-garonne\"").expect("a row per space");
    let row = &page[row_start..row_start + page[row_start..].find("</tr>").unwrap()];
    assert!(
        row.contains(&format!("<td>{}</td>", expected.contributions)),
        "contributions in the row: {row}"
    );
    assert!(page.contains("<svg") && page.contains("<desc id=\"contributions-chart-desc\">"));
    let (status, _) = browser.get("/admin/compteurs?mois=juin").await;
    assert_eq!(status, 400);

    let (status, csv) = browser
        .get(&format!(
            "/admin/compteurs.csv?mois={}",
            metering::current_month().format("%Y-%m")
        ))
        .await;
    assert_eq!(status, 200);
    let line = csv.lines().find(|l| l.contains(";haute-garonne;")).expect("a CSV row");
    let cells: Vec<&str> = line.split(';').collect();
    assert_eq!(cells[4], expected.contributions.to_string());
    assert_eq!(cells[5], expected.participants.to_string());

    // Quotas set from the console, checked and audited.
    let csrf = browser.csrf("/admin/compteurs/haute-garonne").await;
    let (status, _, body) = browser
        .post_form(
            "/admin/compteurs/haute-garonne",
            &[
                ("csrf", &csrf),
                ("emails_per_month", "beaucoup"),
                ("active_campaigns", "3"),
                ("storage_mb", ""),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, location, _) = browser
        .post_form(
            "/admin/compteurs/haute-garonne",
            &[
                ("csrf", &csrf),
                ("emails_per_month", "5000"),
                ("active_campaigns", "3"),
                ("storage_mb", ""),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/admin/compteurs/haute-garonne?fait=quotas"))
    );
    let quotas: serde_json::Value = sqlx::query_scalar("SELECT quotas FROM tenants WHERE slug = 'haute-garonne'")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(
        quotas,
        serde_json::json!({"emails_per_month": 5000, "active_campaigns": 3})
    );

    // A local operator cannot open the national metering, nor reach it from their own host.
    let op = make_operator(
        &owner,
        "op.hg@caf31.fr",
        false,
        Some(("haute-garonne", "local_operator")),
    )
    .await;
    let (mut local_op, _, _) = sign_in(&app, "haute-garonne.localhost", "op.hg@caf31.fr", &op).await;
    assert_eq!(local_op.get("/admin/compteurs").await.0, 404);
}
