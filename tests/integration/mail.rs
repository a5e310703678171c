//! Mail delivery end to end: a real SMTP server over TCP in this process, real PostgreSQL as
//! the application role, the worker as production runs it.

use std::collections::HashMap;
use std::time::Duration;

use ecoute::mail::status::{self, Decision, Filter, PageRequest};
use ecoute::mail::worker::{MailWorker, Transport, WorkerOptions};
use ecoute::mail::{MailContent, MailKind, MailStatus, OutgoingMail, Queued, queue, queue_bulk, queue_to};
use ecoute::tenancy::TenantDb;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::browser::Browser;
use crate::helpers::{APP_ROLE, TestApp, TestDb, eventually, insert_campaign, tenant_id};
use crate::smtp::{ReceivedMail, SinkMode, SmtpSink};

const SENDER: &str = "La Caf à votre écoute <ne-pas-repondre@localhost>";

fn options() -> WorkerOptions {
    WorkerOptions {
        per_minute: None,
        connections: 4,
        batch: 16,
        lease: Duration::from_secs(30),
        link_base: "http://{host}:8080".into(),
        base_domain: "localhost".into(),
        sweep_every: Duration::from_millis(500),
    }
}

fn transport(url: &str) -> Transport {
    Transport::from_settings(Some(url), SENDER).unwrap()
}

/// One space, reached as the application role (row-level security applies).
struct Space {
    db: TenantDb,
    id: Uuid,
}

impl Space {
    async fn new(test_db: &TestDb, slug: &str) -> Self {
        let owner = test_db.owner().await;
        let id = tenant_id(&owner, slug).await;
        owner.close().await;
        Space {
            db: TenantDb::new(test_db.app_pool().await),
            id,
        }
    }

    async fn invite(&self, to: &str, subject: &str, text: &str) -> Queued {
        let mut tx = self
            .db
            .begin_in(crate::helpers::space(&self.db, self.id).await)
            .await
            .unwrap();
        let content = MailContent {
            kind: MailKind::Invitation,
            subject,
            text,
            campaign: None,
            attachment: None,
        };
        let queued = queue_to(&mut tx, to, &content).await.unwrap();
        tx.commit().await.unwrap();
        queued
    }

    async fn invite_many(&self, to: &[String], campaign: Option<Uuid>) -> ecoute::mail::BulkQueued {
        let mut tx = self
            .db
            .begin_in(crate::helpers::space(&self.db, self.id).await)
            .await
            .unwrap();
        let content = MailContent {
            kind: MailKind::Invitation,
            subject: "Votre avis compte",
            text: "Bonjour,\n\nDonnez votre avis : http://gironde.localhost/consultations/accueil",
            campaign,
            attachment: None,
        };
        let queued = queue_bulk(&mut tx, to, &content).await.unwrap();
        tx.commit().await.unwrap();
        queued
    }

    async fn sign_in_mail(&self, to: &str) -> Queued {
        let mut tx = self
            .db
            .begin_in(crate::helpers::space(&self.db, self.id).await)
            .await
            .unwrap();
        let mail = OutgoingMail {
            to: to.into(),
            subject: "Votre lien de connexion".into(),
            text: "Ouvrez ce lien : http://gironde.localhost/connexion/lien?jeton=x".into(),
        };
        let queued = queue(&mut tx, &mail).await.unwrap();
        tx.commit().await.unwrap();
        queued
    }

    async fn counts(&self) -> status::Counts {
        let mut tx = self
            .db
            .begin_in(crate::helpers::space(&self.db, self.id).await)
            .await
            .unwrap();
        status::counts(&mut tx, &Filter::default()).await.unwrap()
    }

    /// (status, attempts, last error, Message-ID) of one mail.
    async fn mail(&self, id: Uuid) -> (String, i32, Option<String>, String) {
        let mut tx = self
            .db
            .begin_in(crate::helpers::space(&self.db, self.id).await)
            .await
            .unwrap();
        sqlx::query_as("SELECT status, attempts, last_error, message_id FROM mail_outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    }

    /// Message-ID → status of every mail of the space.
    async fn statuses(&self) -> HashMap<String, String> {
        let mut tx = self
            .db
            .begin_in(crate::helpers::space(&self.db, self.id).await)
            .await
            .unwrap();
        sqlx::query_as::<_, (String, String)>("SELECT message_id, status FROM mail_outbox")
            .fetch_all(&mut *tx)
            .await
            .unwrap()
            .into_iter()
            .collect()
    }
}

fn addresses(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}@exemple.fr")).collect()
}

/// How many times each Message-ID arrived.
fn arrivals(messages: &[ReceivedMail]) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for m in messages {
        *seen.entry(m.message_id()).or_default() += 1;
    }
    seen
}

fn to(messages: &[ReceivedMail], address: &str) -> Vec<ReceivedMail> {
    messages
        .iter()
        .filter(|m| m.to == vec![address.to_owned()])
        .cloned()
        .collect()
}

#[tokio::test]
async fn mail_is_rendered_per_space_with_unsubscribe_headers_on_list_mail_only() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;

    // A sign-in link, through the page, as a person asks for it.
    let mut browser = Browser::new(&app, "gironde.localhost");
    let csrf = browser.csrf("/connexion").await;
    let (status, _, _) = browser
        .post_form("/connexion", &[("csrf", &csrf), ("email", "marie@exemple.fr")])
        .await;
    assert_eq!(status, 200);
    // Invitations from two spaces.
    let gironde = Space::new(&app.test_db, "gironde").await;
    let aude = Space::new(&app.test_db, "aude").await;
    let subject = "Invitation : donnez votre avis sur l’accueil à la Caf";
    let text = "Bonjour,\n\nLa consultation <Accueil & démarches> est ouverte :\nhttp://gironde.localhost/consultations/accueil\n\nÀ bientôt.";
    let Queued::Queued(invitation) = gironde.invite("marie@exemple.fr", subject, text).await else {
        panic!("queued")
    };
    aude.invite("paul@exemple.fr", subject, text).await;

    assert!(
        eventually(Duration::from_secs(10), || async { smtp.messages().len() == 3 }).await,
        "three mails expected, got {}",
        smtp.messages().len()
    );
    let messages = smtp.messages();
    for m in &messages {
        assert!(m.data.is_ascii(), "headers and bodies are encoded for 7-bit transport");
        assert!(m.header("Content-Type").unwrap().starts_with("multipart/alternative"));
        assert!(m.part("text/plain").is_some() && m.part("text/html").is_some());
        assert_eq!(m.header("Auto-Submitted").as_deref(), Some("auto-generated"));
    }

    let to_marie = to(&messages, "marie@exemple.fr");
    let sign_in = to_marie
        .iter()
        .find(|m| m.header("Subject").unwrap().starts_with("Votre lien de connexion"))
        .expect("the sign-in mail");
    assert_eq!(
        sign_in.header("From").as_deref(),
        Some("\"Caf de la Gironde\" <ne-pas-repondre@localhost>")
    );
    assert_eq!(
        sign_in.header("List-Unsubscribe"),
        None,
        "transactional mail has no unsubscribe link"
    );
    assert_eq!(sign_in.header("List-Unsubscribe-Post"), None);
    let html = sign_in.part("text/html").unwrap();
    assert!(
        html.contains("<a href=\"http:&#x2f;&#x2f;gironde.localhost&#x2f;connexion&#x2f;lien?jeton="),
        "the link is a link: {html}"
    );

    let invited = to_marie
        .iter()
        .find(|m| m.header("Subject").as_deref() == Some(subject))
        .unwrap();
    // The French subject travels encoded (RFC 2047) and comes back intact.
    let raw_subject = invited.data.lines().find(|l| l.starts_with("Subject:")).unwrap();
    assert!(raw_subject.contains("=?utf-8?"), "{raw_subject}");
    assert_eq!(invited.message_id(), gironde.mail(invitation).await.3);
    assert_eq!(
        invited.header("From").as_deref(),
        Some("\"Caf de la Gironde\" <ne-pas-repondre@localhost>")
    );
    let unsubscribe = invited
        .header("List-Unsubscribe")
        .expect("List-Unsubscribe on list mail");
    assert!(
        unsubscribe.starts_with("<http://gironde.localhost:8080/desabonnement/"),
        "{unsubscribe}"
    );
    assert!(unsubscribe.ends_with('>'));
    assert_eq!(
        invited.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let plain = invited.part("text/plain").unwrap();
    assert!(
        plain.contains("La consultation <Accueil & démarches> est ouverte"),
        "{plain}"
    );
    assert!(plain.contains(unsubscribe.trim_matches(['<', '>'])), "{plain}");
    let html = invited.part("text/html").unwrap();
    assert!(html.contains("&lt;Accueil &amp; démarches&gt;"), "escaped: {html}");
    assert!(!html.contains("<Accueil"));
    assert!(html.contains("href=\"http:&#x2f;&#x2f;gironde.localhost&#x2f;consultations&#x2f;accueil\""));
    assert!(html.contains("background-color:#6a1b4d"), "the space's colour");
    assert!(html.contains("Caf de la Gironde") && html.contains("Se désabonner"));

    let from_aude = &to(&messages, "paul@exemple.fr")[0];
    assert_eq!(
        from_aude.header("From").as_deref(),
        Some("Caf de l’Aude <ne-pas-repondre@localhost>")
    );
    assert!(
        from_aude
            .header("List-Unsubscribe")
            .unwrap()
            .starts_with("<http://aude.localhost:8080/desabonnement/")
    );
    assert!(
        from_aude
            .part("text/html")
            .unwrap()
            .contains("background-color:#1b5e20")
    );
    assert_ne!(from_aude.message_id(), invited.message_id());
}

#[tokio::test]
async fn one_click_unsubscribe_suppresses_list_mail_but_not_sign_in_links() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    let gironde = Space::new(&app.test_db, "gironde").await;
    let aude = Space::new(&app.test_db, "aude").await;
    gironde
        .invite("jeanne@exemple.fr", "Votre avis compte", "Bonjour Jeanne")
        .await;
    assert!(eventually(Duration::from_secs(10), || async { smtp.messages().len() == 1 }).await);
    let header = smtp.messages()[0].header("List-Unsubscribe").unwrap();
    let url = header.trim_matches(['<', '>']);
    let path = &url[url.find("/desabonnement/").unwrap()..];

    // The link opens a French confirmation form; opening it changes nothing.
    let (status, page) = app.get_text("gironde.localhost", path).await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"fr\""));
    assert!(page.contains("Confirmer le désabonnement") && page.contains("jeanne@exemple.fr"));
    let token = path.rsplit('/').next().unwrap();
    assert!(page.contains("<form method=\"post\" action=\"&#x2f;desabonnement&#x2f;"));
    assert!(page.contains(&format!("{token}\">")));
    assert_eq!(gironde.counts().await.sent, 1);
    // The token is the space's: from another space it means nothing.
    let (status, page) = app.get_text("aude.localhost", path).await;
    assert_eq!(status, 404);
    assert!(page.contains("Lien de désabonnement inconnu"));
    let (status, _) = app.get_text("gironde.localhost", "/desabonnement/pas-un-jeton").await;
    assert_eq!(status, 404);

    // One click, as a mail provider does it (RFC 8058): no cookie, no form token.
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url(path))
            .header("host", "gironde.localhost")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "idempotent");
        assert!(response.text().await.unwrap().contains("Désabonnement confirmé"));
    }

    // Invitations to that address are now recorded as suppressed and not sent...
    assert!(matches!(
        gironde
            .invite(" Jeanne@Exemple.FR", "Deuxième invitation", "Bonjour")
            .await,
        Queued::Suppressed(_)
    ));
    let bulk = gironde
        .invite_many(
            &[
                "jeanne@exemple.fr".into(),
                "autre@exemple.fr".into(),
                "pas une adresse".into(),
                "AUTRE@exemple.fr".into(),
            ],
            None,
        )
        .await;
    assert_eq!((bulk.queued, bulk.suppressed, bulk.duplicates), (1, 1, 1));
    assert_eq!(bulk.invalid, vec!["pas une adresse".to_owned()]);
    // ...while her sign-in links still go, and another space may still invite her.
    assert!(matches!(
        gironde.sign_in_mail("jeanne@exemple.fr").await,
        Queued::Queued(_)
    ));
    assert!(matches!(
        aude.invite("jeanne@exemple.fr", "Invitation de l’Aude", "Bonjour")
            .await,
        Queued::Queued(_)
    ));

    assert!(eventually(Duration::from_secs(10), || async { smtp.messages().len() == 4 }).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages = smtp.messages();
    assert_eq!(messages.len(), 4, "nothing more");
    let to_jeanne = to(&messages, "jeanne@exemple.fr");
    let subjects: Vec<String> = to_jeanne.iter().map(|m| m.header("Subject").unwrap()).collect();
    assert_eq!(to_jeanne.len(), 3, "{subjects:?}");
    assert!(subjects.contains(&"Votre lien de connexion".to_owned()));
    assert!(subjects.contains(&"Invitation de l’Aude".to_owned()));
    assert!(!subjects.contains(&"Deuxième invitation".to_owned()));
    assert_eq!(
        subjects.iter().filter(|s| *s == "Votre avis compte").count(),
        1,
        "before unsubscribing"
    );
    assert_eq!(to(&messages, "autre@exemple.fr").len(), 1);
    let counts = gironde.counts().await;
    assert_eq!((counts.sent, counts.suppressed), (3, 2));
}

#[tokio::test]
async fn one_click_unsubscribe_is_not_held_back_by_the_per_client_write_limit() {
    // Mail providers send one-click requests from a few addresses of theirs.
    let test_db = TestDb::new().await;
    let mut settings = test_db.settings();
    settings.write_limit_per_minute = Some(1);
    let app = TestApp::spawn_with_settings(test_db, settings).await;
    let gironde = Space::new(&app.test_db, "gironde").await;
    let mut paths = Vec::new();
    for who in ["a", "b", "c"] {
        gironde
            .invite(&format!("{who}@exemple.fr"), "Votre avis compte", "Bonjour")
            .await;
        let mut tx = gironde
            .db
            .begin_in(crate::helpers::space(&gironde.db, gironde.id).await)
            .await
            .unwrap();
        let token: Vec<u8> = sqlx::query_scalar("SELECT unsubscribe_token FROM mail_recipients WHERE address = $1")
            .bind(format!("{who}@exemple.fr"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        use base64::Engine;
        paths.push(format!(
            "/desabonnement/{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token)
        ));
    }
    let post = |path: String| {
        app.client
            .post(app.url(&path))
            .header("host", "gironde.localhost")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
    };
    // Other writes from this client are limited...
    let (first, second) = (
        post("/connexion".into()).await.unwrap(),
        post("/connexion".into()).await.unwrap(),
    );
    assert_eq!(second.status().as_u16(), 429, "{}", first.status());
    // ...one-click unsubscribes are not.
    for path in paths {
        assert_eq!(post(path).await.unwrap().status().as_u16(), 200);
    }
    let mut tx = gironde
        .db
        .begin_in(crate::helpers::space(&gironde.db, gironde.id).await)
        .await
        .unwrap();
    let suppressed: i64 = sqlx::query_scalar("SELECT count(*) FROM mail_suppressions")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(suppressed, 3);
}

#[tokio::test]
async fn mail_waits_while_smtp_is_down_and_goes_once_with_the_same_message_id() {
    let test_db = TestDb::new().await;
    let gironde = Space::new(&test_db, "gironde").await;
    let Queued::Queued(id) = gironde
        .invite("lea@exemple.fr", "Votre avis compte", "Bonjour Léa")
        .await
    else {
        panic!("queued")
    };
    let message_id = gironde.mail(id).await.3;
    let port = SmtpSink::free_port().await;
    let worker = MailWorker::with_options(
        test_db.app_pool().await,
        transport(&format!("smtp://127.0.0.1:{port}")),
        options(),
    );
    let stop = CancellationToken::new();
    let running = tokio::spawn(worker.run(stop.clone()));

    // Nobody listens: the mail waits, queued, with the reason.
    assert!(
        eventually(Duration::from_secs(10), || async {
            let (status, attempts, error, _) = gironde.mail(id).await;
            status == "queued" && attempts >= 1 && error.is_some_and(|e| e.contains("connect"))
        })
        .await
    );
    assert!(smtp_nothing_on(port).await);

    // The server is back but defers (451 after taking the message): still queued.
    let smtp = SmtpSink::start_on(port).await;
    smtp.set_mode(SinkMode::DeferAfterData);
    assert!(
        eventually(Duration::from_secs(70), || async {
            let (status, _, error, _) = gironde.mail(id).await;
            !smtp.refused().is_empty() && status == "queued" && error.is_some_and(|e| e.contains("451"))
        })
        .await,
        "the worker tries again within the capped backoff, and the mail waits"
    );

    // Down again, connections cut, and tried in vain; then back for good, accepting.
    smtp.stop();
    assert!(smtp_nothing_on(port).await);
    let tried = gironde.mail(id).await.1;
    assert!(
        eventually(Duration::from_secs(70), || async {
            let (status, attempts, error, _) = gironde.mail(id).await;
            attempts > tried && status == "queued" && error.is_some_and(|e| e.contains("connect"))
        })
        .await
    );
    smtp.set_mode(SinkMode::Accept);
    smtp.restart().await;
    let back = std::time::Instant::now();
    assert!(eventually(Duration::from_secs(70), || async { !smtp.messages().is_empty() }).await);
    println!(
        "delivered {:.1} s after the server came back",
        back.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].message_id(), message_id);
    assert!(smtp.refused().iter().all(|m| m.message_id() == message_id));
    assert!(eventually(Duration::from_secs(5), || async { gironde.mail(id).await.0 == "sent" }).await);

    // Every try is on record.
    let mut tx = gironde
        .db
        .begin_in(crate::helpers::space(&gironde.db, gironde.id).await)
        .await
        .unwrap();
    let attempts = status::attempts(&mut tx, id).await.unwrap();
    let outcomes: Vec<_> = attempts.iter().map(|a| a.outcome.clone().unwrap()).collect();
    assert_eq!(outcomes.last().map(String::as_str), Some("sent"));
    assert!(
        outcomes.iter().filter(|o| *o == "deferred").count() >= 2,
        "{outcomes:?}"
    );
    assert!(attempts.iter().all(|a| a.finished_at.is_some()));
    drop(tx);
    stop.cancel();
    running.await.unwrap();
}

/// A 10 s SMTP outage while mail flows: every sender under way fails at once, and that counts
/// as one outage, so mail resumes within seconds of the server's return (it used to wait for a
/// backoff lengthened once per failing sender, about a minute).
#[tokio::test]
async fn a_ten_second_smtp_outage_delays_mail_by_seconds_not_a_minute() {
    const MAILS: usize = 120;
    let test_db = TestDb::new().await;
    let gironde = Space::new(&test_db, "gironde").await;
    assert_eq!(
        gironde.invite_many(&addresses("panne", MAILS), None).await.queued,
        MAILS as u64
    );
    let smtp = SmtpSink::start().await;
    smtp.set_mode(SinkMode::SlowAccept(Duration::from_millis(50)));
    let worker = MailWorker::with_options(test_db.app_pool().await, transport(&smtp.url()), options());
    let stop = CancellationToken::new();
    let running = tokio::spawn(worker.run(stop.clone()));
    assert!(eventually(Duration::from_secs(20), || async { smtp.messages().len() >= 10 }).await);

    smtp.stop();
    let before = smtp.messages().len();
    assert!(before < MAILS, "mail was still flowing when the server went down");
    tokio::time::sleep(Duration::from_secs(10)).await;
    smtp.set_mode(SinkMode::Accept);
    smtp.restart().await;
    let back = std::time::Instant::now();
    assert!(
        eventually(Duration::from_secs(70), || async { smtp.messages().len() > before }).await,
        "mail resumes"
    );
    let resumed = back.elapsed();
    println!("mail resumed {:.1} s after the server came back", resumed.as_secs_f64());
    assert!(resumed < Duration::from_secs(5), "mail resumed only after {resumed:?}");

    // And the rest goes, once each.
    assert!(
        eventually(Duration::from_secs(30), || async {
            let c = gironde.counts().await;
            c.queued == 0 && c.sending == 0
        })
        .await,
        "{:?}",
        gironde.counts().await
    );
    stop.cancel();
    running.await.unwrap();
    assert!(arrivals(&smtp.messages()).values().all(|n| *n == 1));
}

/// Nothing answers on `port`.
async fn smtp_nothing_on(port: u16) -> bool {
    tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err()
}

#[tokio::test]
async fn a_worker_killed_mid_batch_neither_duplicates_nor_silently_loses_mail() {
    const MAILS: usize = 40;
    let test_db = TestDb::new().await;
    let gironde = Space::new(&test_db, "gironde").await;
    assert_eq!(
        gironde.invite_many(&addresses("crash", MAILS), None).await.queued,
        MAILS as u64
    );
    // The server stores each message at its final dot and answers a second later: the window
    // in which a client that dies cannot know whether it was taken.
    let smtp = SmtpSink::start().await;
    smtp.set_mode(SinkMode::SlowAccept(Duration::from_secs(1)));
    let mut killed_options = options();
    killed_options.lease = Duration::from_secs(3);

    // The first worker runs on a runtime of its own, like another process, and dies with it.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let owner_options = test_db.db.owner.clone();
    let url = smtp.url();
    runtime.spawn(async move {
        let db = ecoute::db::Database::with_options(owner_options, APP_ROLE, None);
        let pool = db.connect_app(4).await.unwrap();
        MailWorker::with_options(pool, transport(&url), killed_options)
            .run(CancellationToken::new())
            .await;
    });
    assert!(
        eventually(Duration::from_secs(20), || async {
            smtp.messages().len() >= 8 && smtp.pending() >= 1
        })
        .await
    );
    runtime.shutdown_background();
    let at_kill = smtp.messages().len();
    let counts = gironde.counts().await;
    println!("killed with {at_kill} messages at the server, {counts:?}");
    assert!(counts.sending >= 1, "the worker died holding mail");

    // A new worker, once the dead one's leases have run out, settles everything.
    smtp.set_mode(SinkMode::Accept);
    let worker = MailWorker::with_options(test_db.app_pool().await, transport(&smtp.url()), options());
    let stop = CancellationToken::new();
    let running = tokio::spawn(worker.run(stop.clone()));
    assert!(
        eventually(Duration::from_secs(30), || async {
            let c = gironde.counts().await;
            c.queued == 0 && c.sending == 0
        })
        .await,
        "{:?}",
        gironde.counts().await
    );
    stop.cancel();
    running.await.unwrap();

    let counts = gironde.counts().await;
    let arrived = arrivals(&smtp.messages());
    let statuses = gironde.statuses().await;
    println!(
        "after recovery: {counts:?}, {} distinct messages received",
        arrived.len()
    );
    // No duplicate: no Message-ID arrived twice.
    assert!(arrived.values().all(|n| *n == 1), "duplicates: {arrived:?}");
    // Nothing silently lost: every mail is sent (and arrived once) or flagged uncertain.
    assert_eq!(counts.sent + counts.uncertain, MAILS as i64, "{counts:?}");
    for (message_id, status) in &statuses {
        match status.as_str() {
            "sent" => assert_eq!(arrived.get(message_id), Some(&1), "{message_id} sent but not received"),
            "uncertain" => {}
            other => panic!("{message_id} is {other}"),
        }
    }
    // Only mails the dead worker had started handing over are in doubt (at most one per
    // connection), and at least the one the server was still answering when it died.
    assert!((1..=4).contains(&counts.uncertain), "{counts:?}");
}

#[tokio::test]
async fn each_space_keeps_to_its_rate_across_workers() {
    let test_db = TestDb::new().await;
    let smtp = SmtpSink::start().await;
    let gironde = Space::new(&test_db, "gironde").await;
    let aude = Space::new(&test_db, "aude").await;
    gironde.invite_many(&addresses("g", 8), None).await;
    aude.invite_many(&addresses("a", 3), None).await;
    let mut limited = options();
    limited.per_minute = Some(5);
    let worker = |pool: PgPool| MailWorker::with_options(pool, transport(&smtp.url()), limited.clone());

    let first = worker(test_db.app_pool().await);
    assert_eq!(first.drain().await.unwrap(), 8, "5 from Gironde, 3 from Aude");
    assert_eq!((gironde.counts().await.sent, gironde.counts().await.queued), (5, 3));
    assert_eq!(aude.counts().await.sent, 3);
    // Neither this worker nor another sends more within the minute.
    assert_eq!(first.drain().await.unwrap(), 0);
    let second = worker(test_db.app_pool().await);
    assert_eq!(second.drain().await.unwrap(), 0);
    assert_eq!(smtp.messages().len(), 8);

    // A minute later (the counts aged by hand), the rest goes.
    let owner = test_db.owner().await;
    sqlx::query("UPDATE mail_send_counts SET second = second - interval '61 seconds'")
        .execute(&owner)
        .await
        .unwrap();
    assert_eq!(second.drain().await.unwrap(), 3);
    assert_eq!(gironde.counts().await.sent, 8);
}

#[tokio::test]
async fn bulk_invitations_and_their_delivery_status_for_consoles() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Accueil").await;
    let gironde = Space::new(&test_db, "gironde").await;
    let people = addresses("personne", 120);
    let bulk = gironde.invite_many(&people, Some(campaign)).await;
    assert_eq!((bulk.queued, bulk.suppressed), (120, 0));

    let mut tx = gironde
        .db
        .begin_in(crate::helpers::space(&gironde.db, gironde.id).await)
        .await
        .unwrap();
    let of_campaign = Filter {
        campaign: Some(campaign),
        ..Filter::default()
    };
    assert_eq!(status::counts(&mut tx, &of_campaign).await.unwrap().queued, 120);
    let page = status::list(
        &mut tx,
        &Filter {
            status: Some(MailStatus::Queued),
            ..of_campaign.clone()
        },
        PageRequest { page: 3, per_page: 50 },
    )
    .await
    .unwrap();
    assert_eq!((page.rows.len(), page.total), (20, 120));
    let search = Filter {
        to: Some("PERSONNE-7".into()),
        ..Filter::default()
    };
    let found = status::list(&mut tx, &search, PageRequest::default()).await.unwrap();
    assert_eq!(found.total, 11, "personne-7 and personne-70 to 79");
    assert!(
        found
            .rows
            .iter()
            .all(|r| r.kind == MailKind::Invitation && r.attempts == 0)
    );
    // Someone unsubscribes after being queued and before the worker comes: not sent.
    sqlx::query(
        "INSERT INTO mail_suppressions (tenant_id, address, reason) VALUES ($1, 'personne-0@exemple.fr', 'operator')",
    )
    .bind(gironde.id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let smtp = SmtpSink::start().await;
    let worker = MailWorker::with_options(test_db.app_pool().await, transport(&smtp.url()), options());
    assert_eq!(worker.drain().await.unwrap(), 119);
    let mut tx = gironde
        .db
        .begin_in(crate::helpers::space(&gironde.db, gironde.id).await)
        .await
        .unwrap();
    let counts = status::counts(&mut tx, &of_campaign).await.unwrap();
    assert_eq!((counts.sent, counts.suppressed, counts.total()), (119, 1, 120));
    let sent = status::list(
        &mut tx,
        &Filter {
            status: Some(MailStatus::Sent),
            ..Filter::default()
        },
        PageRequest { page: 1, per_page: 1 },
    )
    .await
    .unwrap();
    let row = &sent.rows[0];
    assert!(row.sent_at.is_some() && row.last_error.is_none() && row.attempts == 1);
    let attempts = status::attempts(&mut tx, row.id).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome.as_deref(), Some("sent"));
    assert!(attempts[0].data_at.is_some() && attempts[0].detail.as_deref().unwrap().starts_with("250"));

    // Operators settle uncertain mail: confirmed received, or sent again (same Message-ID).
    assert!(
        !status::decide(&mut tx, row.id, Decision::Resend).await.unwrap(),
        "sent mail stays sent"
    );
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM mail_outbox WHERE status = 'sent' ORDER BY id LIMIT 2")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE mail_outbox SET status = 'uncertain' WHERE id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert!(status::decide(&mut tx, ids[0], Decision::MarkSent).await.unwrap());
    assert!(status::decide(&mut tx, ids[1], Decision::Resend).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(worker.drain().await.unwrap(), 1);
    let again = gironde.mail(ids[1]).await;
    assert_eq!(again.0, "sent");
    assert_eq!(
        arrivals(&smtp.messages()).get(&again.3),
        Some(&2),
        "resent with its Message-ID"
    );
    assert_eq!(gironde.counts().await.sent, 119);
}

#[tokio::test]
async fn the_server_can_leave_mail_to_a_worker_of_its_own() {
    let smtp = SmtpSink::start().await;
    let test_db = TestDb::new().await;
    let mut settings = test_db.settings();
    settings.smtp_url = Some(smtp.url().into());
    settings.background_jobs = false;
    let db = ecoute::db::Database::with_options(test_db.db.owner.clone(), APP_ROLE, None);
    let app = TestApp::spawn_with_settings(test_db, settings.clone()).await;
    let mut browser = Browser::new(&app, "aude.localhost");
    let csrf = browser.csrf("/connexion").await;
    let (status, _, _) = browser
        .post_form("/connexion", &[("csrf", &csrf), ("email", "ines@exemple.fr")])
        .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(smtp.messages().is_empty(), "the server sends nothing itself");

    // What `ecoute worker` runs.
    let delivered = {
        let smtp = smtp.clone();
        async move {
            eventually(Duration::from_secs(10), || async { !smtp.messages().is_empty() }).await;
        }
    };
    ecoute::jobs::run_standalone(&settings, &db, delivered).await.unwrap();
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0].header("From").as_deref(),
        Some("Caf de l’Aude <ne-pas-repondre@localhost>")
    );
}
