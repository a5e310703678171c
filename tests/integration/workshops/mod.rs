//! Workshop recruitment: the database rules the invitation flow relies on, exercised as the
//! application role (RLS forced).
//!
//! This file holds what the tests share; the tests are in the files beside it, grouped by flow.

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::helpers::{insert_campaign, tenant_id};

mod applications;
mod draw;
mod imported_draw;
mod imports;
mod invitations;
mod mail;
mod questions;
mod session_edits;
mod sessions;
mod state;

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

/// A campaign of `gironde` with a recruitment (standard questionnaire, one session); returns
/// the campaign's slug.
async fn campaign_with_recruitment(app: &crate::helpers::TestApp) -> String {
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Ateliers familles").await;
    let criteria = serde_json::to_value(ecoute::workshops::criteria::standard_criteria(&["33".into()])).unwrap();
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let recruitment: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_recruitments (tenant_id, campaign_id, intro, criteria) VALUES ($1, $2, 'Venez nous aider.', $3) RETURNING id",
    )
    .bind(gironde)
    .bind(campaign)
    .bind(criteria)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO workshop_sessions (tenant_id, recruitment_id, title, caf_name, place, address, accessibility, starts_at, ends_at, capacity)
         VALUES ($1, $2, 'Atelier du matin', 'Caf de la Gironde', 'Maison des familles', '1 rue du Port, Bordeaux', 'Accès de plain-pied',
                 now() + interval '30 days', now() + interval '30 days 3 hours', 12)",
    )
    .bind(gironde)
    .bind(recruitment)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(campaign)
        .fetch_one(&owner)
        .await
        .unwrap()
}

/// An operator with a password and a role in `space`, signed in through the form.
async fn operator_browser<'a>(
    app: &'a crate::helpers::TestApp,
    space: &str,
    role: &str,
) -> crate::browser::Browser<'a> {
    let owner = app.test_db.owner().await;
    let email = format!("{role}@{space}.example.org");
    let password = format!("phrase de passe {}", Uuid::new_v4().simple());
    let hash = ecoute::operators::password::hash(&password).unwrap();
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO operators (email, name, national_admin, password_hash) VALUES ($1, 'Opératrice', false, $2) RETURNING id",
    )
    .bind(&email)
    .bind(&hash)
    .fetch_one(&owner)
    .await
    .unwrap();
    let tenant = tenant_id(&owner, space).await;
    let mut tx = ecoute::db::owner_tx_in(&owner, tenant).await.unwrap();
    sqlx::query("INSERT INTO operator_roles (tenant_id, operator_id, role) VALUES ($1, $2, $3)")
        .bind(tenant)
        .bind(id)
        .bind(role)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut browser = crate::browser::Browser::new(app, &format!("{space}.localhost"));
    let csrf = browser.csrf("/admin/connexion").await;
    let (status, _, _) = browser
        .post_form(
            "/admin/connexion",
            &[
                ("csrf", &csrf),
                ("email", &email),
                ("password", &password),
                ("retour", "/admin"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    browser
}

/// The tokens in the workshop invitation mails queued so far, oldest first.
async fn invitation_tokens(owner: &PgPool, tenant: Uuid) -> Vec<String> {
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    let texts: Vec<String> = sqlx::query_scalar(
        "SELECT text_body FROM mail_outbox WHERE subject = 'Votre participation à un atelier de la Caf' ORDER BY created_at, id",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    texts
        .iter()
        .map(|t| {
            t.split("/ateliers/reponse/")
                .nth(1)
                .unwrap()
                .split(|c: char| c.is_whitespace() || c == '?')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

async fn test_app_pool(app: &crate::helpers::TestApp) -> PgPool {
    app.test_db.app_pool().await
}

/// A recruitment with one session (5 to 7 December 2026, 14:00–16:30 Paris time) and one person
/// drawn and invited (no link yet) with `session` assigned or not; returns (draw, application,
/// session).
async fn one_invited_person(
    app: &PgPool,
    owner: &PgPool,
    tenant: Uuid,
    email: &str,
    with_session: bool,
) -> (Uuid, Uuid, Uuid) {
    let campaign = insert_campaign(owner, "gironde", "local", "Ateliers").await;
    let who = account(owner, email).await;
    let mut tx = in_space(app, tenant).await;
    let recruitment: Uuid =
        sqlx::query_scalar("INSERT INTO workshop_recruitments (tenant_id, campaign_id) VALUES ($1, $2) RETURNING id")
            .bind(tenant)
            .bind(campaign)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let session: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_sessions (tenant_id, recruitment_id, title, caf_name, place, address, accessibility, starts_at, ends_at, capacity)
         VALUES ($1, $2, 'Atelier accueil', 'Caf de la Gironde', 'Maison des familles', '1 rue du Port, Bordeaux', 'Rampe; ascenseur',
                 '2026-12-05 14:00 Europe/Paris', '2026-12-05 16:30 Europe/Paris', 10)
         RETURNING id",
    )
    .bind(tenant)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let application: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, consent_at)
         VALUES ($1, $2, $3, $4, now()) RETURNING id",
    )
    .bind(tenant)
    .bind(recruitment)
    .bind(who)
    .bind(email)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let draw: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_draws (tenant_id, recruitment_id, seed, seats, quotas, algorithm, min_probability, gini, drawn_by)
         VALUES ($1, $2, 1, 1, '{}', 'leximin', 1, 0, 'test') RETURNING id",
    )
    .bind(tenant)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO workshop_selections (tenant_id, draw_id, application_id, probability, status, seat, session_id)
         VALUES ($1, $2, $3, 1, 'invited', 1, $4)",
    )
    .bind(tenant)
    .bind(draw)
    .bind(application)
    .bind(with_session.then_some(session))
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (draw, application, session)
}
