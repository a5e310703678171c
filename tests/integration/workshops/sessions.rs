//! Assigning drawn people to the sessions they can attend, within seats, naming the rest.

use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{insert_campaign, tenant_id};

use super::*;

// Over 100 lines: one drawn panel assigned end to end (five people with their availabilities →
// automatic assignment → moved by hand → the moved person's calendar update); each step works on the
// seats the last one left.
#[tokio::test]
async fn the_console_assigns_drawn_people_to_sessions_they_can_attend_within_seats_and_names_the_rest() {
    let app = crate::helpers::TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Ateliers familles").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let recruitment: Uuid =
        sqlx::query_scalar("INSERT INTO workshop_recruitments (tenant_id, campaign_id) VALUES ($1, $2) RETURNING id")
            .bind(gironde)
            .bind(campaign)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let mut sessions = Vec::new();
    for (title, capacity) in [("Matin", 1), ("Soir", 2)] {
        sessions.push(
            sqlx::query_scalar::<_, Uuid>(
                "INSERT INTO workshop_sessions (tenant_id, recruitment_id, title, caf_name, place, address, starts_at, ends_at, capacity)
                 VALUES ($1, $2, $3, 'Caf', 'Maison des familles', '1 rue du Port', now() + interval '20 days', now() + interval '20 days 2 hours', $4)
                 RETURNING id",
            )
            .bind(gironde)
            .bind(recruitment)
            .bind(title)
            .bind(capacity)
            .fetch_one(&mut *tx)
            .await
            .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    let (morning, evening) = (sessions[0], sessions[1]);
    // Seat order: anne (morning or evening), bruno (morning only), chloe (evening, already
    // placed there by hand), dina (no session named), emile (morning only).
    let people: [(&str, Vec<Uuid>, Option<Uuid>); 5] = [
        ("anne", vec![morning, evening], None),
        ("bruno", vec![morning], None),
        ("chloe", vec![evening], Some(evening)),
        ("dina", vec![], None),
        ("emile", vec![morning], None),
    ];
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let draw: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_draws (tenant_id, recruitment_id, seed, seats, quotas, algorithm, min_probability, gini, drawn_by)
         VALUES ($1, $2, 1, 5, '{}', 'leximin', 1, 0, 'test') RETURNING id",
    )
    .bind(gironde)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut ids = std::collections::HashMap::new();
    for (seat, (name, available, placed)) in people.iter().enumerate() {
        let email = format!("{name}@example.org");
        let who = account(&owner, &email).await;
        let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
        let application: Uuid = sqlx::query_scalar(
            "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, sessions, consent_at)
             VALUES ($1, $2, $3, $4, $5, now()) RETURNING id",
        )
        .bind(gironde)
        .bind(recruitment)
        .bind(who)
        .bind(&email)
        .bind(available)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO workshop_selections (tenant_id, draw_id, application_id, probability, status, seat, session_id)
             VALUES ($1, $2, $3, 1, 'invited', $4, $5)",
        )
        .bind(gironde)
        .bind(draw)
        .bind(application)
        .bind(seat as i32 + 1)
        .bind(placed)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        ids.insert(*name, application);
    }

    let path = format!("/admin/campagnes/{campaign}/ateliers");
    let mut moderator = operator_browser(&app, "gironde", "moderator").await;
    let (_, page) = moderator.get("/admin").await;
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").expect("a form with a token");
    let (status, _, _) = moderator
        .post_form(&format!("{path}/repartition"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 403, "moderators cannot assign");

    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let (status, page) = operator.get(&path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Personnes tirées au sort sans séance, que la répartition peut placer : 2"),
        "{page}"
    );
    assert!(page.contains("qu’aucune séance ne peut accueillir (2)"), "{page}");
    assert!(page.contains("dina@example.org : aucune séance indiquée comme possible"));
    assert!(page.contains("emile@example.org : les séances possibles sont complètes"));
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    let (status, location, _) = operator
        .post_form(&format!("{path}/repartition"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 303);
    assert!(location.unwrap_or_default().ends_with("?fait=repartition"));

    let placed = |owner: PgPool| async move {
        let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
        let rows: Vec<(Uuid, Option<Uuid>)> =
            sqlx::query_as("SELECT application_id, session_id FROM workshop_selections WHERE draw_id = $1")
                .bind(draw)
                .fetch_all(&mut *tx)
                .await
                .unwrap();
        tx.commit().await.unwrap();
        rows.into_iter().collect::<std::collections::HashMap<_, _>>()
    };
    let after = placed(owner.clone()).await;
    // Bruno can only come in the morning: anne, who can do both, goes in the evening with chloe.
    assert_eq!(after[&ids["bruno"]], Some(morning));
    assert_eq!(after[&ids["anne"]], Some(evening));
    assert_eq!(after[&ids["chloe"]], Some(evening), "the hand assignment is kept");
    assert_eq!(after[&ids["dina"]], None);
    assert_eq!(after[&ids["emile"]], None);

    let (_, page) = operator.get(&format!("{path}?fait=repartition")).await;
    assert!(page.contains("Répartition faite"));
    assert!(page.contains("que la répartition peut placer : 0"));
    assert!(page.contains("emile@example.org : les séances possibles sont complètes"));
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let audit: Vec<serde_json::Value> =
        sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'workshops.assign'")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(audit, vec![serde_json::json!({"placed": 2, "unplaced": 2})]);

    // The operator still decides: anne (invited, not confirmed yet) moved to the morning by
    // hand, over its single seat, and bruno taken out of it.
    let (_, page) = operator.get(&path).await;
    assert!(
        page.contains(&format!("name=\"seance-{}\"", ids["anne"])),
        "invited people are listed"
    );
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    let field = |name: &str| format!("seance-{}", ids[name]);
    let (morning_id, evening_id) = (morning.to_string(), evening.to_string());
    let form = [
        ("csrf".to_owned(), csrf),
        (field("anne"), morning_id.clone()),
        (field("bruno"), String::new()),
        (field("chloe"), evening_id),
        (field("dina"), String::new()),
        (field("emile"), String::new()),
        (format!("present-{}", ids["anne"]), "oui".to_owned()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _, _) = operator.post_form(&format!("{path}/presences"), &form).await;
    assert_eq!(status, 303);
    let after = placed(owner.clone()).await;
    assert_eq!(after[&ids["anne"]], Some(morning));
    assert_eq!(after[&ids["bruno"]], None);
    // Anne, moved, is told, with a calendar that cancels the evening and adds the morning;
    // bruno, taken out, and chloe, unchanged, get nothing.
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let told: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT to_address, kind, attachment_text FROM mail_outbox WHERE subject = 'Votre atelier de la Caf change de séance'",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].0.starts_with("anne"), "{told:?}");
    assert_eq!(told[0].1, "workshop");
    // Unfolded: RFC 5545 folds lines over 75 octets, the UIDs' among them.
    let ics = told[0].2.as_deref().expect("a calendar file").replace("\r\n ", "");
    let (cancelled, added) = ics.split_once("END:VEVENT").unwrap();
    assert!(cancelled.contains(&format!("-{evening}@ecoute")) && cancelled.contains("STATUS:CANCELLED"));
    assert!(added.contains(&format!("-{morning}@ecoute")) && !added.contains("CANCELLED"));
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let attended: Option<bool> =
        sqlx::query_scalar("SELECT attended FROM workshop_selections WHERE application_id = $1")
            .bind(ids["anne"])
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(attended, None, "attendance is for confirmed people only");
}
