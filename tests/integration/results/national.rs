//! The national results flow: roll-up of every space and each Caf's own share, from the figures
//! and charts to publication, decisions and the API.
//!
//! Over 15 KB: the file is that one test, a single flow whose steps each build on the last (see
//! the reason above it); splitting the file would mean splitting the flow.

use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::browser::{Browser, extract};
use crate::consoles::{make_operator, sign_in};
use crate::helpers::TestApp;

use super::*;

// Over 100 lines: one national campaign's results end to end (publication refused, early,
// withdrawn → answers from two spaces, one edited → roll-up and each Caf's share → charts → decisions
// → infographic and PDF → open data → API); every figure is checked against the answers given
// above it.
#[tokio::test]
async fn national_results_roll_up_every_space_and_each_caf_sees_its_own_share() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    ecoute::demo::seed(&owner).await.unwrap();
    let password = make_operator(&owner, "resultats@cnaf.fr", true, None).await;
    let (mut admin, _, _) = sign_in(&app, "localhost", "resultats@cnaf.fr", &password).await;
    let campaign: Uuid = sqlx::query_scalar("SELECT id FROM campaigns WHERE slug = $1")
        .bind(SLUG)
        .fetch_one(&owner)
        .await
        .unwrap();

    // Not published yet: no page, no API.
    let mut visitor = Browser::new(&app, "gironde.localhost");
    assert_eq!(visitor.get(&format!("/consultations/{SLUG}/resultats")).await.0, 404);

    // The campaign is open: publishing is refused unless early publication is chosen.
    let page = format!("/admin/campagnes/{campaign}/resultats");
    let (status, html) = admin.get(&page).await;
    assert_eq!(status, 200, "{html}");
    let csrf = admin.csrf(&page).await;
    let synthesis = "## Ce que vous avez dit\n\nLes démarches doivent être **plus courtes**.<script>alert(1)</script>";
    let (status, _, body) = admin
        .post_form(
            &page,
            &[("csrf", &csrf), ("action", "publier"), ("synthesis", synthesis)],
        )
        .await;
    assert_eq!(status, 409);
    assert!(body.contains("encore ouverte"));
    let (status, _, _) = admin
        .post_form(
            &page,
            &[
                ("csrf", &csrf),
                ("action", "publier"),
                ("synthesis", synthesis),
                ("early", "on"),
            ],
        )
        .await;
    assert_eq!(status, 303);

    let (status, before) = visitor.get(&format!("/consultations/{SLUG}/resultats")).await;
    assert_eq!(status, 200);
    assert!(
        before.contains("Résultats publiés avant la clôture"),
        "early publication is shown"
    );
    assert!(
        before.contains("<strong>plus courtes</strong>") && !before.contains("<script>alert"),
        "sanitised synthesis"
    );
    let (before_participants, before_responses, before_ideas) = (
        figure(&before, "participants"),
        figure(&before, "responses"),
        figure(&before, "ideas"),
    );
    let gironde_before = extract(&before, "id=\"own-share\">").is_some();
    assert!(
        gironde_before,
        "a local space sees its own share of a national campaign"
    );

    // Published results end participation; withdrawn, the campaign is open again.
    let (status, _, _) = admin.post_form(&page, &[("csrf", &csrf), ("action", "retirer")]).await;
    assert_eq!(status, 303);
    assert_eq!(visitor.get(&format!("/consultations/{SLUG}/resultats")).await.0, 404);

    // Two people answer from Gironde, one from Aude who also posts an idea.
    let (_, questions) = visitor
        .api(Method::GET, &format!("/api/v1/campaigns/{SLUG}/survey"), None)
        .await;
    let questions = questions.as_array().unwrap().clone();
    let mut g1 = citizen(&app, "gironde", "g1.resultats@exemple.fr").await;
    let mut g2 = citizen(&app, "gironde", "g2.resultats@exemple.fr").await;
    let mut a1 = citizen(&app, "aude", "a1.resultats@exemple.fr").await;
    answer(&mut g1, &questions, 0, 5).await;
    answer(&mut g2, &questions, 0, 4).await;
    answer(&mut a1, &questions, 1, 2).await;
    // Editing an answer is not a new respondent.
    answer(&mut g2, &questions, 1, 3).await;
    let (status, idea) = a1
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{SLUG}/ideas"),
            Some(json!({"kind": "idee", "title": "Un seul formulaire", "body": "Un seul formulaire pour toutes les aides."})),
        )
        .await;
    assert_eq!(status, 201);
    let aude_idea = idea["id"].as_str().unwrap().to_owned();
    let (status, _, _) = admin
        .post_form(
            &page,
            &[
                ("csrf", &csrf),
                ("action", "publier"),
                ("synthesis", synthesis),
                ("early", "on"),
            ],
        )
        .await;
    assert_eq!(status, 303);

    // The national page counts every space; figures moved by exactly what was done.
    let mut national = Browser::new(&app, "localhost");
    let (_, after) = national.get(&format!("/consultations/{SLUG}/resultats")).await;
    assert_eq!(figure(&after, "participants"), before_participants + 3);
    assert_eq!(figure(&after, "responses"), before_responses + 3);
    assert_eq!(figure(&after, "ideas"), before_ideas + 1);
    assert!(
        !after.contains("id=\"own-share\""),
        "the national space has no share of its own"
    );
    // Against the database: distinct current respondents of the campaign.
    let national_id = crate::helpers::tenant_id(&owner, "national").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, national_id).await.unwrap();
    let respondents: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT respondent_key) FROM survey_responses WHERE tenant_id = $1 AND campaign_id = $2",
    )
    .bind(national_id)
    .bind(campaign)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(figure(&after, "responses"), respondents);

    // Each Caf sees the whole roll-up and its own share, computed from its own rows.
    let (_, gironde_page) = visitor.get(&format!("/consultations/{SLUG}/resultats")).await;
    assert_eq!(figure(&gironde_page, "responses"), respondents);
    let share = extract(&gironde_page, "id=\"own-share\">").unwrap();
    let own: Vec<i64> = share
        .split("<strong>")
        .skip(1)
        .filter_map(|s| s.split('<').next()?.parse().ok())
        .collect();
    let mut aude_visitor = Browser::new(&app, "aude.localhost");
    let (_, aude_page) = aude_visitor.get(&format!("/consultations/{SLUG}/resultats")).await;
    let aude_share = extract(&aude_page, "id=\"own-share\">").unwrap();
    let aude_own: Vec<i64> = aude_share
        .split("<strong>")
        .skip(1)
        .filter_map(|s| s.split('<').next()?.parse().ok())
        .collect();
    assert!(own[0] >= 2, "gironde's two respondents: {own:?}");
    assert!(
        aude_own[0] >= 1 && aude_own[1] >= 2,
        "aude: a person, a response and an idea: {aude_own:?}"
    );

    // Every chart is well-formed SVG with a title and a description; each has its data table.
    let svgs: Vec<&str> = after
        .split("<svg")
        .skip(1)
        .map(|s| s.split("</svg>").next().unwrap())
        .collect();
    assert_eq!(svgs.len(), 4, "four charted questions (two texts have none)");
    for svg in &svgs {
        let xml = format!("<svg{svg}</svg>");
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("invalid SVG ({e}): {xml}"));
        let root = doc.root_element();
        assert_eq!(root.attribute("role"), Some("img"));
        let names: Vec<&str> = root
            .children()
            .filter(|n| n.is_element())
            .map(|n| n.tag_name().name())
            .collect();
        assert_eq!(&names[..2], ["title", "desc"], "title and desc first");
    }
    assert_eq!(after.matches("Voir les données du graphique").count(), 4);

    // Decisions: another space's idea is refused; the campaign's own idea is linked.
    let gironde_campaign = crate::helpers::insert_campaign(&owner, "gironde", "local", "Locale").await;
    let gironde_slug: String = sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(gironde_campaign)
        .fetch_one(&owner)
        .await
        .unwrap();
    let (_, local_idea) = g1
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{gironde_slug}/ideas"),
            Some(json!({"kind": "idee", "title": "Idée girondine", "body": "Une idée de Gironde seulement."})),
        )
        .await;
    let local_idea = local_idea["id"].as_str().unwrap().to_owned();
    let decisions = format!("/admin/campagnes/{campaign}/decisions");
    let (status, _, body) = admin
        .post_form(
            &decisions,
            &[
                ("csrf", &csrf),
                ("title", "Un formulaire unique"),
                ("status", "adoptee"),
                ("explanation", "Un seul formulaire en 2027."),
                ("ideas", &local_idea),
            ],
        )
        .await;
    assert_eq!(status, 422, "another space's idea is refused");
    assert!(body.contains("n’appartient pas à cette consultation"));
    let (status, _, _) = admin
        .post_form(
            &decisions,
            &[
                ("csrf", &csrf),
                ("title", "Un formulaire unique"),
                ("status", "adoptee"),
                ("explanation", "Un seul formulaire en 2027."),
                ("ideas", &aude_idea),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, with_decision) = aude_visitor.get(&format!("/consultations/{SLUG}/resultats")).await;
    assert!(with_decision.contains("Un formulaire unique") && with_decision.contains("Adoptée"));
    assert!(
        with_decision.contains(&format!("/consultations/{SLUG}/idees/{aude_idea}")),
        "the idea links to its decision"
    );

    // The infographic is well-formed SVG in the space's colours.
    let (status, infographic) = aude_visitor
        .get(&format!("/consultations/{SLUG}/resultats/infographie.svg"))
        .await;
    assert_eq!(status, 200);
    let doc = roxmltree::Document::parse(&infographic).expect("valid SVG");
    assert!(doc.descendants().any(|n| n.has_tag_name("title")));
    let aude_colour: String = sqlx::query_scalar("SELECT primary_color FROM tenants WHERE slug = 'aude'")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert!(
        infographic.contains(&format!("fill=\"{aude_colour}\"")),
        "in Aude's colours"
    );
    assert!(
        infographic.contains("Adoptée · Un formulaire unique"),
        "with the decisions and their status"
    );
    // The same sheet as a printable PDF, text included (ASCII text is a literal string).
    let response = aude_visitor
        .app
        .get(
            "aude.localhost",
            &format!("/consultations/{SLUG}/resultats/infographie.pdf"),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with(".pdf\""),
        "downloaded as a file"
    );
    let pdf = response.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let pdf_text = String::from_utf8_lossy(&pdf);
    // Text with accents is a hex string of its WinAnsi bytes.
    let shown: String = ecoute::results::infographic::pdf::win_ansi("Adoptée · Un formulaire unique")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        pdf_text.to_ascii_lowercase().contains(&format!("<{shown}>")),
        "with the decisions and their status"
    );
    assert!(pdf_text.contains("/StructTreeRoot"), "tagged for screen readers");
    assert!(with_decision.contains("infographie.pdf"), "the page links to the PDF");

    // Each Caf sees each question among its own respondents beside everyone's, from its rows.
    let q0 = questions[0]["id"].as_str().unwrap();
    let aude_id = crate::helpers::tenant_id(&owner, "aude").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, national_id).await.unwrap();
    let aude_chose: Vec<(String, i64)> = sqlx::query_as(
        "WITH current AS (
             SELECT DISTINCT ON (respondent_key) id FROM survey_responses
              WHERE tenant_id = $1 AND campaign_id = $2 AND origin_tenant_id = $3
              ORDER BY respondent_key, version DESC)
         SELECT a.value #>> '{}', count(*) FROM survey_answers a JOIN current c ON c.id = a.response_id
          WHERE a.tenant_id = $1 AND a.question_id = $4::uuid GROUP BY 1",
    )
    .bind(national_id)
    .bind(campaign)
    .bind(aude_id)
    .bind(q0)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(!aude_chose.is_empty());
    let own_block = with_decision
        .split(&format!("data-own-question=\"{q0}\""))
        .nth(1)
        .expect("Aude's breakdown of the first question")
        .split("</div>")
        .next()
        .unwrap()
        .to_owned();
    assert!(own_block.contains("Dans votre territoire,"), "{own_block}");
    for (option, count) in &aude_chose {
        let row = own_block
            .split("<tr>")
            .find(|r| r.contains(&format!(">{option}</th>")))
            .unwrap_or_else(|| panic!("a row for {option}: {own_block}"));
        assert!(row.contains(&format!("({count})</td>")), "{option}: {count} in {row}");
    }
    assert!(
        !after.contains("data-own-question"),
        "the national page has no territory of its own"
    );
    // The national page lists each space's part, counted from the national rows.
    let territories = extract(&after, "id=\"territories\">").expect("a table per territory");
    let mut tx = ecoute::db::owner_tx_in(&owner, national_id).await.unwrap();
    let aude_ideas: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ideas WHERE tenant_id = $1 AND campaign_id = $2 AND origin_tenant_id = $3 AND status = 'published'",
    )
    .bind(national_id)
    .bind(campaign)
    .bind(aude_id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(aude_ideas >= 1);
    let aude_row = after
        .split("<tr>")
        .find(|r| r.contains("<th scope=\"row\">Caf de l’Aude</th>") || r.contains("Aude</th>"))
        .unwrap_or_else(|| panic!("Aude's row: {territories}"));
    let numbers: Vec<i64> = aude_row
        .split("<td>")
        .skip(1)
        .filter_map(|c| c.split('<').next()?.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 2, "{aude_row}");
    assert!(numbers[1] >= aude_ideas + aude_chose.iter().map(|(_, n)| n).sum::<i64>());

    // Open data: texts kept, people dropped.
    let (status, csv) = aude_visitor
        .get(&format!("/consultations/{SLUG}/resultats/donnees/contributions.csv"))
        .await;
    assert_eq!(status, 200);
    assert!(csv.contains("Un seul formulaire pour toutes les aides."));
    assert!(
        !csv.contains("a1.resultats") && !csv.contains("auteur"),
        "no pseudonym in open data"
    );
    let (status, json_answers) = aude_visitor
        .api(
            Method::GET,
            &format!("/consultations/{SLUG}/resultats/donnees/reponses.json"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let rows = json_answers.as_array().unwrap();
    assert_eq!(rows.len() as i64, respondents);
    assert!(rows[0].get("répondant").is_none() && rows[0].get("espace").is_some());

    // The API gives the same figures and the decisions.
    let (status, api) = aude_visitor
        .api(Method::GET, &format!("/api/v1/campaigns/{SLUG}/results"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(api["results"]["figures"]["responses"], respondents);
    assert_eq!(api["early"], true);
    assert_eq!(api["decisions"][0]["status"], "adoptee");
    assert_eq!(api["decisions"][0]["ideas"][0]["id"], aude_idea.as_str());
    assert!(api["results"]["questions"][0].get("chart").is_none());
    assert!(api["from_this_space"]["responses"].as_i64().unwrap() >= 1);
}
