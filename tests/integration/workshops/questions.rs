//! Recruitment questions in the console: a choice question with quotas, a text question, and
//! bad input explained.

use uuid::Uuid;

use crate::helpers::tenant_id;

use super::*;

// Over 100 lines: one question set followed end to end (added with bad input explained → quotas
// offered → answered by a volunteer → taken back before the draw, but not once answered); each step
// uses the questions the last one left.
#[tokio::test]
async fn an_operator_adds_a_choice_question_with_quotas_and_a_text_question_and_bad_input_is_explained() {
    let app = crate::helpers::TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let slug = campaign_with_recruitment(&app).await;
    let campaign: Uuid = sqlx::query_scalar("SELECT id FROM campaigns WHERE slug = $1")
        .bind(&slug)
        .fetch_one(&owner)
        .await
        .unwrap();
    let path = format!("/admin/campagnes/{campaign}/ateliers");
    let questions = format!("{path}/questions");

    let mut moderator = operator_browser(&app, "gironde", "moderator").await;
    let (_, page) = moderator.get("/admin").await;
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").expect("a form with a token");
    let (status, _, _) = moderator
        .post_form(
            &questions,
            &[("csrf", &csrf), ("q_label", "Transport"), ("q_kind", "text")],
        )
        .await;
    assert_eq!(status, 403);

    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let (_, page) = operator.get(&path).await;
    assert!(page.contains("Ajouter une question"));
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    // Without the token: refused, nothing added.
    let (status, _, _) = operator
        .post_form(&questions, &[("q_label", "Sans jeton"), ("q_kind", "text")])
        .await;
    assert!(status == 403 || status == 400, "{status}");
    // Invalid: each message next to its field, what was typed kept.
    let (status, _, page) = operator
        .post_form(
            &questions,
            &[
                ("csrf", &csrf),
                ("q_label", "Commune"),
                ("q_kind", "single"),
                ("q_options", "Voiture"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains(
        "<p class=\"error-message\" id=\"q_label-error\">Le questionnaire contient déjà une question avec cet intitulé.</p>"
    ));
    assert!(page.contains("id=\"q_options-error\">Un choix demande au moins 2 réponses possibles, une par ligne.</p>"));
    assert!(page.contains(">Voiture</textarea>"), "typed options are kept");
    assert!(page.contains("aria-invalid=\"true\""));
    // A NUL in the label: the message beside it, the entry kept without it.
    let (status, _, page) = operator
        .post_form(
            &questions,
            &[("csrf", &csrf), ("q_label", "Trans\u{0}port"), ("q_kind", "text")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("id=\"q_label-error\">Ce texte contient un caractère de contrôle non autorisé"));
    assert!(
        page.contains("value=\"Transport\""),
        "the label is kept, without the NUL"
    );

    let (status, location, _) = operator
        .post_form(
            &questions,
            &[
                ("csrf", &csrf),
                ("q_label", "Comment viendrez-vous ?"),
                ("q_kind", "single"),
                ("q_options", "Voiture\nTransports en commun\nÀ pied ou à vélo"),
                ("q_required", "oui"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.unwrap().contains("fait=question"));
    let (status, _, _) = operator
        .post_form(
            &questions,
            &[("csrf", &csrf), ("q_label", "Une remarque ?"), ("q_kind", "text")],
        )
        .await;
    assert_eq!(status, 303);

    // The console offers quotas on the choice question's answers, not on the text.
    let (_, page) = operator.get(&path).await;
    assert!(
        page.contains("Comment viendrez-vous ?</span> (choix unique, ajoutée par la Caf)"),
        "{page}"
    );
    assert!(page.contains("Une remarque ?</span> (texte court, ajoutée par la Caf)"));
    assert!(page.contains("name=\"q-min-custom_1-1\""), "a quota field per answer");
    assert!(!page.contains("q-min-custom_2-"), "no quota on a text question");
    // The volunteer sees and must answer it.
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let criteria: serde_json::Value =
        sqlx::query_scalar("SELECT criteria FROM workshop_recruitments WHERE campaign_id = $1")
            .bind(campaign)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'workshops.question'")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(audit, 2);
    let custom: Vec<&serde_json::Value> = criteria
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["key"].as_str().unwrap().starts_with("custom_"))
        .collect();
    assert_eq!(custom.len(), 2);
    assert_eq!(custom[0]["key"], "custom_1");
    assert_eq!(custom[0]["required"], true);
    assert_eq!(custom[0]["options"].as_array().unwrap().len(), 3);
    assert_eq!(custom[1]["kind"], "text");
    let session = crate::helpers::session_for(&owner, "gironde", "volontaire@example.org").await;
    let mut citizen = crate::browser::Browser::new(&app, "gironde.localhost");
    citizen.set_cookie("ecoute_session", &session);
    let (status, form) = citizen.get(&format!("/consultations/{slug}/ateliers")).await;
    assert_eq!(status, 200);
    assert!(form.contains("Comment viendrez-vous ?") && form.contains("Transports en commun"));

    // Before the draw, the operator can take one of their questions back; never a standard one.
    let remove = |key: &str| format!("{path}/questions/{key}/suppression");
    let (_, page) = operator.get(&path).await;
    assert!(
        page.contains(&format!("action=\"{}\"", remove("custom_2"))),
        "a remove button"
    );
    assert!(!page.contains(&format!("action=\"{}\"", remove("family_situation"))));
    let (status, _, _) = operator
        .post_form(&remove("family_situation"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 400, "the standard criteria stay");
    let (status, _, _) = operator.post_form(&remove("custom_9"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 404);
    let (status, _, _) = operator.post_form(&remove("custom_2"), &[]).await;
    assert!(status == 403 || status == 400, "no CSRF token: {status}");
    // A volunteer already answered both questions.
    let who = account(&owner, "deja@example.org").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let application: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, answers, consent_at)
         SELECT $1, id, $3, 'deja@example.org', '{\"custom_1\": \"Voiture\", \"custom_2\": \"Rien\"}', now()
           FROM workshop_recruitments WHERE campaign_id = $2 RETURNING id",
    )
    .bind(gironde)
    .bind(campaign)
    .bind(who)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (status, location, _) = operator.post_form(&remove("custom_2"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    assert!(location.unwrap().contains("fait=suppression"));
    let (_, page) = operator.get(&path).await;
    assert!(!page.contains("Une remarque ?"), "gone from the questionnaire");
    assert!(page.contains("Comment viendrez-vous ?"));
    let (_, form) = citizen.get(&format!("/consultations/{slug}/ateliers")).await;
    assert!(!form.contains("Une remarque ?"), "and from the volunteers' form");
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let removed: Vec<serde_json::Value> =
        sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'workshops.question_removed'")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    let answers: serde_json::Value = sqlx::query_scalar("SELECT answers FROM workshop_applications WHERE id = $1")
        .bind(application)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["key"], "custom_2");
    assert_eq!(removed[0]["answers_removed"], 1);
    assert_eq!(
        answers,
        serde_json::json!({"custom_1": "Voiture"}),
        "its answers went with it"
    );
}
