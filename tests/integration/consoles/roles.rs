//! What each role may do: the matrix of roles in their own space, moderators hiding reported
//! content with a reason kept in the log, and the database refusing what the application role
//! must not do.

use reqwest::Method;
use uuid::Uuid;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, campaign_slug, session_for, tenant_id};

use super::*;

#[tokio::test]
async fn roles_allow_what_the_matrix_says_in_their_space_only() {
    use ecoute::web::console::rights::Action;
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let people = [
        ("nat@cnaf.fr", true, None, "national admin"),
        (
            "loc@caf33.caf.fr",
            false,
            Some(("gironde", "local_operator")),
            "local operator",
        ),
        ("mod@caf33.caf.fr", false, Some(("gironde", "moderator")), "moderator"),
        ("ana@caf33.caf.fr", false, Some(("gironde", "analyst")), "analyst"),
    ];
    // (path, action) pairs the console serves on a local host.
    let pages = [
        ("/admin", Action::View),
        ("/admin/moderation", Action::Moderate),
        ("/admin/equipe", Action::InviteOperators),
        ("/admin/journal", Action::ViewAudit),
        ("/admin/regles", Action::EditRules),
    ];
    let gironde = {
        let resolver = ecoute::tenancy::TenantResolver::new(app.test_db.app_pool().await, "localhost");
        match resolver.resolve(GIRONDE).await.unwrap() {
            ecoute::tenancy::resolve::Resolution::Found(t) => t,
            _ => panic!("gironde exists"),
        }
    };
    for (email, national, role, who) in people {
        let password = make_operator(&owner, email, national, role).await;
        let mut browser = signed_in(&app, GIRONDE, email, &password).await;
        let operator = ecoute::operators::Operator {
            id: Uuid::nil(),
            email: email.into(),
            name: String::new(),
            national_admin: national,
            role: role.and_then(|(_, r)| ecoute::operators::Role::parse(r)),
        };
        for (path, action) in pages {
            let expected = if ecoute::web::console::rights::allowed(&operator, &gironde, action) {
                200
            } else {
                403
            };
            assert_eq!(browser.get(path).await.0, expected, "{who} GET {path}");
        }
        // A write: adding to the staff list (InviteParticipants).
        let csrf = browser.csrf("/admin/securite").await;
        let (status, _, _) = browser
            .post_form(
                "/admin/equipe/agents",
                &[("csrf", &csrf), ("emails", "agent.test@exemple.fr")],
            )
            .await;
        let expected = if ecoute::web::console::rights::allowed(&operator, &gironde, Action::InviteParticipants) {
            303
        } else {
            403
        };
        assert_eq!(status, expected, "{who} adds staff");

        // Another space: the session does not travel, and only the national admin gets in.
        let mut elsewhere = Browser::new(&app, "aude.localhost");
        elsewhere.set_cookie("ecoute_console", browser.cookie("ecoute_console").unwrap());
        assert_eq!(
            elsewhere.get("/admin").await.0,
            303,
            "{who}: a gironde session means nothing on aude"
        );
        let (_, status, _) = sign_in(&app, "aude.localhost", email, &password).await;
        assert_eq!(status, if national { 303 } else { 403 }, "{who} signs in on aude");
    }
}

#[tokio::test]
async fn moderators_hide_reported_content_with_a_reason_and_the_log_keeps_it() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let mut author = Browser::new(&app, GIRONDE);
    author.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "auteur@exemple.fr").await,
    );
    let body = serde_json::json!({"kind": "idee", "title": "Un contenu à signaler", "body": "Un texte qui sera signalé par quelqu’un."});
    let (_, idea) = author
        .api(Method::POST, &format!("/api/v1/campaigns/{slug}/ideas"), Some(body))
        .await;
    let id = idea["id"].as_str().unwrap().to_owned();
    let mut reader = Browser::new(&app, GIRONDE);
    reader.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "lecteur@exemple.fr").await,
    );
    let (status, _) = reader
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/reports"),
            Some(serde_json::json!({"reason": "Propos injurieux"})),
        )
        .await;
    assert_eq!(status, 202);

    let password = make_operator(&owner, "mod@caf33.caf.fr", false, Some(("gironde", "moderator"))).await;
    let mut moderator = signed_in(&app, GIRONDE, "mod@caf33.caf.fr", &password).await;
    let (status, html) = moderator.get("/admin/moderation").await;
    assert_eq!(status, 200);
    assert!(html.contains("Un contenu à signaler") && html.contains("Propos injurieux"));
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let (status, _, html) = moderator
        .post_form(
            "/admin/moderation",
            &[
                ("csrf", &csrf),
                ("kind", "idea"),
                ("id", &id),
                ("decision", "hide"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("motif de la charte"),
        "hiding needs a reason of the charter"
    );
    let (status, _, _) = moderator
        .post_form(
            "/admin/moderation",
            &[
                ("csrf", &csrf),
                ("kind", "idea"),
                ("id", &id),
                ("decision", "hide"),
                ("charter_reason", "insults"),
                ("reason", "Injurieux envers un agent"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, html) = moderator.get("/admin/moderation").await;
    assert!(html.contains("Aucun contenu signalé"), "the queue is empty");
    let (_, page) = app.get_text(GIRONDE, &format!("/consultations/{slug}")).await;
    assert!(!page.contains("Un contenu à signaler"), "hidden from the list at once");
    // Someone else's id: refused.
    let (status, _, _) = moderator
        .post_form(
            "/admin/moderation",
            &[
                ("csrf", &csrf),
                ("kind", "idea"),
                ("id", &Uuid::new_v4().to_string()),
                ("decision", "hide"),
                ("charter_reason", "insults"),
                ("reason", "xxx"),
            ],
        )
        .await;
    assert_eq!(status, 404);
    // The moderator cannot read the log; an operator can, and sees the decision.
    assert_eq!(moderator.get("/admin/journal").await.0, 403);
    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "loc@caf33.caf.fr", &password).await;
    let (_, journal) = operator.get("/admin/journal").await;
    assert!(journal.contains("Contenu masqué") && journal.contains("mod@caf33.caf.fr"));
    // Participants, pseudonymised: the author's pseudonym and counts, never an address.
    let (status, people) = operator.get("/admin/participants").await;
    assert_eq!(status, 200);
    assert!(
        people.contains("<td>auteur</td><td>1</td>"),
        "pseudonym and one contribution"
    );
    assert!(!people.contains("@exemple.fr"), "no e-mail address");
}

#[tokio::test]
async fn the_database_refuses_what_the_application_role_must_not_do() {
    let app = TestApp::spawn().await;
    let pool = app.test_db.app_pool().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let national = tenant_id(&owner, "national").await;
    // A module may only be activated from the national space's context.
    let mut tx = ecoute::db::owner_tx_in(&pool, gironde).await.unwrap();
    let refused = sqlx::query("SELECT console_activate_module('pirate', '02', 'Pirate', '#003189', '#e1000f')")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("national space"), "{refused}");
    tx.rollback().await.unwrap();
    // Nor written directly.
    let refused = sqlx::query("UPDATE tenants SET status = 'suspended' WHERE id = $1")
        .bind(gironde)
        .execute(&pool)
        .await;
    assert!(refused.is_err());
    // The audit log only grows.
    let mut tx = ecoute::db::owner_tx_in(&pool, national).await.unwrap();
    sqlx::query("INSERT INTO audit_log (tenant_id, operator_email, action) VALUES ($1, 'x@cnaf.fr', 'test')")
        .bind(national)
        .execute(&mut *tx)
        .await
        .unwrap();
    let refused = sqlx::query("DELETE FROM audit_log").execute(&mut *tx).await;
    assert!(refused.is_err(), "no DELETE on the audit log");
    tx.rollback().await.unwrap();
    // Another space's console rows are invisible.
    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    assert!(!password.is_empty());
    let mut tx = ecoute::db::owner_tx_in(&pool, national).await.unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM operator_roles")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 0, "gironde's roles are not visible from the national space");
}
