//! A campaign that requires a verified identity: without FranceConnect, an invitation to sign
//! in with it (pages) or a 403 problem (API); with it, one voice per identity, even when the
//! same person signs in with two accounts (a national campaign, reached from two spaces where
//! FranceConnect gave two addresses). The database refuses too, not only the code.

use reqwest::Method;
use uuid::Uuid;

use super::*;
use crate::browser::Browser;
use crate::helpers::{as_owner, insert_campaign, session_for, tenant_id};

const GIRONDE: &str = "gironde.localhost";
const AUDE: &str = "aude.localhost";

/// A browser signed in on `host` with the FranceConnect-like provider as `person`.
async fn franceconnected<'a>(app: &'a TestApp, provider: &NodeProvider, host: &str, person: &str) -> Browser<'a> {
    let mut browser = Browser::new(app, host);
    let to_provider = super::citizens::start(&mut browser, "/").await;
    let back = provider.sign_in(&to_provider, person).await;
    let (status, _, body) = browser.get_full(&path_of(&back)).await;
    assert_eq!(status, 303, "{body}");
    browser
}

/// A national campaign with an idea and a survey question, then made to require a verified
/// identity; returns (campaign slug, idea id, question id).
async fn national_campaign(owner: &sqlx::PgPool) -> (String, Uuid, Uuid) {
    let national = tenant_id(owner, "national").await;
    let campaign = insert_campaign(owner, "national", "national", "Une personne, une voix").await;
    let (idea, question) = (Uuid::new_v4(), Uuid::new_v4());
    as_owner(
        owner,
        national,
        format!(
            "UPDATE campaigns SET has_survey = true WHERE id = '{campaign}';
             INSERT INTO ideas (tenant_id, id, campaign_id, origin_tenant_id, kind, title, body, submission_key)
             VALUES ('{national}', '{idea}', '{campaign}', '{national}', 'idee', 'Des horaires du soir',
                     'Ouvrir l’accueil le soir une fois par semaine.', gen_random_uuid());
             INSERT INTO survey_questions (tenant_id, id, campaign_id, position, kind, label)
             VALUES ('{national}', '{question}', '{campaign}', 1, 'short_text', 'Votre avis');
             UPDATE campaigns SET verified_only = true WHERE id = '{campaign}';"
        ),
    )
    .await;
    let slug = sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(campaign)
        .fetch_one(owner)
        .await
        .unwrap();
    (slug, idea, question)
}

async fn count(owner: &sqlx::PgPool, sql: &str, id: Uuid) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(id)
        .fetch_one(owner)
        .await
        .unwrap()
}

// Over 100 lines: every way to contribute (four pages, four API calls) refused alike, then the
// database's own refusal of what the code refused.
#[tokio::test]
async fn without_a_verified_identity_contributing_invites_to_franceconnect() {
    let provider = NodeProvider::start("franceconnect", &[callback(GIRONDE)], &[]).await;
    let app = app_with_franceconnect(&provider.issuer, &["gironde"]).await;
    let owner = app.test_db.owner().await;
    let (slug, idea, question) = national_campaign(&owner).await;
    let mut browser = Browser::new(&app, GIRONDE);
    browser.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "sans-fc@exemple.fr").await,
    );

    // The campaign says it before anyone tries.
    let (_, page) = browser.get(&format!("/consultations/{slug}")).await;
    assert!(
        page.contains("demande une identité vérifiée par FranceConnect"),
        "{page}"
    );

    // Pages: a like, a comment, an idea, a survey answer; each a French invitation (403).
    let csrf = browser.csrf(&format!("/consultations/{slug}")).await;
    let key = Uuid::new_v4().to_string();
    let idea_path = format!("/consultations/{slug}/idees/{idea}");
    let answer_field = format!("q-{question}");
    let posts: [(String, Vec<(&str, &str)>); 4] = [
        (format!("{idea_path}/soutien"), vec![("action", "soutenir")]),
        (
            format!("{idea_path}/commentaires"),
            vec![("body", "Bonne idée."), ("submission_key", &key)],
        ),
        (
            format!("/consultations/{slug}/idees"),
            vec![
                ("kind", "idee"),
                ("title", "Un rappel"),
                ("body", "Être rappelé quand le dossier avance."),
                ("submission_key", &key),
            ],
        ),
        (
            format!("/consultations/{slug}/questionnaire"),
            vec![(answer_field.as_str(), "Oui"), ("submission_key", &key)],
        ),
    ];
    for (path, mut fields) in posts {
        fields.push(("csrf", &csrf));
        let (status, _, body) = browser.post_form(&path, &fields).await;
        let body = unescape(&body);
        assert_eq!(status, 403, "{path}: {body}");
        assert!(body.contains("S’identifier avec FranceConnect"), "{path}: {body}");
        assert!(
            body.contains("href=\"/connexion/franceconnect?retour=%2Fconsultations%2F"),
            "{body}"
        );
    }

    // API: 403 problems.
    let like = browser
        .api(Method::POST, &format!("/api/v1/ideas/{idea}/like"), None)
        .await;
    let comment = browser
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{idea}/comments"),
            Some(serde_json::json!({"body": "Bonne idée."})),
        )
        .await;
    let new_idea = browser
        .api(
            Method::POST,
            &format!("/api/v1/campaigns/{slug}/ideas"),
            Some(serde_json::json!({"kind": "idee", "title": "Un rappel", "body": "Être rappelé quand le dossier avance."})),
        )
        .await;
    let answer = browser
        .api(
            Method::PUT,
            &format!("/api/v1/campaigns/{slug}/survey/response"),
            Some(serde_json::json!({"answers": {question.to_string(): "Oui"}})),
        )
        .await;
    for (status, problem) in [like, comment, new_idea, answer] {
        assert_eq!(status, 403, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap_or_default().contains("FranceConnect"),
            "{problem}"
        );
    }
    assert_eq!(
        count(&owner, "SELECT count(*) FROM idea_likes WHERE idea_id = $1", idea).await,
        0
    );
    assert_eq!(
        count(&owner, "SELECT count(*) FROM idea_comments WHERE idea_id = $1", idea).await,
        0
    );

    // The database refuses it as well, whatever the code does.
    let national = tenant_id(&owner, "national").await;
    let gironde = tenant_id(&owner, "gironde").await;
    let account: Uuid = sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'sans-fc@exemple.fr'")
        .fetch_one(&owner)
        .await
        .unwrap();
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let refused = sqlx::query(
        "INSERT INTO idea_likes (tenant_id, idea_id, account_id, origin_tenant_id) VALUES ($1, $2, $3, $4)",
    )
    .bind(national)
    .bind(idea)
    .bind(account)
    .bind(gironde)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(
        refused.to_string().contains("requires a verified identity"),
        "{refused}"
    );
}

#[tokio::test]
async fn one_identity_with_two_accounts_counts_one_voice() {
    let provider = NodeProvider::start("franceconnect", &[callback(GIRONDE), callback(AUDE)], &[]).await;
    let app = app_with_franceconnect(&provider.issuer, &["gironde", "aude"]).await;
    let owner = app.test_db.owner().await;
    let (slug, idea, question) = national_campaign(&owner).await;

    // The same person (`sub`) signs in in two spaces; FranceConnect gave another address the
    // second time, so there are two accounts.
    let mut first = franceconnected(&app, &provider, GIRONDE, "sub=fc-claude&email=claude@exemple.fr").await;
    let mut second = franceconnected(&app, &provider, AUDE, "sub=fc-claude&email=claude.pro@exemple.fr").await;
    let accounts: i64 =
        sqlx::query_scalar("SELECT count(DISTINCT account_id) FROM oidc_identities WHERE subject = 'fc-claude'")
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(accounts, 2);

    // Likes: the first account's counts, the second's is refused.
    let like = format!("/api/v1/ideas/{idea}/like");
    assert_eq!(first.api(Method::POST, &like, None).await.0, 201);
    let (status, problem) = second.api(Method::POST, &like, None).await;
    assert_eq!(status, 409, "{problem}");
    let csrf = second.csrf(&format!("/consultations/{slug}")).await;
    let (status, _, body) = second
        .post_form(
            &format!("/consultations/{slug}/idees/{idea}/soutien"),
            &[("csrf", &csrf), ("action", "soutenir")],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("Une personne, une voix"), "{body}");
    assert_eq!(
        count(&owner, "SELECT count(*) FROM idea_likes WHERE idea_id = $1", idea).await,
        1
    );

    // The survey: answered once, changed by the same account, not answered again by the other.
    let put = format!("/api/v1/campaigns/{slug}/survey/response");
    let answer = |text: &str| Some(serde_json::json!({"answers": {question.to_string(): text}}));
    assert_eq!(first.api(Method::PUT, &put, answer("Oui")).await.0, 200);
    assert_eq!(first.api(Method::PUT, &put, answer("Oui, le soir")).await.0, 200);
    let (status, problem) = second.api(Method::PUT, &put, answer("Encore oui")).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("une personne, une voix"));
    let (status, _, body) = second
        .post_form(
            &format!("/consultations/{slug}/questionnaire"),
            &[
                ("csrf", &csrf),
                (&format!("q-{question}"), "Encore oui"),
                ("submission_key", &Uuid::new_v4().to_string()),
            ],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("a déjà répondu à ce questionnaire avec un autre compte"));
    let campaign: Uuid = sqlx::query_scalar("SELECT id FROM campaigns WHERE slug = $1")
        .bind(&slug)
        .fetch_one(&owner)
        .await
        .unwrap();
    let respondents = "SELECT count(DISTINCT respondent_key) FROM survey_responses WHERE campaign_id = $1";
    assert_eq!(count(&owner, respondents, campaign).await, 1);

    // Ideas and comments stay open to both accounts (a voice is not a word count).
    let comment = format!("/api/v1/ideas/{idea}/comments");
    let body = Some(serde_json::json!({"body": "Et le samedi matin ?"}));
    assert_eq!(second.api(Method::POST, &comment, body).await.0, 201);
}

/// The option is the console's campaign form's: kept with the campaign, and turning it on (or
/// off) is its own audit line, once per change however often the form is sent.
#[tokio::test]
async fn the_console_sets_the_option_and_audits_each_change() {
    use crate::browser::extract;
    use crate::consoles::{make_operator, signed_in};
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let password = make_operator(&owner, "voix@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "voix@caf33.caf.fr", &password).await;
    let (_, html) = operator.get("/admin/campagnes/nouvelle").await;
    let field = |html: &str, name: &str| extract(html, &format!("name=\"{name}\" value=\"")).unwrap();
    let (status, location, _) = operator
        .post_form(
            "/admin/campagnes",
            &[
                ("csrf", &field(&html, "csrf")),
                ("creation_key", &field(&html, "creation_key")),
                ("title", "Une voix chacun"),
                ("opens_on", &field(&html, "opens_on")),
                ("closes_on", &field(&html, "closes_on")),
                ("audience", "public"),
                ("has_ideas", "on"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let edit = location.unwrap().split('?').next().unwrap().to_owned();
    let (_, html) = operator.get(&edit).await;
    assert!(html.contains("name=\"verified_only\">"), "offered, not checked");
    let form = |verified: bool| {
        let mut fields = vec![
            ("csrf", field(&html, "csrf")),
            ("title", "Une voix chacun".to_owned()),
            ("slug", field(&html, "slug")),
            ("opens_on", field(&html, "opens_on")),
            ("closes_on", field(&html, "closes_on")),
            ("audience", "public".to_owned()),
            ("has_ideas", "on".to_owned()),
        ];
        if verified {
            fields.push(("verified_only", "on".to_owned()));
        }
        fields
    };
    for verified in [true, true, false] {
        let fields = form(verified);
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(operator.post_form(&edit, &refs).await.0, 303);
        let (_, page) = operator.get(&edit).await;
        assert_eq!(page.contains("name=\"verified_only\" checked"), verified);
    }
    let lines: Vec<bool> = sqlx::query_scalar(
        "SELECT (details->>'verified_only')::boolean FROM audit_log WHERE action = 'campaign.verified_only' ORDER BY at",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    assert_eq!(lines, vec![true, false], "on, then off: two lines for three sends");
}
