//! Answering a workshop invitation: a confirmation racing a promotion never double-books a seat,
//! and an invitation left unanswered past its deadline expires and the waitlist is invited.

use uuid::Uuid;

use crate::helpers::{TestDb, insert_campaign, tenant_id};

use super::*;

// Over 100 lines: a drawn recruitment with a panel and a waitlist is built row by row as the
// application role, then a confirmation is held open while a promotion races it, and the same rows
// are checked from another space; the fixture is half the test.
#[tokio::test]
async fn a_confirmation_racing_a_promotion_never_gives_one_seat_to_two_people() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let app = test_db.app_pool().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Ateliers").await;
    let a = account(&owner, "c@example.org").await;
    let b = account(&owner, "d@example.org").await;
    let mut tx = in_space(&app, gironde).await;
    let recruitment: Uuid =
        sqlx::query_scalar("INSERT INTO workshop_recruitments (tenant_id, campaign_id) VALUES ($1, $2) RETURNING id")
            .bind(gironde)
            .bind(campaign)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let mut ids = Vec::new();
    for who in [a, b] {
        ids.push(
            sqlx::query_scalar::<_, Uuid>(
                "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, consent_at)
                 VALUES ($1, $2, $3, 'x@example.org', now()) RETURNING id",
            )
            .bind(gironde)
            .bind(recruitment)
            .bind(who)
            .fetch_one(&mut *tx)
            .await
            .unwrap(),
        );
    }
    let draw: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_draws (tenant_id, recruitment_id, seed, seats, quotas, algorithm, min_probability, gini, drawn_by)
         VALUES ($1, $2, 7, 1, '{}', 'leximin', 0.5, 0, 'test') RETURNING id",
    )
    .bind(gironde)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO workshop_selections (tenant_id, draw_id, application_id, probability, status, seat, waitlist_rank)
         VALUES ($1, $2, $3, 0.5, 'invited', 1, NULL), ($1, $2, $4, 0.5, 'waitlist', NULL, 1)",
    )
    .bind(gironde)
    .bind(draw)
    .bind(ids[0])
    .bind(ids[1])
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // A second application of the same person to the same recruitment is refused.
    let mut tx = in_space(&app, gironde).await;
    let again = sqlx::query(
        "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, consent_at)
         VALUES ($1, $2, $3, 'x@example.org', now())",
    )
    .bind(gironde)
    .bind(recruitment)
    .bind(a)
    .execute(&mut *tx)
    .await;
    assert!(again.is_err(), "one application per person and recruitment");
    tx.rollback().await.unwrap();

    // A confirms (not committed yet) while a promotion gives seat 1 to B.
    let mut confirm = in_space(&app, gironde).await;
    let confirmed = sqlx::query(
        "UPDATE workshop_selections SET status = 'confirmed', answered_at = now()
          WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3 AND status = 'invited'",
    )
    .bind(gironde)
    .bind(draw)
    .bind(ids[0])
    .execute(&mut *confirm)
    .await
    .unwrap();
    assert_eq!(confirmed.rows_affected(), 1);
    let promote = {
        let app = app.clone();
        let (draw, b) = (draw, ids[1]);
        tokio::spawn(async move {
            let mut tx = in_space(&app, gironde).await;
            let r = sqlx::query(
                "UPDATE workshop_selections SET status = 'invited', seat = 1, waitlist_rank = NULL
                  WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3 AND status = 'waitlist'",
            )
            .bind(gironde)
            .bind(draw)
            .bind(b)
            .execute(&mut *tx)
            .await;
            match r {
                Ok(_) => tx.commit().await.map(|_| ()),
                Err(e) => Err(e),
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    confirm.commit().await.unwrap();
    let promoted = promote.await.unwrap();
    let error = promoted.expect_err("the seat is taken by the confirmation");
    assert_eq!(
        error.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("23505"),
        "{error}"
    );
    let mut tx = in_space(&app, gironde).await;
    let holders: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM workshop_selections WHERE draw_id = $1 AND seat = 1 AND status IN ('invited', 'confirmed')",
    )
    .bind(draw)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(holders, 1);
    tx.commit().await.unwrap();

    // Another space sees none of it.
    let aude = tenant_id(&owner, "aude").await;
    let mut tx = in_space(&app, aude).await;
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM workshop_selections")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 0);
}

#[tokio::test]
async fn an_invitation_unanswered_by_its_deadline_expires_and_the_waitlist_is_invited() {
    use ecoute::workshops::retention::{Links, expire_invitations};
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let app = test_db.app_pool().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Ateliers").await;
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
         VALUES ($1, $2, 'Atelier', 'Caf', 'Maison des familles', '1 rue du Port', now() + interval '20 days', now() + interval '20 days 2 hours', 1)
         RETURNING id",
    )
    .bind(gironde)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let mut ids = Vec::new();
    for email in ["late@example.org", "next@example.org"] {
        let who = account(&owner, email).await;
        ids.push(
            sqlx::query_scalar::<_, Uuid>(
                "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, sessions, consent_at)
                 VALUES ($1, $2, $3, $4, $5, now()) RETURNING id",
            )
            .bind(gironde)
            .bind(recruitment)
            .bind(who)
            .bind(email)
            .bind(vec![session])
            .fetch_one(&mut *tx)
            .await
            .unwrap(),
        );
    }
    let draw: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_draws (tenant_id, recruitment_id, seed, seats, quotas, algorithm, min_probability, gini, drawn_by)
         VALUES ($1, $2, 1, 1, '{}', 'leximin', 0.5, 0, 'test') RETURNING id",
    )
    .bind(gironde)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO workshop_selections (tenant_id, draw_id, application_id, probability, status, seat, waitlist_rank, token_hash, deadline, session_id)
         VALUES ($1, $2, $3, 0.5, 'invited', 1, NULL, '\\x01', now() - interval '1 hour', $5),
                ($1, $2, $4, 0.5, 'waitlist', NULL, 1, NULL, NULL, NULL)",
    )
    .bind(gironde)
    .bind(draw)
    .bind(ids[0])
    .bind(ids[1])
    .bind(session)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let db = ecoute::tenancy::TenantDb::new(app.clone());
    let links = Links {
        link_base: "https://{host}".into(),
        base_domain: "ecoute.test".into(),
    };
    assert_eq!(expire_invitations(&db, &links, chrono::Utc::now()).await.unwrap(), 1);
    let mut tx = in_space(&app, gironde).await;
    let states: Vec<(Uuid, String, Option<i32>, Option<Uuid>)> =
        sqlx::query_as("SELECT application_id, status, seat, session_id FROM workshop_selections ORDER BY status")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    assert_eq!(
        states,
        vec![
            (ids[0], "expired".to_owned(), Some(1), None),
            (ids[1], "invited".to_owned(), Some(1), Some(session))
        ],
        "the newcomer takes the seat and the session they had named"
    );
    let (mail, kind, file): (String, String, Option<String>) = sqlx::query_as(
        "SELECT text_body, kind, attachment_name FROM mail_outbox WHERE to_address = 'next@example.org'",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!((kind.as_str(), file.as_deref()), ("workshop", Some("atelier.ics")));
    assert!(mail.contains("https://gironde.ecoute.test/ateliers/reponse/"), "{mail}");
    tx.commit().await.unwrap();
    assert_eq!(expire_invitations(&db, &links, chrono::Utc::now()).await.unwrap(), 0);
}
