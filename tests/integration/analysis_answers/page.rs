//! The analysis page with answers: shown beside ideas, and profiles chosen by the operator.

use serde_json::json;

use crate::analysis::{answers, insert_ideas, sample};
use crate::consoles::{make_operator, signed_in};
use crate::helpers::{TestApp, insert_campaign, tenant_id};

use super::*;

// Over 100 lines: one survey answered and analysed, then shown on the page where the operator
// picks the profile question; the refused text question and the export are checked on that run.
#[tokio::test]
async fn the_analysis_page_shows_answers_and_lets_the_operator_choose_profiles() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Consultation et questionnaire").await;
    let all = answers();
    let ideas: Vec<String> = sample(&all, &["ECO_09"], 30, 40).into_iter().map(|r| r.1).collect();
    let idea_refs: Vec<&str> = ideas.iter().map(String::as_str).collect();
    insert_ideas(&owner, "gironde", campaign, &idea_refs).await;
    let taxes: Vec<String> = sample(&all, &["FIS_02"], 30, 40).into_iter().map(|r| r.1).collect();
    let profile = insert_question(
        &owner,
        gironde,
        campaign,
        "single_choice",
        PROFILE,
        &["allocataire", "agent de la Caf"],
    )
    .await;
    let long = insert_question(&owner, gironde, campaign, "long_text", ABOUT_TAXES, &[]).await;
    for (i, text) in taxes.iter().enumerate() {
        insert_response(
            &owner,
            (gironde, gironde),
            campaign,
            (format!("r{i}").as_bytes(), 1, None),
            &[
                (
                    profile,
                    json!(if i % 2 == 0 { "allocataire" } else { "agent de la Caf" }),
                ),
                (long, json!(text)),
            ],
        )
        .await;
    }
    let host = "gironde.localhost";
    let page = format!("/admin/campagnes/{campaign}/analyse");
    let password = make_operator(&owner, "ana@caf33.caf.fr", false, Some(("gironde", "analyst"))).await;
    let mut analyst = signed_in(&app, host, "ana@caf33.caf.fr", &password).await;
    let csrf = analyst.csrf(&page).await;
    let (status, _, _) = analyst.post_form(&page, &[("csrf", &csrf), ("themes", "2")]).await;
    assert_eq!(status, 303);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let html = loop {
        let (_, html) = analyst.get(&page).await;
        if html.contains("Points saillants") || std::time::Instant::now() > deadline {
            break html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(html.contains("60 contributions"), "{html}");
    assert!(
        html.contains("Réponse à « Que faudrait-il faire pour rendre la fiscalité plus juste ? »"),
        "{html}"
    );
    assert!(html.contains("aucune question de profil n&#x27;est choisie"), "{html}");
    assert!(
        html.contains(&format!("<option value=\"{profile}\">{PROFILE}</option>")),
        "{html}"
    );
    assert!(
        !html.contains(&format!("<option value=\"{long}\"")),
        "only single-choice questions"
    );

    // A text question is refused as the profile dimension.
    let (status, location, _) = analyst
        .post_form(
            &format!("{page}/profils"),
            &[("csrf", &csrf), ("question", &long.to_string())],
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some(&*format!("{page}?erreur=profil#profils")))
    );
    let (status, location, _) = analyst
        .post_form(
            &format!("{page}/profils"),
            &[("csrf", &csrf), ("question", &profile.to_string())],
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some(&*format!("{page}?fait=profils#profils")))
    );
    let (_, html) = analyst.get(&page).await;
    assert!(
        html.contains(&format!(
            "Profils : les réponses des contributeurs à la question « {PROFILE} »"
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!("<option value=\"{profile}\" selected>")),
        "{html}"
    );

    let (status, csv) = analyst.get(&format!("{page}/export/contributions.csv")).await;
    assert_eq!(status, 200);
    assert!(
        csv.contains("Sorte de contribution (code);Question du questionnaire"),
        "{csv}"
    );
    assert!(csv.contains(&format!(";answer;{ABOUT_TAXES};")), "{csv}");
    assert!(csv.contains(";agent de la Caf"), "{csv}");
}
