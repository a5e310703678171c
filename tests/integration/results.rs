//! Results pages: figures equal to what was stored, server-drawn SVG charts that are valid XML
//! with a title and a description, the national roll-up and each Caf's own share, early
//! publication, decisions linked only to the campaign's own ideas, and the API.

use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::browser::{Browser, extract};
use crate::consoles::{make_operator, sign_in};
use crate::helpers::{TestApp, session_for};

const SLUG: &str = "simplifier-les-demarches";

fn figure(html: &str, name: &str) -> i64 {
    extract(html, &format!("data-figure=\"{name}\"><strong>"))
        .and_then(|t| t.split('<').next().map(str::to_owned))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("figure {name} on the page"))
}

async fn citizen<'a>(app: &'a TestApp, slug: &str, email: &str) -> Browser<'a> {
    let owner = app.test_db.owner().await;
    let mut browser = Browser::new(app, &format!("{slug}.localhost"));
    browser.set_cookie("ecoute_session", &session_for(&owner, slug, email).await);
    browser
}

/// Answers the first question (single choice) with its option `choice`, and the scale.
async fn answer(browser: &mut Browser<'_>, questions: &[serde_json::Value], choice: usize, scale: i64) {
    let q0 = questions[0]["id"].as_str().unwrap();
    let q2 = questions[2]["id"].as_str().unwrap();
    let option = questions[0]["options"][choice].as_str().unwrap();
    let q1 = questions[1]["id"].as_str().unwrap();
    let first = questions[1]["options"][0].as_str().unwrap();
    let q3 = questions[3]["id"].as_str().unwrap();
    let ranking: Vec<&str> = questions[3]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    let body = json!({"answers": {q0: option, q1: [first], q2: scale, q3: ranking}});
    let (status, response) = browser
        .api(
            Method::PUT,
            &format!("/api/v1/campaigns/{SLUG}/survey/response"),
            Some(body),
        )
        .await;
    assert_eq!(status, 200, "{response}");
}

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
    assert!(infographic.contains("Un formulaire unique"), "with the decisions");
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
    assert!(pdf_text.contains("(Un formulaire unique) Tj"), "with the decisions");
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

#[tokio::test]
async fn the_results_page_shows_the_analysis_themes_with_sample_contributions() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let campaign = crate::helpers::insert_campaign(&owner, "gironde", "local", "Thèmes").await;
    let slug: String = sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(campaign)
        .fetch_one(&owner)
        .await
        .unwrap();
    let mut texts = Vec::new();
    for i in 0..12 {
        texts.push(format!(
            "Le chauffage au bois coûte cher, il faut aider l'isolation des maisons {i}"
        ));
        texts.push(format!(
            "Les impôts sur le revenu sont trop lourds pour les classes moyennes {i}"
        ));
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    crate::analysis::insert_ideas(&owner, "gironde", campaign, &refs).await;
    let db = ecoute::tenancy::TenantDb::new(app.test_db.app_pool().await);
    let gironde = crate::helpers::tenant_id(&owner, "gironde").await;
    let run = crate::analysis::run_analysis(&db, gironde, campaign, Some(2)).await;
    assert_eq!(run.status, "done", "{run:?}");
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query("UPDATE campaigns SET results_published_at = now() WHERE tenant_id = $1 AND id = $2")
        .bind(gironde)
        .bind(campaign)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut visitor = Browser::new(&app, "gironde.localhost");
    let (status, html) = visitor.get(&format!("/consultations/{slug}/resultats")).await;
    assert_eq!(status, 200);
    let start = html.find("id=\"themes\"").expect("the themes section");
    let themes = html[start..].split("</ol>").next().unwrap();
    assert_eq!(themes.matches("<h3").count(), 2, "two themes");
    assert!(themes.contains("chauffage") || themes.contains("isolation"), "{themes}");
    assert!(themes.contains("impôts") || themes.contains("revenu"), "{themes}");
    assert!(
        themes.contains(&format!("/consultations/{slug}/idees/")),
        "sample contributions are linked"
    );

    // A decision answers a theme; an unknown theme is refused.
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    let report = ecoute::analysis::report::report(&mut tx, campaign)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    let (key, name) = (
        report.themes[0].theme.key.to_string(),
        report.themes[0].theme.name.clone(),
    );
    let password = make_operator(&owner, "themes@caf33.fr", false, Some(("gironde", "local_operator"))).await;
    let (mut operator, _, _) = sign_in(&app, "gironde.localhost", "themes@caf33.fr", &password).await;
    let csrf = operator.csrf(&format!("/admin/campagnes/{campaign}/resultats")).await;
    let form = format!("/admin/campagnes/{campaign}/decisions");
    let unknown = Uuid::new_v4().to_string();
    for (theme, expected) in [(unknown.as_str(), 422), (key.as_str(), 303)] {
        let fields = [
            ("csrf", csrf.as_str()),
            ("title", "Un guichet pour la rénovation"),
            ("status", "a_l_etude"),
            ("themes", theme),
        ];
        let (status, _, body) = operator.post_form(&form, &fields).await;
        assert_eq!(status, expected, "{body}");
        if expected == 422 {
            assert!(body.contains("n’appartient pas à la dernière analyse"));
        }
    }
    let (_, html) = visitor.get(&format!("/consultations/{slug}/resultats")).await;
    let decision = &html[html.find("Un guichet pour la rénovation").expect("the decision")..];
    assert!(
        decision.contains("En réponse aux thèmes"),
        "the theme it answers is named"
    );
    // As the page escapes it.
    let shown = name.replace('\'', "&#x27;");
    assert!(decision.contains(&shown), "{shown}");
}

/// A refused results form shows the operator's entry again in the form it came from: a long
/// synthesis, a news post or a decision is never lost to a refusal (too long, too short, or a
/// control character), and nothing is stored.
#[tokio::test]
async fn refused_results_forms_keep_what_the_operator_typed() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    ecoute::demo::seed(&owner).await.unwrap();
    let password = make_operator(&owner, "garde@cnaf.fr", true, None).await;
    let (mut admin, _, _) = sign_in(&app, "localhost", "garde@cnaf.fr", &password).await;
    let campaign: Uuid = sqlx::query_scalar("SELECT id FROM campaigns WHERE slug = $1")
        .bind(SLUG)
        .fetch_one(&owner)
        .await
        .unwrap();
    let page = format!("/admin/campagnes/{campaign}/resultats");
    let csrf = admin.csrf(&page).await;
    let stored = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT (SELECT count(*) FROM decisions) + (SELECT count(*) FROM news_posts)
                    + (SELECT count(*) FROM campaigns WHERE results_synthesis_md LIKE '%gardé%')",
        )
        .fetch_one(&owner)
        .await
        .unwrap()
    };
    let before = stored().await;

    // A synthesis over 20,000 characters: refused, and the text is back in its field.
    let long = format!("Synthèse gardée. {}", "x".repeat(20_000));
    let (status, _, html) = admin
        .post_form(
            &page,
            &[("csrf", &csrf), ("action", "enregistrer"), ("synthesis", &long)],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains(&format!(">{long}</textarea>")), "the synthesis is kept");

    // A news post with a title too short: its body is kept in the new post's form.
    let (status, _, html) = admin
        .post_form(
            &format!("/admin/campagnes/{campaign}/nouvelles"),
            &[
                ("csrf", &csrf),
                ("title", "Oh"),
                ("body", "Le guichet ouvre le samedi, texte gardé."),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("value=\"Oh\""), "the title is kept");
    assert!(html.contains(">Le guichet ouvre le samedi, texte gardé.</textarea>"));

    // A decision whose explanation holds a NUL: the form again, the entry kept without it.
    let (status, _, html) = admin
        .post_form(
            &format!("/admin/campagnes/{campaign}/decisions"),
            &[
                ("csrf", &csrf),
                ("title", "Ouvrir le samedi"),
                ("status", "adoptee"),
                ("explanation", "Dès janvier\u{0}, texte gardé."),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("caractère de contrôle non autorisé"), "the message");
    assert!(html.contains("value=\"Ouvrir le samedi\""));
    assert!(html.contains(">Dès janvier, texte gardé.</textarea>"));
    assert!(
        html.contains("value=\"adoptee\" selected"),
        "the chosen status stays chosen"
    );

    assert_eq!(stored().await, before, "nothing refused was stored");
}
