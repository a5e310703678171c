//! Volunteers apply to a recruitment: once, with consent, editable; the campaign page links to
//! the application page while it is open; profiles purged after the retention period.

use uuid::Uuid;

use crate::helpers::{TestDb, insert_campaign, tenant_id};

use super::*;

#[tokio::test]
async fn a_volunteer_applies_once_with_consent_edits_and_a_second_application_is_refused() {
    use crate::browser::{Browser, extract};
    let app = crate::helpers::TestApp::spawn().await;
    let slug = campaign_with_recruitment(&app).await;
    let owner = app.test_db.owner().await;
    let path = format!("/consultations/{slug}/ateliers");

    let mut anonymous = Browser::new(&app, "gironde.localhost");
    let (status, _) = anonymous.get(&path).await;
    assert_eq!(status, 303, "signed-in only");

    let mut person = Browser::new(&app, "gironde.localhost");
    person.set_cookie(
        "ecoute_session",
        &crate::helpers::session_for(&owner, "gironde", "lea@exemple.fr").await,
    );
    let (status, form) = person.get(&path).await;
    assert_eq!(status, 200);
    assert!(form.contains("Situation familiale") && form.contains("Atelier du matin"));
    assert!(
        form.contains("conservées 6 mois après la dernière séance"),
        "retention shown"
    );
    let csrf = extract(&form, "name=\"csrf\" value=\"").unwrap();
    let session_id = extract(&form, "name=\"sessions\" value=\"").unwrap();

    // No consent, a required answer missing: both explained, nothing stored.
    let (status, _, page) = person
        .post_form(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("application_id", ""),
                ("c-family_situation", "Parent seul avec enfant(s)"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Cochez la case de consentement"));
    assert!(page.contains("id=\"c-age_bracket-erreur\">Cette question est obligatoire."));
    assert!(
        page.contains("value=\"Parent seul avec enfant(s)\" checked"),
        "what was typed is kept"
    );

    let answers = [
        ("csrf", csrf.as_str()),
        ("application_id", ""),
        ("c-family_situation", "Parent seul avec enfant(s)"),
        ("c-children_count", "2"),
        ("c-benefit_recipient", "Oui"),
        ("c-benefits", "RSA"),
        ("c-departement", "33"),
        ("c-age_bracket", "30 à 39 ans"),
        ("sessions", session_id.as_str()),
        ("accessibility_needs", "Garde d’enfants"),
        ("consent", "oui"),
    ];
    let (status, location, _) = person.post_form(&path, &answers).await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some(format!("{path}?enregistre=1").as_str()));

    // A second application (an old tab without the application's id) gets a clear refusal.
    let (status, _, page) = person.post_form(&path, &answers).await;
    assert_eq!(status, 409);
    assert!(page.contains("Candidature déjà enregistrée"));

    // Editing the application.
    let (_, form) = person.get(&path).await;
    assert!(form.contains("vous pouvez la modifier"));
    let application_id = extract(&form, "name=\"application_id\" value=\"").unwrap();
    assert!(!application_id.is_empty());
    let mut edited = answers.to_vec();
    edited[1] = ("application_id", application_id.as_str());
    edited[7] = ("c-age_bracket", "40 à 49 ans");
    let (status, _, _) = person.post_form(&path, &edited).await;
    assert_eq!(status, 303);

    let gironde = tenant_id(&owner, "gironde").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let rows: Vec<(serde_json::Value, Vec<Uuid>)> =
        sqlx::query_as("SELECT answers, sessions FROM workshop_applications")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    assert_eq!(rows.len(), 1, "one application per person");
    assert_eq!(rows[0].0["age_bracket"], "40 à 49 ans");
    assert_eq!(rows[0].0["benefits"], serde_json::json!(["RSA"]));
    assert_eq!(rows[0].1.len(), 1);
}

#[tokio::test]
async fn profiles_are_purged_after_the_retention_period_keeping_anonymous_counts_and_an_audit_line() {
    use ecoute::workshops::retention::{AUDIT_ACTOR, purge_expired};
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let app = test_db.app_pool().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let criteria = serde_json::to_value(ecoute::workshops::criteria::standard_criteria(&["33".into()])).unwrap();
    let mut recruitments = Vec::new();
    // One whose last session ended 7 months ago, one a month ago (6 months' retention each).
    for (n, ended) in [(0, "7 months"), (1, "1 month")] {
        let campaign = insert_campaign(&owner, "gironde", "local", &format!("Ateliers {n}")).await;
        let who = account(&owner, &format!("v{n}@example.org")).await;
        let mut tx = in_space(&app, gironde).await;
        let recruitment: Uuid = sqlx::query_scalar(
            "INSERT INTO workshop_recruitments (tenant_id, campaign_id, criteria) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(gironde)
        .bind(campaign)
        .bind(&criteria)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO workshop_sessions (tenant_id, recruitment_id, title, caf_name, place, address, starts_at, ends_at, capacity)
             VALUES ($1, $2, 'Atelier', 'Caf', 'Lieu', 'Adresse', now() - $3::text::interval - interval '2 hours', now() - $3::text::interval, 10)",
        )
        .bind(gironde)
        .bind(recruitment)
        .bind(ended)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, answers, consent_at)
             VALUES ($1, $2, $3, 'v@example.org', $4, now())",
        )
        .bind(gironde)
        .bind(recruitment)
        .bind(who)
        .bind(serde_json::json!({"family_situation": "Parent seul avec enfant(s)", "benefits": ["RSA"], "commune": "Bègles"}))
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        recruitments.push(recruitment);
    }

    let db = ecoute::tenancy::TenantDb::new(app.clone());
    let purged = purge_expired(&db, chrono::Utc::now()).await.unwrap();
    assert_eq!(purged.len(), 1, "{purged:?}");
    assert_eq!(purged[0].recruitment_id, recruitments[0]);
    assert_eq!(purged[0].applications, 1);

    let mut tx = in_space(&app, gironde).await;
    let left: Vec<Uuid> = sqlx::query_scalar("SELECT recruitment_id FROM workshop_applications")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        left,
        vec![recruitments[1]],
        "only the recent recruitment keeps its profiles"
    );
    let counts: serde_json::Value =
        sqlx::query_scalar("SELECT anonymous_counts FROM workshop_recruitments WHERE id = $1")
            .bind(recruitments[0])
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!(counts["applications"], 1);
    assert_eq!(counts["answers"]["family_situation"]["Parent seul avec enfant(s)"], 1);
    assert_eq!(counts["answers"]["benefits"]["RSA"], 1);
    assert!(
        !counts.to_string().contains("Bègles"),
        "free text is not kept: {counts}"
    );
    let audit: Vec<(String, String)> =
        sqlx::query_as("SELECT operator_email, action FROM audit_log WHERE action = 'workshops.purge'")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    assert_eq!(audit, vec![(AUDIT_ACTOR.to_owned(), "workshops.purge".to_owned())]);
    tx.commit().await.unwrap();

    // A second pass has nothing left to do.
    assert!(purge_expired(&db, chrono::Utc::now()).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_campaign_page_links_to_the_application_page_while_a_recruitment_is_open() {
    let app = crate::helpers::TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Ateliers familles").await;
    let slug: String = sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(campaign)
        .fetch_one(&owner)
        .await
        .unwrap();
    let public = format!("/consultations/{slug}");
    let link = format!("href=\"/consultations/{slug}/ateliers\"");
    let (status, page) = app.get_text("gironde.localhost", &public).await;
    assert_eq!(status, 200);
    assert!(!page.contains(&link), "no recruitment, no link");

    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let path = format!("/admin/campagnes/{campaign}/ateliers");
    let (_, console) = operator.get(&path).await;
    let csrf = crate::browser::extract(&console, "name=\"csrf\" value=\"").unwrap();
    let (status, _, _) = operator.post_form(&path, &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    let (status, page) = app.get_text("gironde.localhost", &public).await;
    assert_eq!(status, 200);
    assert!(page.contains(&link), "{page}");
    assert!(page.contains("Proposer ma participation"));
    // The link leads somewhere: the application page answers.
    let (status, _) = app.get_text("gironde.localhost", &format!("{public}/ateliers")).await;
    assert!(status == 200 || status == 303, "{status}");
    // Another space does not see this space's recruitment on a page of its own.
    let (_, elsewhere) = app.get_text("aude.localhost", &public).await;
    assert!(!elsewhere.contains(&link));

    // Closed (here by the owner, as another instance would): every instance drops its copy.
    let gironde = tenant_id(&owner, "gironde").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query("UPDATE workshop_recruitments SET open = false WHERE campaign_id = $1")
        .bind(campaign)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        crate::helpers::eventually(std::time::Duration::from_secs(10), || async {
            !app.get_text("gironde.localhost", &public).await.1.contains(&link)
        })
        .await,
        "the link goes once the recruitment closes"
    );
}
