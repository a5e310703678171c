//! Delivery when things go wrong or run in parallel: SMTP down or briefly out, a worker killed
//! mid-batch, each space's rate across workers, and a server leaving mail to a worker of its own.

use std::time::Duration;

use ecoute::mail::Queued;
use ecoute::mail::status::{self};
use ecoute::mail::worker::MailWorker;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::browser::Browser;
use crate::helpers::{APP_ROLE, TestApp, TestDb, eventually};
use crate::smtp::{SinkMode, SmtpSink};

use super::*;

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
    let counts_at_kill = gironde.counts().await;
    println!("killed with {at_kill} messages at the server, {counts_at_kill:?}");
    assert!(counts_at_kill.sending >= 1, "the worker died holding mail");

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
    // Only mails the dead worker had started handing over are in doubt: those the server had
    // taken while the worker had not yet recorded it (its recorder stores outcomes a moment
    // after the answer, longer on a loaded machine), and at most one per connection still
    // being handed over; at least the one the server was still answering when it died.
    let unrecorded = at_kill as i64 - counts_at_kill.sent;
    assert!(
        counts.uncertain >= 1 && counts.uncertain <= unrecorded + 4,
        "{counts:?}, {at_kill} at the server and {} recorded sent at the kill",
        counts_at_kill.sent
    );
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
