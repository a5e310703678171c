//! A recruitment's state as people meet it: the operator closes and reopens it (never after the
//! draw), applications are refused with a French page when it is closed, drawn, or its campaign
//! over; and the console says "invité" only once the invitation has left the outbox, whose mail
//! says when and where the session is, with a link to confirm and one to decline.

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, TestDb, session_for, tenant_id};

use super::*;

async fn campaign_of(owner: &PgPool, slug: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM campaigns WHERE slug = $1")
        .bind(slug)
        .fetch_one(owner)
        .await
        .unwrap()
}

// Over 100 lines: one recruitment through its states (open, closed, reopened, drawn, campaign
// over), each seen from the console and from a volunteer's page.
#[tokio::test]
async fn applications_are_refused_when_closed_after_the_draw_and_after_the_campaign() {
    let app = TestApp::spawn().await;
    let slug = campaign_with_recruitment(&app).await;
    let owner = app.test_db.owner().await;
    let campaign = campaign_of(&owner, &slug).await;
    let console = format!("/admin/campagnes/{campaign}/ateliers");
    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let mut person = Browser::new(&app, "gironde.localhost");
    person.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "etat@exemple.fr").await,
    );
    let apply = format!("/consultations/{slug}/ateliers");
    let (status, form) = person.get(&apply).await;
    assert_eq!(status, 200);
    assert!(form.contains("name=\"consent\""), "open: the form");
    let person_csrf = extract(&form, "name=\"csrf\" value=\"").unwrap();

    let (_, page) = operator.get(&console).await;
    assert!(page.contains("Recrutement ouvert"));
    let csrf = extract(&page, "name=\"csrf\" value=\"").unwrap();
    let state = format!("{console}/etat");

    // Closed (twice: one audit line), the volunteer meets a page saying so, not the form.
    for _ in 0..2 {
        let (status, location, _) = operator
            .post_form(&state, &[("csrf", &csrf), ("action", "fermer")])
            .await;
        assert_eq!(status, 303);
        assert_eq!(
            location.as_deref(),
            Some(format!("{console}?fait=recrutement_ferme").as_str())
        );
    }
    let closed: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'workshops.close'")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(closed, 1);
    let (_, page) = operator.get(&console).await;
    assert!(page.contains("Recrutement fermé : les candidatures sont refusées."));
    let (status, page) = person.get(&apply).await;
    assert_eq!(status, 200);
    assert!(page.contains("Recrutement fermé") && !page.contains("name=\"consent\""));
    let attempt = [("csrf", person_csrf.as_str()), ("consent", "oui")];
    let (status, _, page) = person.post_form(&apply, &attempt).await;
    assert_eq!(status, 409);
    assert!(page.contains("Recrutement fermé"));

    // Reopened: the form again.
    assert_eq!(
        operator
            .post_form(&state, &[("csrf", &csrf), ("action", "rouvrir")])
            .await
            .0,
        303
    );
    assert!(person.get(&apply).await.1.contains("name=\"consent\""));

    // Drawn: closed for good, and it cannot be reopened.
    let gironde = tenant_id(&owner, "gironde").await;
    crate::helpers::as_owner(
        &owner,
        gironde,
        format!(
            "INSERT INTO workshop_draws (tenant_id, recruitment_id, seed, seats, quotas, algorithm, min_probability, gini, drawn_by)
             SELECT tenant_id, id, 1, 1, '{{}}', 'leximin', 1, 0, 'test' FROM workshop_recruitments WHERE campaign_id = '{campaign}'"
        ),
    )
    .await;
    let (status, page) = person.get(&apply).await;
    assert_eq!(status, 200);
    assert!(page.contains("Tirage au sort effectué") && !page.contains("name=\"consent\""));
    assert_eq!(person.post_form(&apply, &attempt).await.0, 409);
    assert!(operator.get(&console).await.1.contains("Tirage effectué"));
    let (status, _, page) = operator
        .post_form(&state, &[("csrf", &csrf), ("action", "rouvrir")])
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("ne peut plus être rouvert"));

    // The campaign over (no draw): closed too, saying why.
    crate::helpers::as_owner(
        &owner,
        gironde,
        format!(
            "DELETE FROM workshop_draws WHERE recruitment_id IN (SELECT id FROM workshop_recruitments WHERE campaign_id = '{campaign}');
             UPDATE campaigns SET opens_at = now() - interval '10 days', closes_at = now() - interval '1 day' WHERE id = '{campaign}'"
        ),
    )
    .await;
    let (status, page) = person.get(&apply).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Consultation terminée") && !page.contains("name=\"consent\""),
        "{page}"
    );
    assert_eq!(person.post_form(&apply, &attempt).await.0, 409);
}

#[tokio::test]
async fn invited_is_said_once_the_invitation_has_left_the_outbox_which_says_when_and_where() {
    use ecoute::mail::worker::{MailWorker, Transport, WorkerOptions};
    let smtp = crate::smtp::SmtpSink::start().await;
    let test_db = TestDb::new().await;
    let mut settings = test_db.settings();
    settings.background_jobs = false;
    let app = TestApp::spawn_with_settings(test_db, settings).await;
    let owner = app.test_db.owner().await;
    let pool = app.test_db.app_pool().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let (draw, _, _) = one_invited_person(&pool, &owner, gironde, "invitee@example.org", true).await;
    let campaign: Uuid = sqlx::query_scalar(
        "SELECT r.campaign_id FROM workshop_draws d JOIN workshop_recruitments r ON r.id = d.recruitment_id WHERE d.id = $1",
    )
    .bind(draw)
    .fetch_one(&owner)
    .await
    .unwrap();
    let console = format!("/admin/campagnes/{campaign}/ateliers");
    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let (_, page) = operator.get(&console).await;
    assert!(page.contains("Tiré au sort, invitation à envoyer"), "{page}");

    let db = ecoute::tenancy::TenantDb::new(pool.clone());
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    ecoute::workshops::invitations::send_invitations(&mut tx, draw, "https://gironde.ecoute.test", 7)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (_, page) = operator.get(&console).await;
    assert!(
        page.contains("Tiré au sort, invitation en file"),
        "queued, not yet invited"
    );
    assert!(!page.contains("Tiré au sort, invité<"));

    let options = WorkerOptions {
        link_base: "http://{host}".into(),
        base_domain: "localhost".into(),
        ..WorkerOptions::default()
    };
    let transport = Transport::from_settings(Some(&smtp.url()), "ne-pas-repondre@localhost").unwrap();
    assert_eq!(
        MailWorker::with_options(pool.clone(), transport, options)
            .drain()
            .await
            .unwrap(),
        1
    );
    let (_, page) = operator.get(&console).await;
    assert!(page.contains("Tiré au sort, invité<"), "sent: invited");

    let text = smtp.messages()[0].part("text/plain").expect("a text part");
    let text = text.replace("=\n", "");
    for expected in [
        "Date : le 5 décembre 2026, de 14 h à 16 h 30",
        "Lieu : Maison des familles, 1 rue du Port, Bordeaux",
        "Accessibilité : Rampe; ascenseur",
        "?choix=oui",
        "?choix=non",
        "Le fichier joint (.ics)",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
}

#[tokio::test]
async fn the_console_navigation_leads_to_each_campaigns_workshops() {
    let app = TestApp::spawn().await;
    let slug = campaign_with_recruitment(&app).await;
    let owner = app.test_db.owner().await;
    let campaign = campaign_of(&owner, &slug).await;
    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let (_, home) = operator.get("/admin").await;
    assert!(
        home.contains("<a href=\"&#x2f;admin&#x2f;ateliers\">Ateliers</a>"),
        "in the navigation: {home}"
    );
    let (status, page) = operator.get("/admin/ateliers").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("href=\"/admin/campagnes/{campaign}/ateliers\"")));
    assert!(page.contains("Ouvert"), "the recruitment's state");
    let (_, workshops) = operator.get(&format!("/admin/campagnes/{campaign}/ateliers")).await;
    assert!(
        workshops.contains("<a href=\"&#x2f;admin&#x2f;ateliers\" aria-current=\"page\">"),
        "the section is marked"
    );
    // An analyst may not manage workshops: no entry, no page.
    let mut analyst = operator_browser(&app, "gironde", "analyst").await;
    assert!(!analyst.get("/admin").await.1.contains("&#x2f;admin&#x2f;ateliers"));
    assert_eq!(analyst.get("/admin/ateliers").await.0, 403);
}
