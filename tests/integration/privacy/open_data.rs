//! Open data publishes what the site shows and less: published contributions only, nobody
//! named, dates to the day (Paris), a free-text question's answers only when the operator
//! opened it in the survey builder; the page documents the columns and the licence.

use crate::consoles::{make_operator, sign_in};
use crate::helpers::{TestApp, as_owner, insert_campaign};

use super::*;

// Over 100 lines: the builder's checkbox, the stored contributions and answers, and the three
// things that read them (the CSV, the JSON and the page) are checked against one another.
#[tokio::test]
async fn open_data_publishes_only_published_contributions_to_the_day_and_opened_free_text() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Données ouvertes").await;
    let slug = slug_of(&owner, campaign).await;

    // The survey builder: the free-text question opened, the other not.
    let password = make_operator(&owner, "donnees@caf33.fr", false, Some(("gironde", "local_operator"))).await;
    let (mut operator, _, _) = sign_in(&app, "gironde.localhost", "donnees@caf33.fr", &password).await;
    let csrf = operator.csrf(&format!("/admin/campagnes/{campaign}")).await;
    let questions = format!("/admin/campagnes/{campaign}/questions");
    for fields in [
        vec![
            ("kind", "single_choice"),
            ("label", "Êtes-vous allocataire ?"),
            ("options", "Oui\nNon"),
        ],
        vec![
            ("kind", "long_text"),
            ("label", "Votre idée publique"),
            ("open_data", "on"),
        ],
        vec![("kind", "long_text"), ("label", "Votre situation")],
        // Ticked on a choice question: meaningless, not stored.
        vec![
            ("kind", "single_choice"),
            ("label", "Avec enfants ?"),
            ("options", "Oui\nNon"),
            ("open_data", "on"),
        ],
    ] {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields);
        let (status, _, html) = operator.post_form(&questions, &form).await;
        assert_eq!(status, 303, "{html}");
    }
    let (_, editor) = operator.get(&format!("/admin/campagnes/{campaign}")).await;
    assert!(editor.contains("Publier les réponses dans les données ouvertes"));
    let ids: Vec<(Uuid, String, bool)> = {
        let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
        let rows = sqlx::query_as(
            "SELECT id, label, open_data FROM survey_questions WHERE campaign_id = $1 ORDER BY position",
        )
        .bind(campaign)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        rows
    };
    let opened: Vec<bool> = ids.iter().map(|q| q.2).collect();
    assert_eq!(opened, [false, true, false, false]);

    // Contributions in three states, and two respondents; 23:30 UTC on 4 March is 5 March in Paris.
    let (choice, public, private) = (ids[0].0, ids[1].0, ids[2].0);
    as_owner(
        &owner,
        gironde,
        format!(
            "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, status, submission_key, created_at) VALUES
               ('{gironde}', '{campaign}', '{gironde}', 'idee', 'Publiée et visible', 'Un texte publié sur le site.', 'published', gen_random_uuid(), '2026-03-04 23:30:00+00'),
               ('{gironde}', '{campaign}', '{gironde}', 'idee', 'Encore en attente', 'Un texte pas encore modéré.', 'pending', gen_random_uuid(), '2026-03-04 10:00:00+00'),
               ('{gironde}', '{campaign}', '{gironde}', 'idee', 'Masquée par la modération', 'Un texte masqué du site.', 'hidden', gen_random_uuid(), '2026-03-04 10:00:00+00');
             WITH r AS (
               INSERT INTO survey_responses (tenant_id, campaign_id, origin_tenant_id, respondent_key, version, submission_key, submitted_at)
               VALUES ('{gironde}', '{campaign}', '{gironde}', '\\x01', 1, gen_random_uuid(), '2026-03-04 23:30:00+00') RETURNING id)
             INSERT INTO survey_answers (tenant_id, response_id, question_id, value)
             SELECT '{gironde}', r.id, q.id, q.value FROM r, (VALUES
               ('{choice}'::uuid, '\"Oui\"'::jsonb), ('{public}'::uuid, '\"Des guichets le samedi\"'), ('{private}'::uuid, '\"Je suis seule avec trois enfants\"')) q (id, value);
             UPDATE campaigns SET results_published_at = now() WHERE id = '{campaign}';"
        ),
    )
    .await;
    let mut visitor = Browser::new(&app, "gironde.localhost");

    let (status, csv) = visitor
        .get(&format!("/consultations/{slug}/resultats/donnees/contributions.csv"))
        .await;
    assert_eq!(status, 200, "{csv}");
    assert!(
        csv.contains("Publiée et visible") && csv.contains("2026-03-05"),
        "{csv}"
    );
    assert!(
        !csv.contains("Encore en attente") && !csv.contains("Masquée"),
        "only what the site shows: {csv}"
    );
    assert!(
        !csv.contains("23:30") && !csv.contains("00:30"),
        "dates to the day: {csv}"
    );
    let header = csv.trim_start_matches('\u{feff}').lines().next().unwrap().to_owned();
    assert_eq!(header, "type;titre;texte;thème;soutiens;commentaires;espace;date");

    let (status, answers) = visitor
        .api(
            Method::GET,
            &format!("/consultations/{slug}/resultats/donnees/reponses.json"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let row = &answers.as_array().unwrap()[0];
    assert_eq!(row["date"], "2026-03-05");
    assert_eq!(row["1. Êtes-vous allocataire ?"], "Oui");
    assert_eq!(row["2. Votre idée publique"], "Des guichets le samedi");
    assert!(
        row.get("3. Votre situation").is_none() && !answers.to_string().contains("trois enfants"),
        "a free-text question not opened is left out: {answers}"
    );
    assert!(row.get("répondant").is_none());

    // The page: what is in the files, the columns, the licence, what is withheld.
    let (status, page) = visitor.get(&format!("/consultations/{slug}/resultats/donnees")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Licence Ouverte &#x2f; Open Licence version 2.0 (Etalab)"),
        "{page}"
    );
    for column in [
        "<code>titre</code>",
        "<code>date</code>",
        "<code>espace</code>",
        "<code>2. Votre idée publique</code>",
    ] {
        assert!(page.contains(column), "{column} documented");
    }
    let withheld = &page[page.find("id=\"withheld\"").expect("withheld questions listed")..];
    assert!(withheld.contains("3. Votre situation"));
    let (_, results) = visitor.get(&format!("/consultations/{slug}/resultats")).await;
    assert!(results.contains(&format!("href=\"/consultations/{slug}/resultats/donnees\"")));
}
