//! A session edited after the invitations: the people invited are told what changed, with the
//! same calendar event at its next SEQUENCE; a capacity below the people placed is refused.

use crate::helpers::{TestApp, TestDb, tenant_id};

use super::*;

async fn post(
    operator: &mut crate::browser::Browser<'_>,
    path: &str,
    fields: Vec<(&'static str, String)>,
) -> (u16, Option<String>, String) {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    operator.post_form(path, &refs).await
}

/// The change mails queued so far: (text, calendar).
async fn change_mails(owner: &PgPool, tenant: Uuid) -> Vec<(String, String)> {
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    let rows = sqlx::query_as(
        "SELECT text_body, attachment_text FROM mail_outbox WHERE subject = 'Votre séance d’atelier a changé' ORDER BY created_at, id",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    rows
}

// Over 100 lines: one session edited four times (moved, capacity only, accessibility, capacity
// below the people placed), each edit checked against the mails the last one left.
#[tokio::test]
async fn people_invited_to_an_edited_session_are_told_what_changed_with_their_event_updated() {
    let test_db = TestDb::new().await;
    let mut settings = test_db.settings();
    settings.background_jobs = false;
    let app = TestApp::spawn_with_settings(test_db, settings).await;
    let owner = app.test_db.owner().await;
    let pool = app.test_db.app_pool().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let (draw, application, session) = one_invited_person(&pool, &owner, gironde, "modif@example.org", true).await;
    let db = ecoute::tenancy::TenantDb::new(pool.clone());
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    ecoute::workshops::invitations::send_invitations(&mut tx, draw, "https://gironde.ecoute.test", 7)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let campaign: Uuid = sqlx::query_scalar(
        "SELECT r.campaign_id FROM workshop_draws d JOIN workshop_recruitments r ON r.id = d.recruitment_id WHERE d.id = $1",
    )
    .bind(draw)
    .fetch_one(&owner)
    .await
    .unwrap();
    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let page = format!("/admin/campagnes/{campaign}/ateliers");
    let (_, html) = operator.get(&page).await;
    assert!(
        html.contains("Modifier la séance") && html.contains("value=\"2026-12-05T14:00\""),
        "prefilled"
    );
    let csrf = crate::browser::extract(&html, "name=\"csrf\" value=\"").unwrap();
    let edit = format!("{page}/seances/{session}");
    let form = |place: &'static str, start: &'static str, capacity: &'static str, access: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("title", "Atelier accueil".to_owned()),
            ("place", place.to_owned()),
            ("address", "1 rue du Port, Bordeaux".to_owned()),
            ("accessibility", access.to_owned()),
            ("starts_at", start.to_owned()),
            ("ends_at", "2026-12-06T12:30".to_owned()),
            ("capacity", capacity.to_owned()),
        ]
    };

    // Moved to another day and room: one mail saying so, the same event at SEQUENCE 1.
    let (status, location, _) = post(
        &mut operator,
        &edit,
        form("Salle Bleue", "2026-12-06T10:00", "10", "Rampe; ascenseur"),
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some(format!("{page}?fait=seance").as_str()))
    );
    let mails = change_mails(&owner, gironde).await;
    assert_eq!(mails.len(), 1);
    let (text, ics) = &mails[0];
    assert!(
        text.contains("Lieu : Salle Bleue (au lieu de Maison des familles)"),
        "{text}"
    );
    assert!(
        text.contains("Début : 6 décembre 2026 à 10 h (au lieu de 5 décembre 2026 à 14 h)"),
        "{text}"
    );
    let ics = ics.replace("\r\n ", "");
    assert!(
        ics.contains(&format!("UID:atelier-{application}-{session}@ecoute")),
        "same event"
    );
    assert!(
        ics.contains("SEQUENCE:1\r\n") && ics.contains("DTSTART:20261206T090000Z"),
        "{ics}"
    );

    // Only the capacity: nobody is bothered. Then the accessibility: SEQUENCE 2.
    assert_eq!(
        post(
            &mut operator,
            &edit,
            form("Salle Bleue", "2026-12-06T10:00", "12", "Rampe; ascenseur")
        )
        .await
        .0,
        303
    );
    assert_eq!(change_mails(&owner, gironde).await.len(), 1);
    assert_eq!(
        post(
            &mut operator,
            &edit,
            form("Salle Bleue", "2026-12-06T10:00", "12", "Boucle magnétique")
        )
        .await
        .0,
        303
    );
    let mails = change_mails(&owner, gironde).await;
    assert_eq!(mails.len(), 2);
    assert!(mails[1].1.contains("SEQUENCE:2\r\n"));

    // Below the people placed (one here): refused, nothing changes.
    let (status, _, html) = post(
        &mut operator,
        &edit,
        form("Salle Bleue", "2026-12-06T10:00", "0", "Boucle magnétique"),
    )
    .await;
    assert_eq!(status, 422, "a capacity of 0 is not a session");
    let long = Box::leak("p".repeat(201).into_boxed_str());
    let (status, _, _) = post(
        &mut operator,
        &edit,
        form(long, "2026-12-06T10:00", "12", "Boucle magnétique"),
    )
    .await;
    assert_eq!(
        status, 422,
        "a place over 200 characters is refused, not a server error"
    );
    assert!(html.contains("séance"));
    let second = account(&owner, "second@example.org").await;
    crate::helpers::as_owner(
        &owner,
        gironde,
        format!(
            "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, consent_at)
             SELECT tenant_id, recruitment_id, '{second}', 'second@example.org', now() FROM workshop_draws WHERE id = '{draw}';
             INSERT INTO workshop_selections (tenant_id, draw_id, application_id, probability, status, seat, session_id)
             SELECT d.tenant_id, d.id, a.id, 1, 'confirmed', 2, '{session}' FROM workshop_draws d
               JOIN workshop_applications a ON a.recruitment_id = d.recruitment_id AND a.email = 'second@example.org'
              WHERE d.id = '{draw}';"
        ),
    )
    .await;
    let (status, _, html) = post(
        &mut operator,
        &edit,
        form("Salle Bleue", "2026-12-06T10:00", "1", "Boucle magnétique"),
    )
    .await;
    assert_eq!(status, 409);
    assert!(html.contains("inférieure aux 2 personnes déjà placées"), "{html}");
    let capacity: i32 = sqlx::query_scalar("SELECT capacity FROM workshop_sessions WHERE id = $1")
        .bind(session)
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(capacity, 12);
}
