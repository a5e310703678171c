//! Text at the boundary on the pages (issue 18, item 1): a NUL in any page form field (found in
//! the pages' HTML, citizen and console), a path or a query string is refused before PostgreSQL
//! sees it; where the form shows a text field, it comes back with the entry kept and the message
//! beside the field.

use reqwest::Method;
use uuid::Uuid;

use crate::boundary_oracles::{declared_routes, fill, rows};
use crate::browser::{Body, Browser};
use crate::consoles::{make_operator, signed_in};
use crate::helpers::{TestApp, campaign_slug, session_for};

const HOST: &str = "gironde.localhost";

/// The post forms of a page: (action, field names).
fn forms(html: &str) -> Vec<(String, Vec<String>)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
        Some(tag[start..].split('"').next()?.replace("&amp;", "&"))
    };
    let mut found = Vec::new();
    for part in html.split("<form").skip(1) {
        let (tag, rest) = part.split_once('>').unwrap();
        let inner = rest.split("</form>").next().unwrap();
        if attr(tag, "method").is_none_or(|m| !m.eq_ignore_ascii_case("post")) || tag.contains("multipart") {
            continue;
        }
        let mut names: Vec<String> = inner
            .split('<')
            .filter(|t| t.starts_with("input") || t.starts_with("textarea") || t.starts_with("select"))
            .filter_map(|t| attr(t, "name"))
            .collect();
        names.dedup();
        found.push((attr(tag, "action").unwrap_or_default(), names));
    }
    found
}

/// Posts every form of `pages`, once per field with a NUL in that field, and checks each answer:
/// 422, with the form again (the message beside the field) or the French error page. Returns
/// the fields tried and those shown again with the entry kept (without the NUL).
async fn post_nul_in_every_field(browser: &mut Browser<'_>, pages: &[String]) -> (usize, usize) {
    let (mut tried, mut kept) = (0, 0);
    for page in pages {
        let (_, html) = browser.get(page).await;
        for (action, names) in forms(&html) {
            let action = if action.is_empty() { page.clone() } else { action };
            let Some(csrf) = crate::browser::extract(&html, "name=\"csrf\" value=\"") else {
                continue;
            };
            for target in names.iter().filter(|n| *n != "csrf") {
                tried += 1;
                let fields: Vec<(&str, String)> = names
                    .iter()
                    .map(|n| match n.as_str() {
                        "csrf" => (n.as_str(), csrf.clone()),
                        n if n == target => (n, "avant\u{0}après".to_owned()),
                        "submission_key" => ("submission_key", Uuid::new_v4().to_string()),
                        // Empty on the page for a first application.
                        "application_id" => ("application_id", String::new()),
                        n => (n, "valeur".to_owned()),
                    })
                    .collect();
                let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
                let (status, _, html) = browser.post_form(&action, &fields).await;
                assert_eq!(status, 422, "{action}, NUL in {target}");
                // The form again with the message beside the field (and a text field's entry
                // kept, without the NUL), or, for a hidden field, the French error page.
                let shown_again = html.contains("caractère de contrôle non autorisé");
                assert!(
                    html.contains("<html") && (shown_again || html.contains("Saisie refusée")),
                    "{action}, {target}: the form again or the French page"
                );
                kept += usize::from(shown_again && html.contains("avantaprès"));
            }
        }
    }
    (tried, kept)
}

#[tokio::test]
async fn a_nul_in_any_page_form_field_path_or_search_gets_the_french_page_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    // A survey with a free-text question and a workshop recruitment, so that their forms are
    // walked too.
    let criteria = serde_json::to_string(&ecoute::workshops::criteria::standard_criteria(&["33".into()]))
        .unwrap()
        .replace('\'', "''");
    let tenant = crate::helpers::tenant_id(&owner, "gironde").await;
    crate::helpers::as_owner(
        &owner,
        tenant,
        format!(
            "UPDATE campaigns SET has_survey = true WHERE slug = '{slug}';
             INSERT INTO survey_questions (tenant_id, campaign_id, position, kind, label)
             SELECT tenant_id, id, 1, 'short_text', 'Votre avis' FROM campaigns WHERE slug = '{slug}';
             INSERT INTO workshop_recruitments (tenant_id, campaign_id, criteria)
             SELECT tenant_id, id, '{criteria}' FROM campaigns WHERE slug = '{slug}';"
        ),
    )
    .await;
    let mut browser = Browser::new(&app, HOST);
    browser.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "forme@exemple.fr").await,
    );
    let csrf = browser.csrf(&format!("/consultations/{slug}")).await;
    let key = Uuid::new_v4().to_string();
    let idea_form = [
        ("csrf", csrf.as_str()),
        ("submission_key", key.as_str()),
        ("kind", "idee"),
        ("title", "Une idée pour tester"),
        ("body", "Un texte assez long pour être accepté."),
    ];
    let (status, _, _) = browser
        .post_form(&format!("/consultations/{slug}/idees"), &idea_form)
        .await;
    assert!(status < 400, "the idea is posted: {status}");
    let idea: Uuid = sqlx::query_scalar("SELECT id FROM ideas LIMIT 1")
        .fetch_one(&owner)
        .await
        .unwrap();
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT (SELECT count(*) FROM ideas) + (SELECT count(*) FROM idea_comments) + (SELECT count(*) FROM content_reports)")
            .fetch_one(&owner)
            .await
            .unwrap()
    };
    let before = count().await;
    let pages = [
        "/connexion".to_owned(),
        format!("/consultations/{slug}"),
        format!("/consultations/{slug}/idees/{idea}"),
        format!("/consultations/{slug}/questionnaire"),
        format!("/consultations/{slug}/ateliers"),
        format!("/consultations/{slug}/nouvelles"),
        "/compte".to_owned(),
    ];
    let (tried, kept) = post_nul_in_every_field(&mut browser, &pages).await;
    assert!(tried >= 8, "{tried} form fields tried");
    // The sign-in address, the idea's title and body, the comment, the report reason, the
    // survey's answer and the workshop application's needs.
    assert!(kept >= 7, "{kept} of {tried} fields shown again with the entry kept");
    // The idea form is shown again with the entry kept (without the NUL) and nothing stored.
    let csrf = browser.csrf(&format!("/consultations/{slug}")).await;
    let key = Uuid::new_v4().to_string();
    let (status, _, html) = browser
        .post_form(
            &format!("/consultations/{slug}/idees"),
            &[
                ("csrf", csrf.as_str()),
                ("submission_key", key.as_str()),
                ("kind", "idee"),
                ("title", "Un titre gardé\u{0}"),
                ("body", "Un texte assez long pour être accepté."),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("value=\"Un titre gardé\"") && html.contains("caractère de contrôle non autorisé"),
        "the entry is kept and the field flagged"
    );
    assert_eq!(count().await, before, "nothing refused was stored");
    for path in [
        format!("/consultations/{slug}?q=a%00b"),
        format!("/consultations/{slug}%00"),
    ] {
        let (status, html) = browser.get(&path).await;
        assert_eq!(status, 422, "{path}");
        assert!(html.contains("Saisie refusée"), "{path}");
    }
    let (status, html) = browser.get("/consultations/%FF%FE").await;
    assert!(
        (400..500).contains(&status) && html.contains("<html"),
        "bad encoding: {status} {html}"
    );
}

#[tokio::test]
async fn a_nul_in_the_campaign_and_question_forms_keeps_the_operators_entry() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let id: Uuid = sqlx::query_scalar("SELECT id FROM campaigns WHERE slug = $1")
        .bind(&slug)
        .fetch_one(&owner)
        .await
        .unwrap();
    let email = "nul@caf33.caf.fr";
    let password = crate::consoles::make_operator(&owner, email, false, Some(("gironde", "local_operator"))).await;
    let mut operator = crate::consoles::signed_in(&app, HOST, email, &password).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT (SELECT count(*) FROM campaigns) + (SELECT count(*) FROM survey_questions)
                    + (SELECT count(*) FROM decisions) + (SELECT count(*) FROM news_posts)
                    + (SELECT count(*) FROM campaigns WHERE results_synthesis_md <> '')",
        )
        .fetch_one(&owner)
        .await
        .unwrap()
    };
    let before = count().await;
    // The results page's forms (synthesis, decisions, news) read their bodies apart from the
    // text boundary until this test walked them: a NUL there was a 500.
    let pages = [
        "/admin/campagnes/nouvelle".to_owned(),
        format!("/admin/campagnes/{id}"),
        format!("/admin/campagnes/{id}/resultats"),
    ];
    let (tried, kept) = post_nul_in_every_field(&mut operator, &pages).await;
    assert!(tried >= 45, "{tried} console form fields tried");
    // The campaign form's text fields, twice (new and edit), and the question form's (a
    // choice, such as the question's kind, is flagged but has no typed entry to keep).
    assert!(kept >= 25, "{kept} of {tried} fields shown again with the entry kept");
    assert_eq!(count().await, before, "nothing refused was stored");
}

/// POST page routes that read no urlencoded form, and why a NUL there is not a 422 (they still
/// answer a French 4xx page).
const NOT_URLENCODED: &[(&str, &str)] = &[
    // RFC 8058 one-click unsubscribe: the mail client posts no form we read, the token is the
    // path (an unknown one is 404).
    ("/desabonnement/{token}", "one-click"),
    // The same for one follow of a campaign's news (the link of news mail).
    ("/desabonnement/suivi/{token}", "one-click"),
    // multipart/form-data: a urlencoded body is refused before any field is read (400).
    ("/admin/apparence", "multipart"),
    ("/admin/campagnes/{id}/couverture", "multipart"),
    ("/admin/campagnes/{id}/invitations", "multipart"),
];

/// Text validation holds on every form, walked from the routes declared in `src/`: a NUL in
/// any field of a POST to a page route is refused with the French page (422) before a handler
/// reads it, whatever the handler. A handler that reads its body another way (`axum::Form`, raw
/// bytes) answers otherwise and fails this, unless listed in [`NOT_URLENCODED`] with a reason.
#[tokio::test]
async fn a_nul_in_any_posted_form_is_refused_on_every_page_route() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let rows = rows(&owner).await;
    let password = make_operator(&owner, "nul@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut browser = signed_in(&app, "gironde.localhost", "nul@caf33.caf.fr", &password).await;
    browser.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "nul-lecteur@exemple.fr").await,
    );
    let csrf = browser.csrf("/compte").await;
    let form: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("title", "Un titre"),
        ("body", "Un texte assez long pour passer"),
        ("zz", "avant\u{0}après"),
    ];
    let mut walked = 0;
    let mut wrong = Vec::new();
    for route in declared_routes()
        .iter()
        .filter(|r| r.methods.contains(&Method::POST) && !r.path.starts_with("/api/"))
    {
        let path = fill(&route.path, &rows, "", "");
        let (status, _, _, text) = browser.send(Method::POST, &path, Some(Body::Form(&form))).await;
        walked += 1;
        let french = text.contains("<html") && text.contains("lang=\"fr\"");
        let expected = match NOT_URLENCODED.iter().find(|(p, _)| *p == route.path) {
            Some(_) => (400..500).contains(&status) && french,
            None => status == 422 && french && text.contains("Saisie refusée"),
        };
        if !expected {
            wrong.push(format!(
                "POST {path}: {status} {}",
                text.chars().take(160).collect::<String>()
            ));
        }
    }
    assert!(
        walked > 30,
        "only {walked} POST routes walked: is the route scan broken?"
    );
    assert!(
        wrong.is_empty(),
        "a NUL not refused at the boundary:\n{}",
        wrong.join("\n")
    );
}
