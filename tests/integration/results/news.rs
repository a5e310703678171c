//! News posts on a campaign: each follower gets it once, even when the post is edited.

use reqwest::Method;
use uuid::Uuid;

use crate::browser::Browser;
use crate::consoles::{make_operator, sign_in};
use crate::helpers::TestApp;

use super::*;

#[tokio::test]
async fn news_reaches_each_follower_once_even_when_the_post_is_edited() {
    let smtp = crate::smtp::SmtpSink::start().await;
    let app = TestApp::spawn_with_smtp(&smtp.url()).await;
    let owner = app.test_db.owner().await;
    let campaign = crate::helpers::insert_campaign(&owner, "gironde", "local", "Suivie").await;
    let slug: String = sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(campaign)
        .fetch_one(&owner)
        .await
        .unwrap();
    let news_page = format!("/consultations/{slug}/nouvelles");

    // Two people follow; an anonymous visitor is sent to sign in.
    for email in ["suit1@exemple.fr", "suit2@exemple.fr"] {
        let mut person = citizen(&app, "gironde", email).await;
        let csrf = person.csrf(&news_page).await;
        let (status, _, _) = person
            .post_form(&news_page, &[("csrf", &csrf), ("action", "suivre")])
            .await;
        assert_eq!(status, 303);
        let (_, html) = person.get(&news_page).await;
        assert!(html.contains("Vous recevez les nouvelles"));
    }
    let mut anonymous = Browser::new(&app, "gironde.localhost");
    let (_, html) = anonymous.get(&news_page).await;
    assert!(
        html.contains(&format!("/connexion?retour=/consultations/{slug}/nouvelles")),
        "signing in comes first"
    );

    let password = make_operator(&owner, "nouvelles@caf33.fr", false, Some(("gironde", "local_operator"))).await;
    let (mut operator, _, _) = sign_in(&app, "gironde.localhost", "nouvelles@caf33.fr", &password).await;
    let form = format!("/admin/campagnes/{campaign}/nouvelles");
    let csrf = operator.csrf(&format!("/admin/campagnes/{campaign}/resultats")).await;
    let (status, _, _) = operator
        .post_form(
            &form,
            &[
                ("csrf", &csrf),
                ("title", "Le formulaire unique arrive"),
                ("body", "Il sera en ligne **au printemps**."),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let arrived = crate::helpers::eventually(std::time::Duration::from_secs(10), || async {
        smtp.messages().len() == 2
    })
    .await;
    assert!(arrived, "one mail per follower: {}", smtp.messages().len());
    assert!(
        smtp.messages().iter().all(|m| m.data.contains("List-Unsubscribe")),
        "one-click unsubscribe"
    );

    // Editing the post tells nobody again; a new follower is told once.
    let post: Uuid = {
        let gironde = crate::helpers::tenant_id(&owner, "gironde").await;
        let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
        let id = sqlx::query_scalar("SELECT id FROM news_posts WHERE tenant_id = $1 AND campaign_id = $2")
            .bind(gironde)
            .bind(campaign)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        id
    };
    let post = post.to_string();
    let edit = [
        ("csrf", csrf.as_str()),
        ("id", post.as_str()),
        ("title", "Le formulaire unique arrive"),
        ("body", "Il sera en ligne **en avril**."),
    ];
    assert_eq!(operator.post_form(&form, &edit).await.0, 303);
    let mut late = citizen(&app, "gironde", "suit3@exemple.fr").await;
    let csrf_late = late.csrf(&news_page).await;
    late.post_form(&news_page, &[("csrf", &csrf_late), ("action", "suivre")])
        .await;
    assert_eq!(operator.post_form(&form, &edit).await.0, 303);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let recipients: Vec<String> = smtp.messages().iter().map(|m| m.to.join(",")).collect();
    assert_eq!(recipients.len(), 3, "{recipients:?}");
    assert_eq!(recipients.iter().filter(|r| r.contains("suit3@")).count(), 1);

    // The page and the API show the edited post.
    let (_, html) = anonymous.get(&news_page).await;
    assert!(html.contains("<strong>en avril</strong>"));
    let (status, api) = anonymous
        .api(Method::GET, &format!("/api/v1/campaigns/{slug}/news"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(api[0]["title"], "Le formulaire unique arrive");
}
