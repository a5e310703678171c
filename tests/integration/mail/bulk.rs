//! Bulk invitations and their delivery status as the consoles read it.

use ecoute::mail::status::{self, Decision, Filter, PageRequest};
use ecoute::mail::worker::MailWorker;
use ecoute::mail::{MailKind, MailStatus};
use uuid::Uuid;

use crate::helpers::{TestDb, insert_campaign};
use crate::smtp::SmtpSink;

use super::*;

// Over 100 lines: one batch of invitations followed through its delivery states (queued, an
// unsubscribe before sending, sent, uncertain, settled by an operator with the same Message-ID);
// each state is reached from the one before.
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
