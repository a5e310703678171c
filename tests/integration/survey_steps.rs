//! Conditional questions without JavaScript: the demo survey's question 2 ("Lesquelles ?") is
//! shown only after "Oui" to question 1, so the form comes in two steps. "Continuer" checks the
//! first step and shows the second with what the answers call for; nothing is stored until the
//! last step is sent, and an answer to a question left hidden is not stored.

use reqwest::Method;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, session_for};

/// Whether the question's fieldset is on the page but hidden (and its fields not sent).
fn hidden(html: &str, field: &str) -> bool {
    let at = html
        .find(&format!("data-field=\"{field}\""))
        .unwrap_or_else(|| panic!("no fieldset for {field}"));
    let tag = &html[at..at + html[at..].find('>').unwrap()];
    tag.contains(" hidden disabled")
}

async fn post(person: &mut Browser<'_>, path: &str, fields: &[(String, String)]) -> (u16, String) {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _, html) = person.post_form(path, &borrowed).await;
    (status, html)
}

// Over 100 lines: one person through both steps, the condition first unmet then met, and the
// answer to the question left hidden dropped at the end.
#[tokio::test]
async fn a_conditional_question_comes_in_the_next_step_and_only_when_its_answer_calls_for_it() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    ecoute::demo::seed(&owner).await.unwrap();
    let slug = "simplifier-les-demarches";
    let mut person = Browser::new(&app, "gironde.localhost");
    person.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "etapes@exemple.fr").await,
    );
    let (_, questions) = person
        .api(Method::GET, &format!("/api/v1/campaigns/{slug}/survey"), None)
        .await;
    let field = |i: usize| format!("q-{}", questions[i]["id"].as_str().unwrap());
    let path = format!("/consultations/{slug}/questionnaire");

    // Step 1 of 2: question 1 alone; the rest waits, and "Continuer" replaces "Envoyer".
    let (status, form) = person.get(&path).await;
    assert_eq!(status, 200);
    assert!(!hidden(&form, &field(0)));
    assert!(hidden(&form, &field(1)) && hidden(&form, &field(2)), "later steps wait");
    assert!(form.contains("Étape 1 sur 2"));
    assert!(form.contains("name=\"etape\" value=\"1\""));
    assert!(form.contains("class=\"button survey-submit\" hidden"));
    let csrf = extract(&form, "name=\"csrf\" value=\"").unwrap();
    let key = extract(&form, "name=\"submission_key\" value=\"").unwrap();
    let base = vec![("csrf".to_owned(), csrf), ("submission_key".to_owned(), key)];
    let with = |extra: &[(String, &str)]| {
        let mut fields = base.clone();
        fields.extend(extra.iter().map(|(k, v)| (k.clone(), v.to_string())));
        fields
    };

    // "Continuer" without the required answer: step 1 again, with the error.
    let (status, page) = post(&mut person, &path, &with(&[("etape".into(), "1")])).await;
    assert_eq!(status, 422);
    assert!(page.contains(&format!("id=\"{}-erreur\">Ce champ est obligatoire.", field(0))));
    assert!(hidden(&page, &field(2)), "still step 1");

    // "Non": step 2 without "Lesquelles ?"; nothing stored yet.
    let (status, page) = post(&mut person, &path, &with(&[(field(0), "Non"), ("etape".into(), "1")])).await;
    assert_eq!(status, 200);
    assert!(hidden(&page, &field(1)), "the condition is not met");
    assert!(!hidden(&page, &field(2)), "the next step is shown");
    assert!(page.contains("value=\"Non\" checked"), "the first answer is kept");
    assert!(
        !page.contains("name=\"etape\" value=\"2\""),
        "the last step has no Continuer"
    );
    assert!(
        page.contains("name=\"etape\" value=\"1\""),
        "but the questions can follow a changed answer"
    );
    assert!(page.contains("class=\"button survey-submit\">"));
    let stored = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM survey_responses")
            .fetch_one(&owner)
            .await
            .unwrap()
    };
    assert_eq!(stored().await, 0, "a step stores nothing");

    // "Oui" (changed on the last step, "Actualiser"): the conditional question appears.
    let (status, page) = post(&mut person, &path, &with(&[(field(0), "Oui"), ("etape".into(), "1")])).await;
    assert_eq!(status, 200);
    assert!(!hidden(&page, &field(1)), "the condition is met");

    // Sent with "Non" and an answer to "Lesquelles ?" (a stale field): that answer is dropped.
    let ranks: Vec<(String, &str)> = (0..3)
        .map(|i| (format!("{}-rang-{i}", field(3)), ["1", "2", "3"][i]))
        .collect();
    let mut last = vec![(field(0), "Non"), (field(1), "Prise de rendez-vous"), (field(2), "6")];
    last.extend(ranks);
    let fields = with(&last);
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, location, _) = person.post_form(&path, &borrowed).await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some(format!("{path}?enregistre=1").as_str()));
    assert_eq!(stored().await, 1);
    let (_, response) = person
        .api(Method::GET, &format!("/api/v1/campaigns/{slug}/survey/response"), None)
        .await;
    let answers = &response["answers"];
    assert_eq!(answers[questions[0]["id"].as_str().unwrap()], "Non");
    assert!(answers.get(questions[1]["id"].as_str().unwrap()).is_none(), "{answers}");

    // Answered: every step is on the page, to change any answer.
    let (_, again) = person.get(&path).await;
    assert!(!hidden(&again, &field(2)) && !again.contains("Étape 1 sur 2"));
    assert!(hidden(&again, &field(1)), "still not called for");
}
