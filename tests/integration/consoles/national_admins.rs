//! The national admins on the national space's team page: one withdraws another's role (their
//! national sessions end at once), the last one cannot go, and two admins withdrawing each
//! other at the same moment leave one.

use std::time::Duration;

use ecoute::tenancy::TenantDb;
use uuid::Uuid;

use crate::helpers::{TestApp, tenant_id};

use super::*;

async fn operator_id(owner: &sqlx::PgPool, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM operators WHERE email = $1")
        .bind(email)
        .fetch_one(owner)
        .await
        .unwrap()
}

async fn is_admin(owner: &sqlx::PgPool, id: Uuid) -> bool {
    sqlx::query_scalar("SELECT national_admin FROM operators WHERE id = $1")
        .bind(id)
        .fetch_one(owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_national_admin_role_is_withdrawn_but_never_the_last_one() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let a_password = make_operator(&owner, "a@cnaf.fr", true, None).await;
    let b_password = make_operator(&owner, "b@cnaf.fr", true, None).await;
    let (a, b) = (
        operator_id(&owner, "a@cnaf.fr").await,
        operator_id(&owner, "b@cnaf.fr").await,
    );
    let mut admin_a = signed_in(&app, NATIONAL, "a@cnaf.fr", &a_password).await;
    let mut admin_b = signed_in(&app, NATIONAL, "b@cnaf.fr", &b_password).await;
    assert_eq!(admin_b.get("/admin/equipe").await.0, 200);

    let (status, page) = admin_a.get("/admin/equipe").await;
    assert_eq!(status, 200);
    assert!(page.contains("Administration nationale") && page.contains("b@cnaf.fr"));
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    let form = [("csrf", csrf.as_str())];

    // A withdraws B's role: B's national session ends at once; a second click changes nothing.
    let withdraw_b = format!("/admin/equipe/administrateurs/{b}/retrait");
    for _ in 0..2 {
        let (status, location, _) = admin_a.post_form(&withdraw_b, &form).await;
        assert_eq!(
            (status, location.as_deref()),
            (303, Some("/admin/equipe?fait=retrait_admin"))
        );
    }
    assert!(!is_admin(&owner, b).await);
    let (status, _) = admin_b.get("/admin/equipe").await;
    assert_ne!(status, 200, "B's session on the national space is closed");
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'team.revoke_national_admin'")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    // A, now the last one, cannot give the role up: the page says why, A stays.
    let (status, _, page) = admin_a
        .post_form(&format!("/admin/equipe/administrateurs/{a}/retrait"), &form)
        .await;
    assert_eq!(status, 409);
    assert!(
        page.contains("C’est la dernière personne à administrer la plateforme"),
        "{page}"
    );
    assert!(is_admin(&owner, a).await);

    // With another admin, A may leave: A's console is then closed.
    make_operator(&owner, "c@cnaf.fr", true, None).await;
    let (status, location, _) = admin_a
        .post_form(&format!("/admin/equipe/administrateurs/{a}/retrait"), &form)
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/admin/connexion")));
    assert!(!is_admin(&owner, a).await);
}

#[tokio::test]
async fn two_admins_withdrawing_each_other_at_once_leave_one() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    make_operator(&owner, "c@cnaf.fr", true, None).await;
    make_operator(&owner, "d@cnaf.fr", true, None).await;
    let (c, d) = (
        operator_id(&owner, "c@cnaf.fr").await,
        operator_id(&owner, "d@cnaf.fr").await,
    );
    let db = TenantDb::new(app.test_db.app_pool().await);
    let national = crate::helpers::space(&db, tenant_id(&owner, "national").await).await;

    // C withdraws D, not yet committed; D's withdrawal of C waits for it, then finds D no
    // longer an admin.
    let mut first = db.begin_in(national).await.unwrap();
    let done: String = sqlx::query_scalar("SELECT console_revoke_national_admin($1, $2)")
        .bind(c)
        .bind(d)
        .fetch_one(&mut *first)
        .await
        .unwrap();
    assert_eq!(done, "done");
    let second = tokio::spawn({
        let db = db.clone();
        async move {
            let mut tx = db.begin_in(national).await.unwrap();
            let outcome: String = sqlx::query_scalar("SELECT console_revoke_national_admin($1, $2)")
                .bind(d)
                .bind(c)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            outcome
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!second.is_finished(), "the second waits for the first");
    first.commit().await.unwrap();
    assert_eq!(second.await.unwrap(), "not_allowed");
    assert!(
        is_admin(&owner, c).await && !is_admin(&owner, d).await,
        "one admin is left"
    );
}
