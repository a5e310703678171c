//! The results page: analysis themes with sample contributions, and refused forms keeping what
//! the operator typed.

use uuid::Uuid;

use crate::browser::Browser;
use crate::consoles::{make_operator, sign_in};
use crate::helpers::TestApp;

use super::*;

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
    // Enough contributions for themes to mean something (`MIN_THEMED`).
    let mut texts = Vec::new();
    for i in 0..26 {
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

    // A draft until reviewed: the results page shows no theme.
    let mut visitor = Browser::new(&app, "gironde.localhost");
    let (status, html) = visitor.get(&format!("/consultations/{slug}/resultats")).await;
    assert_eq!(status, 200);
    assert!(!html.contains("id=\"themes\""), "unreviewed themes are not public");
    publish_themes(&app, &owner, campaign).await;
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

    // Set aside, a theme leaves the public page and is listed apart in the console; restored,
    // it is back.
    drop_and_restore_a_theme(&app, &owner, campaign, &slug).await;

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

/// Sets the first theme aside from the console, then restores it: the public page follows.
async fn drop_and_restore_a_theme(app: &TestApp, owner: &sqlx::PgPool, campaign: Uuid, slug: &str) {
    let password = make_operator(owner, "ecarter@caf33.fr", false, Some(("gironde", "local_operator"))).await;
    let (mut operator, _, _) = sign_in(app, "gironde.localhost", "ecarter@caf33.fr", &password).await;
    let console = format!("/admin/campagnes/{campaign}/analyse");
    let (_, page) = operator.get(&console).await;
    let key = crate::browser::extract(&page, "name=\"theme\" value=\"").unwrap();
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    let public_themes = |html: &str| {
        let start = html.find("id=\"themes\"").expect("the themes section");
        html[start..].split("</ol>").next().unwrap().matches("<h3").count()
    };
    let mut visitor = Browser::new(app, "gironde.localhost");
    for (action, public, listed_apart) in [("ecarter", 1, true), ("retablir", 2, false)] {
        let form = [("csrf", csrf.as_str()), ("theme", key.as_str()), ("action", action)];
        let (status, location, _) = operator.post_form(&format!("{console}/themes"), &form).await;
        assert_eq!((status, location), (303, Some(format!("{console}?fait=theme"))));
        let (_, page) = operator.get(&console).await;
        assert_eq!(page.contains("Thèmes écartés"), listed_apart, "{action}");
        let (_, html) = visitor.get(&format!("/consultations/{slug}/resultats")).await;
        assert_eq!(public_themes(&html), public, "{action}: themes on the public page");
    }
}

/// The analysis's themes published from its console, by someone who may publish the campaign's
/// results; sent twice, audited once.
async fn publish_themes(app: &TestApp, owner: &sqlx::PgPool, campaign: uuid::Uuid) {
    let password = crate::consoles::make_operator(
        owner,
        "relecture@caf33.caf.fr",
        false,
        Some(("gironde", "local_operator")),
    )
    .await;
    let mut operator = crate::consoles::signed_in(app, "gironde.localhost", "relecture@caf33.caf.fr", &password).await;
    let console = format!("/admin/campagnes/{campaign}/analyse");
    let (_, page) = operator.get(&console).await;
    assert!(page.contains("Brouillon : ces thèmes ne sont visibles d’aucune page publique"));
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    let publish = [("csrf", csrf.as_str()), ("action", "publier")];
    for _ in 0..2 {
        let (status, location, _) = operator.post_form(&format!("{console}/publication"), &publish).await;
        assert_eq!(
            (status, location),
            (303, Some(format!("{console}?fait=themes_publies")))
        );
    }
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'analysis.publish'")
        .fetch_one(owner)
        .await
        .unwrap();
    assert_eq!(audited, 1, "published once");
}
