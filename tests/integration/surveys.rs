//! Surveys through pages and the API: every question kind, conditions, one editable response,
//! atomic storage, anonymous responses, and the refusals.

use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, session_for, tenant_id};

/// The national demo campaign with its six-question survey (seeded by `ecoute demo`).
async fn demo_survey(app: &TestApp) -> (String, Vec<serde_json::Value>) {
    let owner = app.test_db.owner().await;
    ecoute::demo::seed(&owner).await.unwrap();
    let slug = "simplifier-les-demarches".to_owned();
    let mut browser = Browser::new(app, "gironde.localhost");
    browser.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "lecteur@exemple.fr").await,
    );
    let (status, questions) = browser
        .api(Method::GET, &format!("/api/v1/campaigns/{slug}/survey"), None)
        .await;
    assert_eq!(status, 200);
    (slug, questions.as_array().unwrap().clone())
}

fn id(q: &serde_json::Value) -> String {
    q["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_response_through_the_api_is_validated_stored_and_editable() {
    let app = TestApp::spawn().await;
    let (slug, q) = demo_survey(&app).await;
    assert_eq!(q.len(), 6);
    let kinds: Vec<&str> = q.iter().map(|q| q["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "single_choice",
            "multiple_choice",
            "scale",
            "ranking",
            "short_text",
            "long_text"
        ]
    );
    let owner = app.test_db.owner().await;
    let mut person = Browser::new(&app, "gironde.localhost");
    person.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "marie@exemple.fr").await,
    );
    let url = format!("/api/v1/campaigns/{slug}/survey/response");
    assert_eq!(person.api(Method::GET, &url, None).await.0, 404, "no response yet");

    // Required questions missing, a bad option, a scale out of range, an unknown question.
    let bad = json!({"answers": {
        id(&q[1]): ["Déclaration trimestrielle", "Inventé"],
        id(&q[2]): 12,
        Uuid::new_v4().to_string(): "x"
    }});
    let (status, problem) = person.api(Method::PUT, &url, Some(bad)).await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<String> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert!(fields.contains(&id(&q[0])), "required single choice");
    assert!(fields.contains(&id(&q[2])), "scale out of range");
    assert_eq!(fields.len(), 3, "{problem}");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM survey_responses")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(count, 0, "nothing stored from a refused submission");

    let good = json!({"answers": {
        id(&q[0]): "Oui",
        id(&q[1]): ["Prise de rendez-vous", "Déclaration trimestrielle"],
        id(&q[2]): 4,
        id(&q[3]): ["Un rappel avant chaque échéance", "Des formulaires plus courts", "Un suivi de dossier en temps réel"],
        id(&q[4]): "  Logement ",
        id(&q[5]): "Le justificatif a été refusé sans explication."
    }});
    let (status, saved) = person.api(Method::PUT, &url, Some(good)).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["version"], 1);
    assert_eq!(
        saved["answers"][id(&q[1])],
        json!(["Déclaration trimestrielle", "Prise de rendez-vous"]),
        "kept in option order"
    );
    assert_eq!(saved["answers"][id(&q[4])], "Logement");

    // Editing: answering "Non" hides the conditional question, whose old answer goes away.
    let edit = json!({"answers": {id(&q[0]): "Non", id(&q[1]): ["Prise de rendez-vous"], id(&q[2]): 9}});
    let (status, saved) = person.api(Method::PUT, &url, Some(edit)).await;
    assert_eq!((status, saved["version"].as_i64()), (200, Some(2)));
    let (_, current) = person.api(Method::GET, &url, None).await;
    assert_eq!(current["answers"].as_object().unwrap().len(), 2);
    assert_eq!(current["answers"][id(&q[2])], 9);

    // One current response per person; the stored response is linked to the account (not anonymous).
    let national = tenant_id(&owner, "national").await;
    let gironde = tenant_id(&owner, "gironde").await;
    let rows: Vec<(Uuid, Uuid, Option<Uuid>, i32)> = sqlx::query_as(
        "SELECT tenant_id, origin_tenant_id, account_id, version FROM survey_responses ORDER BY version",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|(t, o, a, _)| *t == national && *o == gironde && a.is_some())
    );
}

#[tokio::test]
async fn the_survey_form_works_without_javascript_and_explains_errors() {
    let app = TestApp::spawn().await;
    let (slug, q) = demo_survey(&app).await;
    let owner = app.test_db.owner().await;
    let mut person = Browser::new(&app, "gironde.localhost");
    person.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "paul@exemple.fr").await,
    );
    let path = format!("/consultations/{slug}/questionnaire");
    let (status, form) = person.get(&path).await;
    assert_eq!(status, 200);
    assert!(form.contains("Répondez seulement si vous avez répondu « Oui » à la question 1."));
    let csrf = extract(&form, "name=\"csrf\" value=\"").unwrap();
    let key = extract(&form, "name=\"submission_key\" value=\"").unwrap();

    // The scale question (required) is missing; a ranking gives the same rank twice.
    let f = |q: &serde_json::Value| format!("q-{}", id(q));
    let (r0, r1, r2) = (
        format!("{}-rang-0", f(&q[3])),
        format!("{}-rang-1", f(&q[3])),
        format!("{}-rang-2", f(&q[3])),
    );
    let fields = vec![
        ("csrf", csrf.clone()),
        ("submission_key", key.clone()),
        (&*f(&q[0]), "Oui".to_owned()),
        (&*r0, "1".into()),
        (&*r1, "1".into()),
        (&*r2, "2".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect::<Vec<_>>();
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _, page) = person.post_form(&path, &borrowed).await;
    assert_eq!(status, 422);
    assert!(
        page.contains(&format!("id=\"{}-erreur\">Ce champ est obligatoire.", f(&q[2]))),
        "error next to the scale"
    );
    assert!(page.contains(&format!(
        "id=\"{}-erreur\">Donnez un rang différent à chaque proposition.",
        f(&q[3])
    )));
    assert!(page.contains("value=\"Oui\" checked"), "what was typed is kept");

    let q0 = f(&q[0]);
    let q1 = f(&q[1]);
    let q2 = f(&q[2]);
    let fields = [
        ("csrf", csrf.as_str()),
        ("submission_key", key.as_str()),
        (q0.as_str(), "Oui"),
        (q1.as_str(), "Envoi d’un justificatif"),
        (q1.as_str(), "Prise de rendez-vous"),
        (q2.as_str(), "7"),
        (r0.as_str(), "2"),
        (r1.as_str(), "3"),
        (r2.as_str(), "1"),
    ];
    let (status, location, _) = person.post_form(&path, &fields).await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some(format!("{path}?enregistre=1").as_str()));
    // A double submission (same form) stores nothing more.
    let (status, _, _) = person.post_form(&path, &fields).await;
    assert_eq!(status, 303);
    let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM survey_responses")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(versions, 1);

    let (_, campaign_page) = person.get(&format!("/consultations/{slug}")).await;
    assert!(
        campaign_page.contains("Voir ou modifier mes réponses"),
        "the campaign page knows I answered"
    );
    let (_, again) = person.get(&format!("{path}?enregistre=1")).await;
    assert!(again.contains("Vos réponses ont été enregistrées"));
    assert!(
        again.contains("value=\"7\" checked") && again.contains("value=\"Prise de rendez-vous\" checked"),
        "the form shows my answers"
    );
    let (_, api) = person
        .api(Method::GET, &format!("/api/v1/campaigns/{slug}/survey/response"), None)
        .await;
    assert_eq!(
        api["answers"][id(&q[3])],
        json!([
            "Un rappel avant chaque échéance",
            "Des formulaires plus courts",
            "Un suivi de dossier en temps réel"
        ])
    );
}

#[tokio::test]
async fn closed_or_anonymous_surveys_and_other_spaces() {
    let app = TestApp::spawn().await;
    let (slug, q) = demo_survey(&app).await;
    let owner = app.test_db.owner().await;
    sqlx::query("UPDATE campaigns SET anonymous_responses = true WHERE slug = $1")
        .bind(&slug)
        .execute(&owner)
        .await
        .unwrap();
    let mut person = Browser::new(&app, "aude.localhost");
    person.set_cookie("ecoute_session", &session_for(&owner, "aude", "anne@exemple.fr").await);
    let url = format!("/api/v1/campaigns/{slug}/survey/response");
    let answers = json!({"answers": {id(&q[0]): "Non", id(&q[2]): 5}});
    assert_eq!(person.api(Method::PUT, &url, Some(answers.clone())).await.0, 200);
    let account: Option<Uuid> = sqlx::query_scalar("SELECT account_id FROM survey_responses")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(account, None, "anonymous: no account stored");
    let (_, mine) = person.api(Method::GET, &url, None).await;
    assert_eq!(mine["answers"][id(&q[2])], 5, "yet the person finds their own answers");

    // The same person from another space cannot start a second response.
    let mut elsewhere = Browser::new(&app, "gironde.localhost");
    elsewhere.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "anne@exemple.fr").await,
    );
    assert_eq!(elsewhere.api(Method::PUT, &url, Some(answers.clone())).await.0, 409);

    // Closed: no more answers, and the page says so.
    sqlx::query("UPDATE campaigns SET opens_at = now() - interval '60 days', closes_at = now() - interval '1 day' WHERE slug = $1")
        .bind(&slug)
        .execute(&owner)
        .await
        .unwrap();
    let (status, problem) = person.api(Method::PUT, &url, Some(answers)).await;
    assert_eq!(status, 409, "{problem}");
    let (_, page) = person.get(&format!("/consultations/{slug}/questionnaire")).await;
    assert!(page.contains("Ce questionnaire est fermé"));

    // A space's local survey is not reachable from another space.
    let mut gironde = Browser::new(&app, "gironde.localhost");
    gironde.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "gaston@exemple.fr").await,
    );
    sqlx::query("UPDATE campaigns SET has_survey = true WHERE slug = 'logement-jeunes'")
        .execute(&owner)
        .await
        .unwrap();
    assert_eq!(
        gironde
            .api(Method::GET, "/api/v1/campaigns/logement-jeunes/survey", None)
            .await
            .0,
        404
    );
}
