//! Invitation lists in the console (issue 20, item 1): upload → preview → confirm → the batch's
//! page. The upload only stores; the preview survives reloads; a confirm carries the batch's key
//! and takes effect once, however often it is posted; an address is invited once per campaign
//! unless the operator re-invites it, once, audited. The helpers are shared with
//! `invitation_batches.rs` (ten thousand rows, re-invitations).

use reqwest::Method;
use uuid::Uuid;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, as_owner, insert_campaign, tenant_id};

use super::*;

/// A published campaign of gironde and an operator of gironde, signed in.
pub(super) async fn operator_and_campaign<'a>(app: &'a TestApp, email: &str) -> (Browser<'a>, Uuid) {
    let owner = app.test_db.owner().await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Consultation test").await;
    let password = make_operator(&owner, email, false, Some(("gironde", "local_operator"))).await;
    (signed_in(app, GIRONDE, email, &password).await, campaign)
}

/// Posts a list (pasted, and a CSV file if any) to the campaign's invitation form.
pub(super) async fn upload(
    b: &mut Browser<'_>,
    campaign: Uuid,
    pasted: &str,
    csv: Option<&str>,
) -> (u16, Option<String>, String) {
    let page = format!("/admin/campagnes/{campaign}/invitations");
    let (_, html) = b.get(&page).await;
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let fields = [
        ("csrf", csrf.as_str()),
        ("addresses", pasted),
        ("subject", "Votre avis"),
        ("message", "Bonjour, donnez-nous votre avis."),
    ];
    b.post_multipart(&page, &fields, csv.map(|c| ("file", "liste.csv", c)))
        .await
}

/// Uploads a list that is accepted; returns the path of its batch, where the upload sends.
pub(super) async fn uploaded(b: &mut Browser<'_>, campaign: Uuid, pasted: &str, csv: Option<&str>) -> String {
    let (status, location, body) = upload(b, campaign, pasted, csv).await;
    assert_eq!(status, 303, "an upload redirects to its batch: {body}");
    let path = location.unwrap();
    assert!(
        path.starts_with(&format!("/admin/campagnes/{campaign}/invitations/")),
        "{path}"
    );
    path
}

/// The confirm form of the batch at `path`: its CSRF token and key.
pub(super) async fn confirm_form(b: &mut Browser<'_>, path: &str) -> (String, String) {
    let (status, html) = b.get(path).await;
    assert_eq!(status, 200);
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let key = extract(&html, "name=\"cle\" value=\"").expect("a pending batch has a confirm form");
    (csrf, key)
}

/// Confirms the batch at `path`; returns the answer's status and Location.
pub(super) async fn confirm(b: &mut Browser<'_>, path: &str) -> (u16, Option<String>) {
    let (csrf, key) = confirm_form(b, path).await;
    let (status, location, _) = b
        .post_form(&format!("{path}/confirmer"), &[("csrf", &csrf), ("cle", &key)])
        .await;
    (status, location)
}

/// The campaign's invitation mails, (address, status), sorted.
pub(super) async fn outbox(app: &TestApp, campaign: Uuid) -> Vec<(String, String)> {
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query_as(
        "SELECT to_address, status FROM mail_outbox WHERE campaign_id = $1 AND kind = 'invitation' ORDER BY 1, 2",
    )
    .bind(campaign)
    .fetch_all(&mut *tx)
    .await
    .unwrap()
}

/// How many audit lines of gironde have this action.
pub(super) async fn audited(app: &TestApp, action: &str) -> i64 {
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&mut *tx)
        .await
        .unwrap()
}

/// The same operator in a second connection (a second tab, a double click).
pub(super) fn twin<'a>(b: &Browser<'a>) -> Browser<'a> {
    let mut twin = Browser::new(b.app, &b.host);
    for name in ["ecoute_console", "ecoute_visiteur"] {
        twin.set_cookie(name, b.cookie(name).unwrap());
    }
    twin
}

// Over 100 lines: one list followed end to end (upload, preview and its reload, confirms posted
// twice at once then again, the wrong key, the batch's page, delivery by the worker over SMTP
// with a bounce, the progress JSON, the audit line); each step reads what the last one stored.
#[tokio::test]
async fn a_list_is_previewed_then_confirmed_once_however_often_it_is_posted() {
    let sink = crate::smtp::SmtpSink::start().await;
    let app = TestApp::spawn_with_smtp(&format!("smtp://127.0.0.1:{}", sink.port)).await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let (mut b, campaign) = operator_and_campaign(&app, "loc@caf33.caf.fr").await;
    // Someone unsubscribed from this space; someone else was invited to this campaign before
    // batches existed.
    as_owner(&owner, gironde, format!(
        "INSERT INTO mail_suppressions (tenant_id, address, reason) VALUES ('{gironde}', 'parti@exemple.fr', 'unsubscribed');
         INSERT INTO campaign_invitations (tenant_id, campaign_id, address, invited_at)
         VALUES ('{gironde}', '{campaign}', 'deja@exemple.fr', '2026-11-03 10:00+00');"
    ))
    .await;

    let csv = "nom;email\nDurand;anne@exemple.fr\nMartin;PAUL@exemple.fr\nsans adresse\nBernard;luc@\nDurand bis;anne@exemple.fr\nParti;parti@exemple.fr\nDéjà;deja@exemple.fr\nRejet;inexistant@exemple.fr\n";
    let path = uploaded(&mut b, campaign, "marc@exemple.fr, lea@exemple.fr", Some(csv)).await;
    assert!(outbox(&app, campaign).await.is_empty(), "an upload queues nothing");

    // The preview, twice: a reload changes nothing.
    for _ in 0..2 {
        let (status, html) = b.get(&path).await;
        assert_eq!(status, 200);
        assert!(html.contains("Vérifier la liste avant l’envoi"), "{html}");
        for shown in [
            "<strong>5</strong> adresses à inviter",
            "<strong>1</strong> adresse déjà invitée",
            "<strong>1</strong> adresse désabonnée",
            "<strong>1</strong> doublon dans la liste",
            "<strong>2</strong> lignes refusées",
            "<td>8</td><td>deja@exemple.fr</td><td>déjà invitée le 3 novembre 2026</td>",
            "<td>6</td><td>anne@exemple.fr</td><td>déjà à la ligne 2</td>",
            "<td>4</td><td>sans adresse</td><td>Aucune adresse électronique sur cette ligne.</td>",
            "<td>5</td><td>luc@</td><td>Adresse électronique invalide.</td>",
        ] {
            assert!(html.contains(shown), "the preview shows {shown}:\n{html}");
        }
        assert!(outbox(&app, campaign).await.is_empty(), "a preview queues nothing");
    }

    // A key that is not the batch's confirms nothing.
    let (csrf, key) = confirm_form(&mut b, &path).await;
    let wrong = Uuid::new_v4().to_string();
    let (status, _, _) = b
        .post_form(&format!("{path}/confirmer"), &[("csrf", &csrf), ("cle", &wrong)])
        .await;
    assert_eq!(status, 400);
    assert!(outbox(&app, campaign).await.is_empty());

    // The same confirm twice at once (a double click), then once more (a reload): one sending.
    let mut other = twin(&b);
    let form = [("csrf", csrf.as_str()), ("cle", key.as_str())];
    let confirm_path = format!("{path}/confirmer");
    let (first, second) = tokio::join!(b.post_form(&confirm_path, &form), other.post_form(&confirm_path, &form));
    for (status, location, _) in [first, second] {
        assert_eq!((status, location.as_deref()), (303, Some(path.as_str())));
    }
    let (status, location, _) = b.post_form(&confirm_path, &form).await;
    assert_eq!((status, location.as_deref()), (303, Some(path.as_str())), "a replay");
    let queued = outbox(&app, campaign).await;
    let addresses: Vec<&str> = queued.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        addresses,
        vec![
            "anne@exemple.fr",
            "inexistant@exemple.fr",
            "lea@exemple.fr",
            "marc@exemple.fr",
            "parti@exemple.fr",
            "paul@exemple.fr"
        ],
        "each new address once; deja@ was invited before"
    );
    assert_eq!(
        queued.iter().find(|(a, _)| a == "parti@exemple.fr").unwrap().1,
        "suppressed"
    );
    assert_eq!(audited(&app, "invitations.send").await, 1, "one audit line");

    // The batch's page: what it skipped, and its delivery (one mail bounces), followed live.
    let (status, html) = b.get(&path).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Envoi d’invitations</h1>") && !html.contains("name=\"cle\""));
    assert!(html.contains("<td>8</td><td>deja@exemple.fr</td><td>déjà invitée le 3 novembre 2026</td>"));
    assert!(
        html.contains("Réinviter cette adresse") && html.contains("data-progress=\"") && html.contains("Rafraîchir")
    );
    let state = format!("{path}/etat");
    assert!(
        crate::helpers::eventually(std::time::Duration::from_secs(15), || async {
            let (_, progress) = twin(&b).api(Method::GET, &state, None).await;
            progress["finished"] == true
        })
        .await,
        "the worker settles every mail"
    );
    let (status, progress) = b.api(Method::GET, &state, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        progress["counts"],
        serde_json::json!({"queued": 0, "sent": 4, "failed": 0, "bounced": 1, "suppressed": 1, "uncertain": 0}),
        "{progress}"
    );
    assert_eq!(
        (progress["done"].as_i64(), progress["total"].as_i64()),
        (Some(6), Some(6))
    );
    let mut to: Vec<String> = sink.messages().iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        vec![
            "anne@exemple.fr",
            "lea@exemple.fr",
            "marc@exemple.fr",
            "paul@exemple.fr"
        ],
        "each delivered once"
    );
    let (_, html) = b.get(&path).await;
    assert!(
        html.contains("data-count=\"bounced\">1<") && html.contains("Envoi terminé."),
        "{html}"
    );
    let (_, form_page) = b.get(&format!("/admin/campagnes/{campaign}/invitations")).await;
    assert!(
        form_page.contains(&format!("href=\"{path}\"")),
        "the form lists its batches"
    );
}

#[tokio::test]
async fn a_refused_upload_keeps_what_was_typed_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let (mut b, campaign) = operator_and_campaign(&app, "refus@caf33.caf.fr").await;
    let (status, _, html) = upload(&mut b, campaign, "pas-une-adresse@\nencore@", None).await;
    assert_eq!(status, 422);
    assert!(html.contains("Aucune adresse valide dans cette liste"), "{html}");
    assert!(html.contains("<td>1</td><td>pas-une-adresse@</td>") && html.contains("<td>2</td><td>encore@</td>"));
    assert!(
        html.contains(">pas-une-adresse@\nencore@</textarea>"),
        "the pasted list comes back in its field"
    );
    let (status, _, html) = upload(&mut b, campaign, "", None).await;
    assert_eq!(status, 422);
    assert!(html.contains("Aucune adresse à inviter"));

    // Withdrawn from publication after an upload: neither a new upload nor the confirm.
    let pending = uploaded(&mut b, campaign, "lea@exemple.fr", None).await;
    let gironde = tenant_id(&owner, "gironde").await;
    let withdraw = format!("UPDATE campaigns SET published_at = NULL WHERE id = '{campaign}'");
    as_owner(&owner, gironde, withdraw).await;
    let (status, _, html) = upload(&mut b, campaign, "marc@exemple.fr", None).await;
    assert_eq!(status, 422);
    assert!(html.contains("Publiez la consultation") && html.contains(">marc@exemple.fr</textarea>"));
    let (csrf, key) = confirm_form(&mut b, &pending).await;
    let confirm_path = format!("{pending}/confirmer");
    let (status, _, html) = b.post_form(&confirm_path, &[("csrf", &csrf), ("cle", &key)]).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("Publiez la consultation") && html.contains("name=\"cle\""),
        "the preview again, with why"
    );
    assert!(outbox(&app, campaign).await.is_empty());
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let batches: i64 = sqlx::query_scalar("SELECT count(*) FROM invitation_batches")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(batches, 1, "the refused uploads left no batch");
}

#[tokio::test]
async fn a_confirmed_list_for_an_internal_campaign_adds_its_people_to_the_staff() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let (mut b, campaign) = operator_and_campaign(&app, "interne@caf33.caf.fr").await;
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
    let mut agent = Browser::new(&app, GIRONDE);
    let session = crate::helpers::session_for(&owner, "gironde", "agent.externe@exemple.fr").await;
    agent.set_cookie("ecoute_session", &session);
    let ideas = format!("/api/v1/campaigns/{slug}/ideas");
    assert_eq!(agent.api(Method::GET, &ideas, None).await.0, 403, "not staff yet");

    let page = format!("/admin/campagnes/{campaign}/invitations");
    let (_, html) = b.get(&page).await;
    assert!(
        html.contains("name=\"as_staff\" checked"),
        "ticked for an internal campaign"
    );
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let fields = [
        ("csrf", csrf.as_str()),
        ("addresses", "agent.externe@exemple.fr"),
        ("as_staff", "on"),
        ("subject", "Consultation interne"),
        ("message", "Bonjour."),
    ];
    let (status, location, _) = b.post_multipart(&page, &fields, None).await;
    assert_eq!(status, 303);
    let path = location.unwrap();
    assert_eq!(
        agent.api(Method::GET, &ideas, None).await.0,
        403,
        "an upload changes nothing"
    );
    assert_eq!(confirm(&mut b, &path).await.0, 303);
    assert_eq!(
        agent.api(Method::GET, &ideas, None).await.0,
        200,
        "staff once the list is confirmed"
    );
    assert_eq!(outbox(&app, campaign).await.len(), 1);
}
