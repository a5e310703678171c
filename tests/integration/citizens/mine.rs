//! "Mes contributions": everything a person gave in the space, each with where it stands.

use uuid::Uuid;

use crate::helpers::{as_owner, tenant_id};

use super::*;

// Over 100 lines: one person's contributions of every kind and status, set up then read back.
#[tokio::test]
async fn my_contributions_lists_everything_with_its_status() {
    let app = TestApp::spawn().await;
    let mut author = signed_in(&app, "autrice@exemple.fr").await;
    let mut reader = signed_in(&app, "lecteur@exemple.fr").await;
    let (status, _) = Browser::new(&app, "gironde.localhost")
        .get("/compte/contributions")
        .await;
    assert_eq!(status, 303, "to the sign-in page");

    let (slug, kept) = idea_of(&app, &mut author, "Des guichets le samedi").await;
    let (_, gone) = idea_of(&app, &mut author, "Une idée retirée ensuite").await;
    let (status, _) = author.api(Method::DELETE, &format!("/api/v1/ideas/{gone}"), None).await;
    assert_eq!(status, 204);
    let mine = comment_on(&mut author, &kept, "Je précise : le matin.").await;
    let hidden = comment_on(&mut author, &kept, "Un commentaire que la modération masque.").await;
    let _ = comment_on(&mut reader, &kept, "Le commentaire de quelqu’un d’autre.").await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign: Uuid = sqlx::query_scalar("SELECT id FROM campaigns WHERE slug = $1")
        .bind(&slug)
        .fetch_one(&owner)
        .await
        .unwrap();
    as_owner(
        &owner,
        gironde,
        format!(
            "UPDATE idea_comments SET status = 'hidden', hidden_by = 'moderation', hidden_reason = 'insults' WHERE id = '{hidden}';
             INSERT INTO survey_responses (tenant_id, campaign_id, origin_tenant_id, respondent_key, version, account_id, submission_key)
             SELECT '{gironde}', '{campaign}', '{gironde}', '\\x01', 1, id, gen_random_uuid() FROM accounts WHERE email = 'autrice@exemple.fr';
             WITH r AS (INSERT INTO workshop_recruitments (tenant_id, campaign_id) VALUES ('{gironde}', '{campaign}') RETURNING id)
             INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, consent_at)
             SELECT '{gironde}', r.id, a.id, a.email, now() FROM r, accounts a WHERE a.email = 'autrice@exemple.fr';"
        ),
    )
    .await;

    let (status, html) = author.get("/compte/contributions").await;
    assert_eq!(status, 200);
    let item = |marker: &str| {
        let start = html.find(marker).unwrap_or_else(|| panic!("{marker} in {html}"));
        html[start..].split("</li>").next().unwrap().to_owned()
    };
    let published = item(&format!("idees/{kept}\""));
    assert!(
        published.contains("Des guichets le samedi") && published.contains(">Publiée<"),
        "{published}"
    );
    let withdrawn = item(&format!("idees/{gone}\""));
    assert!(
        withdrawn.contains(">Retirée<") && !withdrawn.contains("Une idée retirée"),
        "{withdrawn}"
    );
    let comment = item(&format!("?commentaire={mine}#commentaire-{mine}\""));
    assert!(comment.contains("Je précise : le matin.") && comment.contains("Sur « Des guichets le samedi »"));
    let masked = item(&format!("#commentaire-{hidden}\""));
    assert!(
        masked.contains(">Masquée par la modération<")
            && masked.contains("Motif : propos injurieux")
            && !masked.contains("que la modération masque"),
        "{masked}"
    );
    assert!(!html.contains("quelqu’un d’autre"), "only the person's own");
    assert!(
        html.contains("Réponses enregistrées") && html.contains("Candidature enregistrée"),
        "{html}"
    );
}
