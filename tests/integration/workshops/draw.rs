//! The operator's recruitment flow in the console: open a recruitment, add a session, draw a panel
//! that meets the quotas.

use uuid::Uuid;

use crate::helpers::{insert_campaign, tenant_id};

use super::*;

// Over 100 lines: one recruitment end to end (opened → session added → volunteers →
// infeasible quotas refused → panel drawn → questionnaire frozen → invitations → declines promote
// → a race on one link → a late link → attendance); each step needs the draw and seats the last left.
#[tokio::test]
async fn an_operator_opens_a_recruitment_adds_a_session_and_draws_a_panel_that_meets_the_quotas() {
    let app = crate::helpers::TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Ateliers familles").await;
    let path = format!("/admin/campagnes/{campaign}/ateliers");

    let mut moderator = operator_browser(&app, "gironde", "moderator").await;
    let (status, _) = moderator.get(&path).await;
    assert_eq!(status, 403, "moderators do not see volunteers' profiles");

    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let (status, page) = operator.get(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ouvrir un recrutement"));
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    let (status, _, _) = operator.post_form(&path, &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);

    let session_path = format!("{path}/seances");
    let session = [
        ("csrf", csrf.as_str()),
        ("title", "Atelier du samedi"),
        ("place", "Maison des familles"),
        ("address", "1 rue du Port, Bordeaux"),
        ("accessibility", "Plain-pied"),
        ("starts_at", "2027-01-16T09:30"),
        ("ends_at", "2027-01-16T12:00"),
        ("capacity", "12"),
    ];
    let (status, _, _) = operator.post_form(&session_path, &session).await;
    assert_eq!(status, 303);
    let mut backwards = session;
    backwards[6] = ("ends_at", "2027-01-16T08:00");
    let (status, _, page) = operator.post_form(&session_path, &backwards).await;
    assert_eq!(status, 422);
    assert!(page.contains("Séance incomplète"));
    // A NUL in a field: the form again, the entry kept without it, nothing stored.
    let mut nul = session;
    nul[2] = ("place", "Maison\u{0} des familles");
    let (status, _, page) = operator.post_form(&session_path, &nul).await;
    assert_eq!(status, 422);
    assert!(page.contains("caractère de contrôle non autorisé"), "the message");
    assert!(page.contains("value=\"Maison des familles\""), "the place is kept");

    // 30 volunteers, 15 of them single parents.
    let mut tx = in_space(&test_app_pool(&app).await, gironde).await;
    let recruitment: Uuid = sqlx::query_scalar("SELECT id FROM workshop_recruitments WHERE campaign_id = $1")
        .bind(campaign)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for i in 0..30 {
        let who = account(&owner, &format!("vol{i}@example.org")).await;
        let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
        let family = if i % 2 == 0 {
            "Parent seul avec enfant(s)"
        } else {
            "En couple avec enfant(s)"
        };
        sqlx::query(
            "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, answers, consent_at)
             VALUES ($1, $2, $3, $4, $5, now())",
        )
        .bind(gironde)
        .bind(recruitment)
        .bind(who)
        .bind(format!("vol{i}@example.org"))
        .bind(serde_json::json!({"family_situation": family, "age_bracket": "30 à 39 ans"}))
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let (_, page) = operator.get(&path).await;
    assert!(page.contains("Vivier de volontaires (30)"));
    assert!(
        page.contains("16 janvier 2027, 9 h 30–12 h"),
        "sessions in Paris time, as entered (08:30 UTC in January)"
    );

    let draw_path = format!("{path}/tirage");
    // Infeasible: more seats than volunteers; a minimum above the volunteers who have it.
    let (status, _, page) = operator
        .post_form(&draw_path, &[("csrf", &csrf), ("seats", "40")])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("40 places pour 30 volontaires"), "{page}");
    let (status, _, page) = operator
        .post_form(
            &draw_path,
            &[("csrf", &csrf), ("seats", "20"), ("q-min-family_situation-1", "100")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("seuls 15 volontaires l’ont : il en manque 5"), "{page}");

    // At least 70 % single parents among 10 seats.
    let (status, _, _) = operator
        .post_form(
            &draw_path,
            &[("csrf", &csrf), ("seats", "10"), ("q-min-family_situation-1", "70")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = operator.get(&path).await;
    assert!(page.contains("Graine publiée"));
    assert_eq!(
        page.matches("Tiré au sort, invitation à envoyer").count(),
        10,
        "drawn, not invited until the invitations are sent"
    );
    // LEXIMIN: single parents 7/15, the others 3/15 — shown to the operator.
    assert!(
        page.contains("46,67\u{202F}%") && page.contains("20,00\u{202F}%"),
        "probabilities shown"
    );

    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let single_parents: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM workshop_selections s JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
          WHERE s.status = 'invited' AND a.answers->>'family_situation' = 'Parent seul avec enfant(s)'",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert!(single_parents >= 7, "{single_parents}");
    // After the draw: the quota asked (in the seats the draw used, with the percentage typed
    // beside it) and the composition reached, per answer.
    assert!(
        page.contains("Dans le panel tiré") && page.contains("value=\"7\"") && page.contains("soit 70\u{202F}%"),
        "the quota asked"
    );
    let reached = format!("<td>{single_parents} ({},0\u{202F}%)</td>", single_parents * 10);
    assert!(page.contains(&reached), "{reached}");
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'workshops.draw'")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(audit, 1);
    tx.commit().await.unwrap();

    let (status, _, page) = operator
        .post_form(&draw_path, &[("csrf", &csrf), ("seats", "10")])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("déjà été fait"));
    // The questionnaire is frozen once drawn.
    let (status, _, page) = operator
        .post_form(
            &format!("{path}/questions"),
            &[("csrf", &csrf), ("q_label", "Trop tard ?"), ("q_kind", "text")],
        )
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("Le tirage a déjà été fait : le questionnaire ne peut plus changer."));
    assert!(!page.contains("Trop tard ?"));

    // Invitations: one single-use link each, through the outbox.
    let (status, _, _) = operator
        .post_form(&format!("{path}/invitations"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 303);
    let tokens = invitation_tokens(&owner, gironde).await;
    assert_eq!(tokens.len(), 10);

    let mut volunteer = crate::browser::Browser::new(&app, "gironde.localhost");
    let answer = |t: &str| format!("/ateliers/reponse/{t}");
    let (status, page) = volunteer.get(&answer(&tokens[0])).await;
    assert_eq!(status, 200, "{page}");
    let vcsrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    let (status, _, page) = volunteer
        .post_form(&answer(&tokens[0]), &[("csrf", &vcsrf), ("reponse", "oui")])
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Participation confirmée"));
    let (status, _, page) = volunteer
        .post_form(&answer(&tokens[0]), &[("csrf", &vcsrf), ("reponse", "non")])
        .await;
    assert_eq!(status, 409, "a link works once");
    assert!(page.contains("Lien déjà utilisé"));

    // Declines promote from the waitlist, keeping the quotas, and the promoted get a link.
    for t in &tokens[1..4] {
        let (status, _, page) = volunteer
            .post_form(&answer(t), &[("csrf", &vcsrf), ("reponse", "non")])
            .await;
        assert_eq!(status, 200, "{page}");
    }
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let (holding, single): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE a.answers->>'family_situation' = 'Parent seul avec enfant(s)')
           FROM workshop_selections s JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
          WHERE s.status IN ('invited', 'confirmed')",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(holding, 10, "every seat given back was taken again");
    assert!(single >= 7, "the quota holds after promotions: {single}");
    assert_eq!(invitation_tokens(&owner, gironde).await.len(), 13);

    // A confirmation and a decline of the same link at once: exactly one wins.
    let racing = tokens[4].clone();
    let mut a = crate::browser::Browser::new(&app, "gironde.localhost");
    let mut b = crate::browser::Browser::new(&app, "gironde.localhost");
    let (_, pa) = a.get(&answer(&racing)).await;
    let (_, pb) = b.get(&answer(&racing)).await;
    let ca = crate::browser::extract(&pa, "name=\"csrf\" value=\"").unwrap();
    let cb = crate::browser::extract(&pb, "name=\"csrf\" value=\"").unwrap();
    let (path_a, path_b) = (answer(&racing), answer(&racing));
    let (fa, fb) = (
        [("csrf", ca.as_str()), ("reponse", "oui")],
        [("csrf", cb.as_str()), ("reponse", "non")],
    );
    let (ra, rb) = tokio::join!(a.post_form(&path_a, &fa), b.post_form(&path_b, &fb));
    let mut statuses = [ra.0, rb.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let doubled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT seat FROM workshop_selections WHERE status IN ('invited', 'confirmed')
                               GROUP BY seat HAVING count(*) > 1) d",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(doubled, 0);
    tx.commit().await.unwrap();

    // A link used after its deadline: "too late" (410, in French), the seat goes to the next
    // person of the waitlist, who gets a link of their own.
    let late = tokens[5].clone();
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query("UPDATE workshop_selections SET deadline = now() - interval '1 hour' WHERE token_hash = $1")
        .bind(ecoute::tokens::hash_token(&late))
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let sent_before = invitation_tokens(&owner, gironde).await.len();
    let (status, _, page) = volunteer
        .post_form(&answer(&late), &[("csrf", &vcsrf), ("reponse", "oui")])
        .await;
    assert_eq!(status, 410, "{page}");
    assert!(page.contains("Délai dépassé"), "{page}");
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let late_status: String = sqlx::query_scalar("SELECT status FROM workshop_selections WHERE token_hash = $1")
        .bind(ecoute::tokens::hash_token(&late))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let holding: i64 =
        sqlx::query_scalar("SELECT count(*) FROM workshop_selections WHERE status IN ('invited', 'confirmed')")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(late_status, "expired");
    assert_eq!(holding, 10, "the seat was given to the waitlist");
    assert_eq!(invitation_tokens(&owner, gironde).await.len(), sent_before + 1);
    let (status, _, _) = volunteer
        .post_form(&answer(&late), &[("csrf", &vcsrf), ("reponse", "oui")])
        .await;
    assert_eq!(status, 410, "still too late the second time");

    // Attendance: confirmed people get a session and a presence; the summary counts them.
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let confirmed: Vec<Uuid> = sqlx::query_scalar(
        "SELECT application_id FROM workshop_selections WHERE status = 'confirmed' ORDER BY application_id",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    let session: Uuid = sqlx::query_scalar("SELECT id FROM workshop_sessions")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(!confirmed.is_empty());
    let mut fields = vec![("csrf".to_owned(), csrf.clone())];
    for (k, id) in confirmed.iter().enumerate() {
        fields.push((format!("seance-{id}"), session.to_string()));
        if k == 0 {
            fields.push((format!("present-{id}"), "oui".to_owned()));
        }
    }
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _, _) = operator.post_form(&format!("{path}/presences"), &borrowed).await;
    assert_eq!(status, 303);
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let (assigned, attended): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE session_id IS NOT NULL), count(*) FILTER (WHERE attended) FROM workshop_selections",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((assigned, attended), (confirmed.len() as i64, 1));
    let (_, page) = operator.get(&path).await;
    assert!(
        page.contains(&format!("<td>12</td><td>{}</td><td>1</td>", confirmed.len())),
        "per-session summary"
    );
}
