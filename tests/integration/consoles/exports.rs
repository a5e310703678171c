//! Exports from the console: one column per question, a BOM, and only for those allowed.

use reqwest::Method;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, session_for};

use super::*;

// Over 100 lines: responses from two spaces on the seeded demo are the one data set that the
// national export, the journal and the metering page are checked against; the moderator's refusal
// is checked on that same campaign.
#[tokio::test]
async fn exports_have_one_column_per_question_a_bom_and_only_for_those_allowed() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    ecoute::demo::seed(&owner).await.unwrap();
    let slug = "simplifier-les-demarches";
    let mut browser = Browser::new(&app, GIRONDE);
    browser.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "lecteur@exemple.fr").await,
    );
    let (_, questions) = browser
        .api(Method::GET, &format!("/api/v1/campaigns/{slug}/survey"), None)
        .await;
    let q: Vec<String> = questions
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_owned())
        .collect();
    let url = format!("/api/v1/campaigns/{slug}/survey/response");
    // From Gironde: "Oui", so the conditional question 2 is answered.
    let answers = serde_json::json!({"answers": {
        q[0].clone(): "Oui", q[1].clone(): ["Déclaration trimestrielle"], q[2].clone(): 4,
        q[5].clone(): "=1+1 n’est pas une formule"
    }});
    assert_eq!(browser.api(Method::PUT, &url, Some(answers)).await.0, 200);
    // From Aude: "Non", question 2 is not shown; its cell stays empty in its own column.
    let mut other = Browser::new(&app, "aude.localhost");
    other.set_cookie("ecoute_session", &session_for(&owner, "aude", "autre@exemple.fr").await);
    let answers = serde_json::json!({"answers": {q[0].clone(): "Non", q[2].clone(): 9}});
    assert_eq!(other.api(Method::PUT, &url, Some(answers)).await.0, 200);
    let body = serde_json::json!({"kind": "idee", "title": "Un justificatif en moins", "body": "Ne plus demander l’avis d’imposition."});
    assert_eq!(
        other
            .api(Method::POST, &format!("/api/v1/campaigns/{slug}/ideas"), Some(body))
            .await
            .0,
        201
    );

    // The national admin exports the national campaign.
    let password = make_operator(&owner, "nat@cnaf.fr", true, None).await;
    let mut admin = signed_in(&app, NATIONAL, "nat@cnaf.fr", &password).await;
    let (_, list) = admin.get("/admin/campagnes").await;
    let row = list
        .split("<tr>")
        .find(|row| row.contains("Simplifier vos démarches en ligne"))
        .expect("the campaign is listed");
    let id = extract(row, "href=\"/admin/campagnes/")
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let response = app
        .client
        .get(app.url(&format!("/admin/campagnes/{id}/export/reponses.csv")))
        .header("host", NATIONAL)
        .header(
            "cookie",
            format!("ecoute_console={}", admin.cookie("ecoute_console").unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("simplifier-les-demarches-reponses.csv")
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(';').collect()).collect();
    assert_eq!(lines.len(), 3, "a header and two respondents:\n{text}");
    assert_eq!(lines[0].len(), 3 + 6, "one column per question");
    assert!(lines[0][4].starts_with("2. Lesquelles"));
    let gironde_row = lines.iter().find(|l| l[1] == "gironde").unwrap();
    let aude_row = lines.iter().find(|l| l[1] == "aude").unwrap();
    assert_eq!(
        (gironde_row[3], gironde_row[4], gironde_row[5]),
        ("Oui", "Déclaration trimestrielle", "4")
    );
    assert_eq!(
        (aude_row[3], aude_row[4], aude_row[5]),
        ("Non", "", "9"),
        "the hidden question is an empty cell"
    );
    assert!(
        gironde_row[8].starts_with("'=1+1"),
        "no formula reaches the spreadsheet"
    );

    let (status, json) = admin
        .api(
            Method::GET,
            &format!("/admin/campagnes/{id}/export/contributions.json"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["titre"], "Un justificatif en moins");
    assert_eq!(rows[0]["espace"], "aude");
    assert_eq!(
        admin.get(&format!("/admin/campagnes/{id}/export/secrets.csv")).await.0,
        404
    );

    // A moderator may not export; the journal records the exports.
    let password = make_operator(&owner, "mod@cnaf.fr", false, Some(("national", "moderator"))).await;
    let mut moderator = signed_in(&app, NATIONAL, "mod@cnaf.fr", &password).await;
    assert_eq!(
        moderator
            .get(&format!("/admin/campagnes/{id}/export/reponses.csv"))
            .await
            .0,
        403
    );
    let (_, journal) = admin.get("/admin/journal").await;
    assert!(journal.contains("export.reponses") && journal.contains("export.contributions"));

    // The metering overview counts national campaigns' contributions in the national space
    // (tests/integration/metering/ checks the figures); a moderator may not open it.
    let (status, usage) = admin.get("/admin/compteurs").await;
    assert_eq!(status, 200);
    assert!(usage.contains("data-space=\"national\"") && usage.contains("data-space=\"aude\""));
    assert_eq!(moderator.get("/admin/compteurs").await.0, 403);
}
