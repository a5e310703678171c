//! Workshop recruitment: the database rules the invitation flow relies on, exercised as the
//! application role (RLS forced).

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::helpers::{TestDb, insert_campaign, tenant_id};

async fn in_space(pool: &PgPool, tenant: Uuid) -> Transaction<'static, Postgres> {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

async fn account(owner: &PgPool, email: &str) -> Uuid {
    sqlx::query_scalar("INSERT INTO accounts (email, pseudonym) VALUES ($1, 'volontaire') RETURNING id")
        .bind(email)
        .fetch_one(owner)
        .await
        .unwrap()
}

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
