//! Workshop mail: reminders a week and a day before, mail that reaches people who unsubscribed
//! from list mail, and the calendar file an invitation with a session carries.

use uuid::Uuid;

use crate::helpers::{TestDb, insert_campaign, tenant_id};

use super::*;

// Over 100 lines: a confirmed seat is built row by row (recruitment, session, application,
// draw, invitation), then reminders pass at two dates and their mails are read back; the rows are
// what the reminders read.
#[tokio::test]
async fn confirmed_people_get_one_reminder_a_week_before_and_one_the_day_before() {
    use ecoute::workshops::invitations::send_reminders;
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let app = test_db.app_pool().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Ateliers").await;
    let who = account(&owner, "rappel@example.org").await;
    let mut tx = in_space(&app, gironde).await;
    let recruitment: Uuid =
        sqlx::query_scalar("INSERT INTO workshop_recruitments (tenant_id, campaign_id) VALUES ($1, $2) RETURNING id")
            .bind(gironde)
            .bind(campaign)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let session: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_sessions (tenant_id, recruitment_id, title, caf_name, place, address, starts_at, ends_at, capacity)
         VALUES ($1, $2, 'Atelier', 'Caf', 'Maison des familles', '1 rue du Port', now() + interval '5 days', now() + interval '5 days 2 hours', 10)
         RETURNING id",
    )
    .bind(gironde)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let application: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, consent_at)
         VALUES ($1, $2, $3, 'rappel@example.org', now()) RETURNING id",
    )
    .bind(gironde)
    .bind(recruitment)
    .bind(who)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let draw: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_draws (tenant_id, recruitment_id, seed, seats, quotas, algorithm, min_probability, gini, drawn_by)
         VALUES ($1, $2, 1, 1, '{}', 'leximin', 1, 0, 'test') RETURNING id",
    )
    .bind(gironde)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO workshop_selections (tenant_id, draw_id, application_id, probability, status, seat, session_id)
         VALUES ($1, $2, $3, 1, 'confirmed', 1, $4)",
    )
    .bind(gironde)
    .bind(draw)
    .bind(application)
    .bind(session)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let db = ecoute::tenancy::TenantDb::new(app.clone());
    let pass = |at: chrono::DateTime<chrono::Utc>| {
        let db = &db;
        async move {
            let mut tx = db.begin_in(crate::helpers::space(db, gironde).await).await.unwrap();
            let n = send_reminders(&mut tx, at).await.unwrap();
            tx.commit().await.unwrap();
            n
        }
    };
    let now = chrono::Utc::now();
    assert_eq!(pass(now).await, 1, "a week before (five days, in fact)");
    assert_eq!(pass(now).await, 0, "once");
    let eve = now + chrono::Duration::hours(4 * 24 + 12);
    assert_eq!(pass(eve).await, 1, "the day before");
    assert_eq!(pass(eve).await, 0, "once");
    let mut tx = in_space(&app, gironde).await;
    let subjects: Vec<String> = sqlx::query_scalar(
        "SELECT subject FROM mail_outbox WHERE to_address = 'rappel@example.org' ORDER BY created_at",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(
        subjects,
        vec![
            "Rappel : votre atelier dans une semaine",
            "Rappel : votre atelier a lieu demain"
        ]
    );
    let files: Vec<(String, Option<String>, bool)> = sqlx::query_as(
        "SELECT kind, attachment_name, replace(attachment_text, E'\\r\\n ', '') LIKE '%UID:atelier-' || $1 || '-' || $2 || '@ecoute%'
           FROM mail_outbox WHERE to_address = 'rappel@example.org'",
    )
    .bind(application.to_string())
    .bind(session.to_string())
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(
        files,
        vec![("workshop".to_owned(), Some("atelier.ics".to_owned()), true); 2],
        "each reminder carries the same event (same UID), as workshop mail"
    );
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn workshop_mail_reaches_people_who_unsubscribed_even_over_quota_and_is_metered_as_sent() {
    use ecoute::mail::worker::{MailWorker, Transport, WorkerOptions};
    use ecoute::mail::{MailContent, MailKind, Queued, queue_to};
    let smtp = crate::smtp::SmtpSink::start().await;
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let app = test_db.app_pool().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let email = "desabonnee@example.org";
    let (draw, _, _) = one_invited_person(&app, &owner, gironde, email, false).await;
    // She unsubscribed from the space's list mail, and the space has used its monthly quota.
    sqlx::query("INSERT INTO mail_suppressions (tenant_id, address, reason) VALUES ($1, $2, 'unsubscribed')")
        .bind(gironde)
        .bind(email)
        .execute(&owner)
        .await
        .unwrap();
    sqlx::query("UPDATE tenants SET quotas = '{\"emails_per_month\": 0}' WHERE id = $1")
        .bind(gironde)
        .execute(&owner)
        .await
        .unwrap();
    let db = ecoute::tenancy::TenantDb::new(app.clone());
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    let sent = ecoute::workshops::invitations::send_invitations(&mut tx, draw, "https://gironde.ecoute.test", 7)
        .await
        .unwrap();
    assert_eq!(sent, 1);
    // List mail to her is still suppressed: the suppression is real.
    let news = MailContent {
        kind: MailKind::News,
        subject: "Nouvelles",
        text: "Des nouvelles.",
        campaign: None,
        attachment: None,
        lang: ecoute::web::i18n::Lang::Fr,
    };
    assert!(matches!(
        queue_to(&mut tx, email, &news).await.unwrap(),
        Queued::Suppressed(_)
    ));
    tx.commit().await.unwrap();

    let options = WorkerOptions {
        link_base: "http://{host}".into(),
        base_domain: "localhost".into(),
        ..WorkerOptions::default()
    };
    let transport = Transport::from_settings(Some(&smtp.url()), "ne-pas-repondre@localhost").unwrap();
    let worker = MailWorker::with_options(app.clone(), transport, options);
    assert_eq!(
        worker.drain().await.unwrap(),
        1,
        "the workshop invitation goes, over quota"
    );
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let mail = &messages[0];
    assert_eq!(mail.to, vec![email.to_owned()]);
    assert_eq!(mail.header("List-Unsubscribe"), None, "not list mail");
    assert!(mail.part("text/plain").unwrap().contains("/ateliers/reponse/"));
    assert!(
        mail.header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative"),
        "no session yet: no calendar file"
    );

    let mut tx = in_space(&app, gironde).await;
    let kinds: Vec<(String, String)> = sqlx::query_as("SELECT kind, status FROM mail_outbox ORDER BY kind")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        kinds,
        vec![
            ("news".to_owned(), "suppressed".to_owned()),
            ("workshop".to_owned(), "sent".to_owned())
        ]
    );
    let metered: Vec<(String, i64)> = sqlx::query_as(
        "SELECT metric, sum(quantity)::int8 FROM usage_events WHERE metric IN ('emails_sent', 'invitations')
          GROUP BY metric ORDER BY metric",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(
        metered,
        vec![("emails_sent".to_owned(), 1)],
        "counted as an e-mail sent, not as a campaign invitation"
    );
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn an_invitation_with_a_session_carries_an_ics_with_the_sessions_times_and_place() {
    use ecoute::mail::worker::{MailWorker, Transport, WorkerOptions};
    let smtp = crate::smtp::SmtpSink::start().await;
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let app = test_db.app_pool().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let email = "calendrier@example.org";
    let (draw, application, session) = one_invited_person(&app, &owner, gironde, email, true).await;
    // The person uses the site in English: the calendar's description is in English too.
    crate::helpers::as_owner(
        &owner,
        gironde,
        format!(
            "INSERT INTO account_spaces (tenant_id, account_id)
             SELECT '{gironde}', id FROM accounts WHERE email = '{email}' ON CONFLICT DO NOTHING;
             UPDATE accounts SET lang = 'en' WHERE email = '{email}';"
        ),
    )
    .await;
    let db = ecoute::tenancy::TenantDb::new(app.clone());
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    ecoute::workshops::invitations::send_invitations(&mut tx, draw, "https://gironde.ecoute.test", 7)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let options = WorkerOptions {
        link_base: "http://{host}".into(),
        base_domain: "localhost".into(),
        ..WorkerOptions::default()
    };
    let transport = Transport::from_settings(Some(&smtp.url()), "ne-pas-repondre@localhost").unwrap();
    let worker = MailWorker::with_options(app.clone(), transport, options);
    assert_eq!(worker.drain().await.unwrap(), 1);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let mail = &messages[0];
    assert!(mail.data.is_ascii());
    assert!(
        mail.header("Content-Type").unwrap().starts_with("multipart/mixed"),
        "{}",
        mail.data
    );
    // The text is still there, inside the mixed message.
    assert!(mail.data.contains("multipart/alternative"));
    let part_head = mail
        .data
        .split("\n\n")
        .find(|h| h.contains("Content-Type: text/calendar"))
        .expect("a calendar part");
    assert!(part_head.contains("method=PUBLISH"), "{part_head}");
    assert!(part_head.contains("charset=utf-8"), "{part_head}");
    assert!(part_head.contains("atelier.ics"), "{part_head}");
    let ics = mail.part("text/calendar").expect("the calendar's text");
    // The sink turns CRLF into LF; unfold continuation lines.
    let unfolded = ics.replace("\r\n", "\n").replace("\n ", "");
    let lines: Vec<&str> = unfolded.lines().collect();
    assert_eq!(lines.first(), Some(&"BEGIN:VCALENDAR"));
    assert!(lines.contains(&"BEGIN:VEVENT") && lines.contains(&"END:VEVENT"));
    // 14:00 and 16:30 in Paris on 5 December are 13:00 and 15:30 UTC.
    assert!(lines.contains(&"DTSTART:20261205T130000Z"), "{unfolded}");
    assert!(lines.contains(&"DTEND:20261205T153000Z"), "{unfolded}");
    assert!(
        lines.contains(&"LOCATION:Maison des familles\\, 1 rue du Port\\, Bordeaux"),
        "{unfolded}"
    );
    assert!(lines.contains(&"SUMMARY:Atelier accueil"), "{unfolded}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("DESCRIPTION:Workshop organised by")
                && l.contains("Accessibility: Rampe\\; ascenseur")),
        "{unfolded}"
    );
    let uid = format!("UID:atelier-{application}-{session}@ecoute");
    assert!(lines.contains(&uid.as_str()), "{unfolded}");
    assert!(lines.iter().any(|l| l.starts_with("DTSTAMP:") && l.ends_with('Z')));
}
