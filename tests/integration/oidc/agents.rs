//! Staff-only campaigns by organisation: the space's operators list organisations (SIRET or
//! e-mail domain) in the console, audited; an agent who signs in with the ProConnect-like
//! provider on the public side joins a staff-only campaign when ProConnect's `siret` or
//! verified address is on the list, and is refused with a French page otherwise.

use reqwest::Method;

use super::*;
use crate::browser::{Browser, extract};
use crate::consoles::{make_operator, signed_in};
use crate::helpers::{as_owner, insert_campaign, tenant_id};

const HOST: &str = "gironde.localhost";
const SIRET: &str = "21330063500017";

async fn setup() -> (NodeProvider, TestApp) {
    let provider = NodeProvider::start(
        "proconnect",
        &[format!("http://{HOST}/connexion/proconnect/retour")],
        &[],
    )
    .await;
    let test_db = TestDb::new().await;
    let mut settings = test_db.settings();
    settings.oidc = vec![OidcProvider {
        kind: OidcKind::ProConnect,
        issuer: provider.issuer.clone(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned().into(),
        spaces: None,
        scopes: Vec::new(),
    }];
    let app = TestApp::spawn_with_settings(test_db, settings).await;
    (provider, app)
}

/// A browser signed in on the public side with ProConnect as `person`.
async fn agent<'a>(app: &'a TestApp, provider: &NodeProvider, person: &str) -> Browser<'a> {
    let mut browser = Browser::new(app, HOST);
    let (_, page) = browser.get("/connexion").await;
    assert!(page.contains("href=\"/connexion/proconnect?retour="), "{page}");
    let (status, to_provider, _) = browser.get_full("/connexion/proconnect?retour=/").await;
    assert_eq!(status, 303);
    let to_provider = to_provider.unwrap();
    assert_eq!(param(&to_provider, "scope").as_deref(), Some("openid email siret"));
    let back = provider.sign_in(&to_provider, person).await;
    let (status, _, body) = browser.get_full(&path_of(&back)).await;
    assert_eq!(status, 303, "{body}");
    assert!(browser.cookie("ecoute_session").is_some());
    browser
}

async fn add_organisation(operator: &mut Browser<'_>, value: &str) -> (u16, Option<String>, String) {
    let (_, html) = operator.get("/admin/equipe/organisations").await;
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    operator
        .post_form(
            "/admin/equipe/organisations",
            &[("csrf", &csrf), ("value", value), ("label", "Mairie de Bordeaux")],
        )
        .await
}

// Over 100 lines: the list's life (made in the console, audited) and three agents against it
// (listed by SIRET, by domain, unlisted), then a removal felt at once; each step on the last.
#[tokio::test]
async fn an_agent_of_a_listed_organisation_joins_a_staff_only_campaign() {
    let (provider, app) = setup().await;
    let owner = app.test_db.owner().await;
    let password = make_operator(
        &owner,
        "equipe@caf33.caf.fr",
        false,
        Some(("gironde", "local_operator")),
    )
    .await;
    let mut operator = signed_in(&app, HOST, "equipe@caf33.caf.fr", &password).await;

    // The console: a SIRET typed with spaces, twice (one row, one audit line), a bad entry kept.
    let (status, location, _) = add_organisation(&mut operator, "213 300 635 00017").await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/admin/equipe/organisations?fait=organisation"))
    );
    add_organisation(&mut operator, SIRET).await;
    let (status, _, body) = add_organisation(&mut operator, "12 34").await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("Un SIRET compte 14 chiffres.") && body.contains("value=\"12 34\""));
    let (status, _, _) = add_organisation(&mut operator, "@Metropole.Exemple.FR").await;
    assert_eq!(status, 303);
    let (_, list) = operator.get("/admin/equipe/organisations").await;
    assert!(list.contains(SIRET) && list.contains("metropole.exemple.fr"), "{list}");
    let gironde = tenant_id(&owner, "gironde").await;
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM staff_organisations WHERE tenant_id = $1")
        .bind(gironde)
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(rows, 2);
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'team.add_organisation'")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(audited, 2);

    // A staff-only campaign.
    let campaign = insert_campaign(&owner, "gironde", "local", "Nos outils internes").await;
    as_owner(
        &owner,
        gironde,
        format!("UPDATE campaigns SET audience = 'staff' WHERE id = '{campaign}'"),
    )
    .await;
    let slug: String = sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(campaign)
        .fetch_one(&owner)
        .await
        .unwrap();
    let page = format!("/consultations/{slug}");
    let idea =
        serde_json::json!({"kind": "idee", "title": "Un outil commun", "body": "Partager un agenda entre services."});
    let ideas = format!("/api/v1/campaigns/{slug}/ideas");

    // Listed by SIRET: in, and may contribute.
    let mut listed = agent(
        &app,
        &provider,
        &format!("sub=pc-a&email=agent@mairie-bordeaux.fr&siret={SIRET}"),
    )
    .await;
    let (status, body) = listed.get(&page).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(listed.api(Method::POST, &ideas, Some(idea.clone())).await.0, 201);
    // Listed by the domain of the address ProConnect verified.
    let mut by_domain = agent(&app, &provider, "sub=pc-c&email=camille@metropole.exemple.fr").await;
    assert_eq!(by_domain.get(&page).await.0, 200);

    // Unlisted: a French page, and the API refuses.
    let mut unlisted = agent(
        &app,
        &provider,
        "sub=pc-b&email=agent@autre-organisation.fr&siret=11111111111111",
    )
    .await;
    let (status, body) = unlisted.get(&page).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("Consultation réservée aux agents") && body.contains("ProConnect"),
        "{body}"
    );
    assert_eq!(unlisted.api(Method::POST, &ideas, Some(idea)).await.0, 403);

    // Removed from the list: out at the next request (audited).
    let (_, html) = operator.get("/admin/equipe/organisations").await;
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let (status, _, _) = operator
        .post_form(
            "/admin/equipe/organisations/retrait",
            &[("csrf", &csrf), ("kind", "siret"), ("value", SIRET)],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(listed.get(&page).await.0, 403);
    let removed: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'team.remove_organisation'")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(removed, 1);
}
