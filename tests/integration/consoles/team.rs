//! Managing the team: a member's role changed, a member removed (their sessions end at once),
//! an invitation sent again or withdrawn; each once, audited, safe to repeat.

use crate::helpers::{TestApp, tenant_id};

use super::*;

async fn audit_count(owner: &sqlx::PgPool, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_operator_changes_a_role_and_removes_a_member_once_and_not_oneself() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let password = make_operator(&owner, "chef@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut chef = signed_in(&app, GIRONDE, "chef@caf33.caf.fr", &password).await;
    let password = make_operator(&owner, "modo@caf33.caf.fr", false, Some(("gironde", "moderator"))).await;
    let mut modo = signed_in(&app, GIRONDE, "modo@caf33.caf.fr", &password).await;
    assert_eq!(modo.get("/admin/moderation").await.0, 200);
    let member: uuid::Uuid = sqlx::query_scalar("SELECT id FROM operators WHERE email = 'modo@caf33.caf.fr'")
        .fetch_one(&owner)
        .await
        .unwrap();
    let me: uuid::Uuid = sqlx::query_scalar("SELECT id FROM operators WHERE email = 'chef@caf33.caf.fr'")
        .fetch_one(&owner)
        .await
        .unwrap();

    // The team page offers both actions for the others, none for oneself.
    let (_, page) = chef.get("/admin/equipe").await;
    assert!(page.contains(&format!("/admin/equipe/membres/{member}/role")), "{page}");
    assert!(
        !page.contains(&format!("/admin/equipe/membres/{me}/")),
        "not for oneself"
    );
    let csrf = chef.csrf("/admin/equipe").await;

    // Moderator → analyst: moderation closes to them at once. Twice: one audit line.
    let role = format!("/admin/equipe/membres/{member}/role");
    for _ in 0..2 {
        let (status, location, _) = chef.post_form(&role, &[("csrf", &csrf), ("role", "analyst")]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/admin/equipe?fait=role")));
    }
    assert_eq!(audit_count(&owner, "team.change_role").await, 1);
    assert_eq!(modo.get("/admin/moderation").await.0, 403);
    assert_eq!(
        chef.post_form(&role, &[("csrf", &csrf), ("role", "national_admin")])
            .await
            .0,
        400,
        "only local roles are given here"
    );
    let own = format!("/admin/equipe/membres/{me}/retrait");
    assert_eq!(chef.post_form(&own, &[("csrf", &csrf)]).await.0, 403, "not oneself");

    // Removed: their session here ends; a second click changes nothing more.
    let remove = format!("/admin/equipe/membres/{member}/retrait");
    for _ in 0..2 {
        let (status, location, _) = chef.post_form(&remove, &[("csrf", &csrf)]).await;
        assert_eq!(
            (status, location.as_deref()),
            (303, Some("/admin/equipe?fait=retrait_membre"))
        );
    }
    assert_eq!(audit_count(&owner, "team.remove_operator").await, 1);
    let sessions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM operator_sessions WHERE tenant_id = $1 AND operator_id = $2")
            .bind(gironde)
            .bind(member)
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(sessions, 0);
    assert_eq!(modo.get("/admin").await.0, 303, "sent to the sign-in page");
}

#[tokio::test]
async fn an_invitation_is_sent_again_with_a_new_link_then_withdrawn_once() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let password = make_operator(&owner, "chef@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut chef = signed_in(&app, GIRONDE, "chef@caf33.caf.fr", &password).await;
    let csrf = chef.csrf("/admin/equipe").await;
    // An invitation sent again gets a new link (the old one ends); then withdrawn.
    let (status, _, _) = chef
        .post_form(
            "/admin/equipe/invitations",
            &[("csrf", &csrf), ("email", "nouvelle@caf33.caf.fr"), ("role", "analyst")],
        )
        .await;
    assert_eq!(status, 303);
    let pending = || async {
        sqlx::query_scalar::<_, uuid::Uuid>(
            "SELECT id FROM operator_invitations
              WHERE email = 'nouvelle@caf33.caf.fr' AND accepted_at IS NULL AND expires_at > now()",
        )
        .fetch_all(&owner)
        .await
        .unwrap()
    };
    let first = pending().await;
    assert_eq!(first.len(), 1);
    let resend = format!("/admin/equipe/invitations/{}/relance", first[0]);
    let (status, location, _) = chef.post_form(&resend, &[("csrf", &csrf)]).await;
    assert_eq!((status, location.as_deref()), (303, Some("/admin/equipe?fait=relance")));
    let second = pending().await;
    assert_eq!(second.len(), 1);
    assert_ne!(second, first, "a new invitation, the old one ended");
    let (_, location, _) = chef.post_form(&resend, &[("csrf", &csrf)]).await;
    assert_eq!(
        location.as_deref(),
        Some("/admin/equipe?fait=invitation_close"),
        "the old one cannot be sent again"
    );
    let revoke = format!("/admin/equipe/invitations/{}/annulation", second[0]);
    for _ in 0..2 {
        let (status, location, _) = chef.post_form(&revoke, &[("csrf", &csrf)]).await;
        assert_eq!(
            (status, location.as_deref()),
            (303, Some("/admin/equipe?fait=annulation"))
        );
    }
    assert!(pending().await.is_empty());
    assert_eq!(audit_count(&owner, "team.revoke_invitation").await, 1);
    let (_, page) = chef.get("/admin/equipe?fait=annulation").await;
    assert!(page.contains("Invitation annulée"), "{page}");
}
