//! The rules of each space (issue 24, item 4): legal notice, personal data, participation
//! charter and accessibility statement, drawn from the space's data and what its operator
//! filled in from the console (audited; the national space has its own), in French and
//! English, and linked from the footer of every kind of page.

use reqwest::Method;

use crate::browser::{Browser, extract};
use crate::consoles::{make_operator, signed_in};
use crate::helpers::{TestApp, as_owner, insert_campaign, session_for, tenant_id};

const GIRONDE: &str = "gironde.localhost";
const NATIONAL: &str = "localhost";
const PAGES: [&str; 4] = [
    "/mentions-legales",
    "/donnees-personnelles",
    "/charte-de-participation",
    "/accessibilite",
];

/// Saves the rules form of `browser`'s space; returns the status and the page.
async fn save(browser: &mut Browser<'_>, fields: &[(&str, &str)]) -> (u16, String) {
    let (_, form) = browser.get("/admin/regles").await;
    let csrf = extract(&form, "name=\"csrf\" value=\"").unwrap();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    let (status, _, body) = browser.post_form("/admin/regles", &all).await;
    (status, body)
}

// Over 100 lines: two spaces filled in, one not, then each page of each, in two languages,
// against what was filled in; the table of expectations is the test.
#[tokio::test]
async fn each_space_publishes_its_rules_from_its_own_data() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    // A workshop recruits in Gironde, keeping profiles nine months.
    let campaign = insert_campaign(&owner, "gironde", "local", "Accueil des familles").await;
    as_owner(
        &owner,
        gironde,
        format!(
            "INSERT INTO workshop_recruitments (tenant_id, campaign_id, retention_months) VALUES ('{gironde}', '{campaign}', 9)"
        ),
    )
    .await;

    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "loc@caf33.caf.fr", &password).await;
    let (status, refused) = save(&mut operator, &[("contact_email", "pas une adresse")]).await;
    assert_eq!(status, 422);
    assert!(refused.contains("Saisissez une adresse électronique valide"));
    let gironde_fields = [
        ("publication_director", "Marie Dupont, directrice"),
        ("publisher_address", "Rue du Docteur-Gabriel-Péry\r\n33000 Bordeaux"),
        ("contact_email", "Participation@Caf33.caf.fr"),
        ("dpo_name", "Délégué à la protection des données de la Caf"),
        ("dpo_email", "dpo@caf33.caf.fr"),
        ("dpo_address", ""),
        ("host_name", "Hébergeur Exemple SAS"),
        ("host_address", "1 rue de l’Hébergement, 75000 Paris"),
    ];
    let (status, _) = save(&mut operator, &gironde_fields).await;
    assert_eq!(status, 303);
    let (_, form) = operator.get("/admin/regles?fait=regles").await;
    assert!(form.contains("Informations légales enregistrées") && form.contains("participation@caf33.caf.fr"));
    let fields: Vec<String> = sqlx::query_scalar(
        "SELECT jsonb_array_elements_text(details->'fields') FROM audit_log WHERE action = 'rules.update'",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    assert!(fields.contains(&"publication_director".to_owned()) && !fields.contains(&"dpo_address".to_owned()));
    // The national space fills in its own.
    let password = make_operator(&owner, "nat@cnaf.fr", true, None).await;
    let mut national = signed_in(&app, NATIONAL, "nat@cnaf.fr", &password).await;
    let (status, _) = save(
        &mut national,
        &[("publication_director", "Jean Martin, directeur général")],
    )
    .await;
    assert_eq!(status, 303);

    let page = |host: &'static str, path: &'static str| {
        let app = &app;
        async move {
            let (status, html) = app.get_text(host, path).await;
            assert_eq!(status, 200, "{host}{path}");
            html
        }
    };
    let legal = page(GIRONDE, "/mentions-legales").await;
    for expected in [
        "la Caf de la Gironde, organisme de droit privé",
        "Marie Dupont, directrice",
        "Rue du Docteur-Gabriel-Péry\n33000 Bordeaux",
        "mailto:participation@caf33.caf.fr",
        "Hébergeur Exemple SAS",
    ] {
        assert!(legal.contains(expected), "legal notice: {expected}");
    }
    let privacy = page(GIRONDE, "/donnees-personnelles").await;
    for expected in [
        "Le responsable du traitement est la Caf de la Gironde",
        "14 jours, ou jusqu’à ce que vous vous déconnectiez.",
        "Le lien fonctionne 15 minutes.",
        "atelier de la consultation « Accueil des familles » : 9 mois après sa dernière séance",
        "mailto:dpo@caf33.caf.fr",
        "https://www.cnil.fr/fr/plaintes",
    ] {
        assert!(privacy.contains(expected), "personal data: {expected}");
    }
    assert!(privacy.contains("Non renseigné"), "the DPO's address was left empty");
    let charter = page(GIRONDE, "/charte-de-participation").await;
    for n in 1..=11 {
        assert!(charter.contains(&format!("<section id=\"article-{n}\"")), "article {n}");
    }
    assert!(charter.contains("Article 3 – Respect des personnes"));
    assert!(
        charter.contains("propos injurieux, menaçants ou diffamatoires."),
        "article 3 names its reason"
    );
    assert!(charter.contains("Pour contester une décision, écrivez à <a href=\"mailto:participation@caf33.caf.fr\">"));
    let statement = page(GIRONDE, "/accessibilite").await;
    for expected in [
        "<strong>non conforme</strong> avec le référentiel général d’amélioration de l’accessibilité (RGAA), version 4.1.",
        "Aucun audit de conformité aux 106 critères du RGAA n’a encore été réalisé.",
        "Vérifications automatisées",
        "axe-core (version 4.14.1",
        "Défenseur des droits",
        "href=\"#schema-pluriannuel\"",
        "<section id=\"schema-pluriannuel\"",
        "mailto:participation@caf33.caf.fr",
    ] {
        assert!(statement.contains(expected), "accessibility statement: {expected}");
    }
    assert!(
        !statement.contains("partiellement conforme"),
        "no audit, no partial conformity"
    );

    // The national space: its own publisher and director, not Gironde's.
    let national_legal = page(NATIONAL, "/mentions-legales").await;
    assert!(national_legal.contains("la Caisse nationale des allocations familiales (Cnaf), établissement public"));
    assert!(national_legal.contains("Jean Martin, directeur général") && !national_legal.contains("Marie Dupont"));
    // A space whose operator filled nothing says so.
    let aude = page("aude.localhost", "/mentions-legales").await;
    assert!(aude.contains("la Caf de l’Aude") && aude.contains("Non renseigné par l’exploitant de cet espace"));
    let aude_privacy = page("aude.localhost", "/donnees-personnelles").await;
    assert!(aude_privacy.contains("Aucun atelier ne recrute dans cet espace"));

    // In English.
    let mut reader = Browser::new(&app, GIRONDE);
    reader.set_cookie("lang", "en");
    for (path, title) in [
        ("/mentions-legales", "<h1>Legal notice</h1>"),
        ("/donnees-personnelles", "<h1>Personal data</h1>"),
        ("/charte-de-participation", "<h1>Participation charter</h1>"),
        ("/accessibilite", "<h1>Accessibility statement</h1>"),
    ] {
        let (status, html) = reader.get(path).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("<html lang=\"en\">") && html.contains(title),
            "{path} in English"
        );
    }
    let (_, english) = reader.get("/accessibilite").await;
    assert!(english.contains("<strong>non-compliant</strong>"));
}

/// The four links, in the footer.
fn footer_links(html: &str) -> bool {
    let Some(footer) = html.split("<footer").nth(1) else {
        return false;
    };
    PAGES.iter().all(|p| footer.contains(&format!("href=\"{p}\"")))
}

#[tokio::test]
async fn the_footer_links_the_rules_from_every_kind_of_page_in_both_languages() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = crate::helpers::campaign_slug(&app, "gironde", "local").await;
    let mut citizen = Browser::new(&app, GIRONDE);
    citizen.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "lectrice@exemple.fr").await,
    );
    let body = serde_json::json!({"kind": "idee", "title": "Une idée", "body": "Une idée pour voir le pied de page."});
    let (_, idea) = citizen
        .api(Method::POST, &format!("/api/v1/campaigns/{slug}/ideas"), Some(body))
        .await;
    let idea = format!("/consultations/{slug}/idees/{}", idea["id"].as_str().unwrap());
    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "loc@caf33.caf.fr", &password).await;

    for lang in ["fr", "en"] {
        citizen.set_cookie("lang", lang);
        operator.set_cookie("lang", lang);
        let mut visitor = Browser::new(&app, GIRONDE);
        visitor.set_cookie("lang", lang);
        // Home, campaign, idea, sign-in, a missing page (404), the rules pages; signed in: the
        // account page; the console's sign-in page and its pages.
        let mut seen = Vec::new();
        let campaign = format!("/consultations/{slug}");
        let public = ["/", &campaign, &idea, "/connexion", "/nulle-part", "/admin/connexion"];
        for path in public.into_iter().chain(PAGES) {
            seen.push((path.to_owned(), visitor.get(path).await));
        }
        seen.push(("/compte".into(), citizen.get("/compte").await));
        for path in ["/admin", "/admin/moderation", "/admin/journal", "/admin/regles"] {
            seen.push((path.to_owned(), operator.get(path).await));
        }
        for (path, (status, html)) in &seen {
            let expected = if path == "/nulle-part" { 404 } else { 200 };
            assert_eq!(*status, expected, "{lang} {path}");
            assert!(
                footer_links(html),
                "{lang} {path}: the footer links the four rules pages"
            );
            assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{lang} {path}");
        }
        // The current rules page is marked in the footer.
        let (_, charter) = visitor.get("/charte-de-participation").await;
        assert!(charter.contains("href=\"/charte-de-participation\" aria-current=\"page\""));
    }
    // A host that is no space has no rules to link.
    let (status, unknown) = app.get_text("inconnu.localhost", "/").await;
    assert_eq!(status, 404);
    assert!(!footer_links(&unknown));
}

#[tokio::test]
async fn only_who_may_edit_the_rules_opens_their_form() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    for (email, role) in [("mod@caf33.caf.fr", "moderator"), ("ana@caf33.caf.fr", "analyst")] {
        let password = make_operator(&owner, email, false, Some(("gironde", role))).await;
        let mut browser = signed_in(&app, GIRONDE, email, &password).await;
        assert_eq!(browser.get("/admin/regles").await.0, 403, "{role}");
        let (_, home) = browser.get("/admin").await;
        assert!(!home.contains("href=\"/admin/regles\""), "{role} has no link to it");
    }
    // An operator of another space cannot fill in Gironde's.
    let password = make_operator(&owner, "loc@caf11.caf.fr", false, Some(("aude", "local_operator"))).await;
    let (mut browser, _, _) = crate::consoles::sign_in(&app, GIRONDE, "loc@caf11.caf.fr", &password).await;
    assert_ne!(browser.get("/admin/regles").await.0, 200);
}
