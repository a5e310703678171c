//! Lists of people pasted into the console: the staff list opening staff-only campaigns.
//! Invitation lists are `invitations.rs`.

use reqwest::Method;

use crate::browser::Browser;
use crate::helpers::{TestApp, campaign_slug, session_for, tenant_id};

use super::*;

#[tokio::test]
async fn the_staff_list_opens_staff_only_campaigns_and_reports_bad_lines() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let gironde = tenant_id(&owner, "gironde").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query("UPDATE campaigns SET audience = 'staff' WHERE slug = $1")
        .bind(&slug)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut agent = Browser::new(&app, GIRONDE);
    agent.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "agent.externe@exemple.fr").await,
    );
    let ideas = format!("/api/v1/campaigns/{slug}/ideas");
    assert_eq!(agent.api(Method::GET, &ideas, None).await.0, 403, "not staff by domain");

    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "loc@caf33.caf.fr", &password).await;
    let csrf = operator.csrf("/admin/securite").await;
    let (status, _, html) = operator
        .post_form(
            "/admin/equipe/agents",
            &[
                ("csrf", &csrf),
                (
                    "emails",
                    "agent.externe@exemple.fr\npas-une-adresse\nautre@exemple.fr; AUTRE@exemple.fr",
                ),
            ],
        )
        .await;
    assert_eq!(status, 422, "one bad line is reported");
    assert!(html.contains("Ligne 2") && html.contains("pas-une-adresse"));
    assert!(
        html.contains("2 adresses ajoutées"),
        "the valid lines were taken, deduplicated"
    );
    assert!(
        html.contains(">pas-une-adresse</textarea>"),
        "the refused address comes back in the field, to be corrected; the taken ones do not"
    );
    let (status, _, html) = operator
        .post_form(
            "/admin/equipe/invitations",
            &[("csrf", &csrf), ("email", "collegue@caf33"), ("role", "moderator")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("value=\"collegue@caf33\"") && html.contains("value=\"moderator\" selected"),
        "an invitation refused for its address keeps the address and the role"
    );
    assert_eq!(
        agent.api(Method::GET, &ideas, None).await.0,
        200,
        "now staff by invitation"
    );
    let queued: i64 = {
        let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
        sqlx::query_scalar("SELECT count(*) FROM mail_outbox WHERE subject LIKE 'Consultations internes%'")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    };
    assert_eq!(queued, 2, "each new member is told once");
}
