//! Finding and acting on many contributions: the search narrows by text, author, status,
//! campaign, theme and date, 50 a page; a bulk action changes only what it would change, each
//! change audited, harmless when sent twice; another space's ideas are out of reach.

use uuid::Uuid;

use crate::browser::extract;
use crate::helpers::{TestApp, as_owner, insert_campaign, tenant_id};

use super::*;

async fn count(owner: &sqlx::PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(owner).await.unwrap()
}

// Over 100 lines: one search narrowed filter by filter, paged, then acted on (hide twice,
// restore, theme), each step on what the last one left.
#[tokio::test]
async fn an_operator_finds_contributions_and_acts_on_many_at_once_once() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let aude = tenant_id(&owner, "aude").await;
    let horaires = insert_campaign(&owner, "gironde", "local", "Horaires de l’agence").await;
    let rdv = insert_campaign(&owner, "gironde", "local", "Prendre rendez-vous").await;
    let elsewhere = insert_campaign(&owner, "aude", "local", "Ailleurs").await;
    as_owner(&owner, gironde, format!(
        "UPDATE campaigns SET themes = ARRAY['Accueil', 'Horaires'] WHERE id = '{horaires}';
         INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, status, submission_key, created_at)
         SELECT '{gironde}', '{horaires}', '{gironde}', 'idee', 'Ouvrir le samedi ' || n, 'Le samedi matin serait pratique.', 'published', gen_random_uuid(),
                '2026-11-10'::date + n * interval '1 minute'
           FROM generate_series(1, 55) n;
         INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, status, submission_key, created_at)
         VALUES ('{gironde}', '{rdv}', '{gironde}', 'attente', 'Un rappel par SMS', 'Un SMS la veille du rendez-vous.', 'pending', gen_random_uuid(), '2026-11-20'),
                ('{gironde}', '{rdv}', '{gironde}', 'experience', 'Attente au guichet', 'Deux heures 100% perdues.', 'hidden', gen_random_uuid(), '2026-11-21');"
    )).await;
    as_owner(&owner, aude, format!(
        "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, submission_key)
         VALUES ('{aude}', '{elsewhere}', '{aude}', 'idee', 'Ouvrir le samedi ailleurs', 'Idée d’une autre Caf.', gen_random_uuid());"
    )).await;
    let password = make_operator(&owner, "modo@caf33.caf.fr", false, Some(("gironde", "moderator"))).await;
    let mut modo = signed_in(&app, GIRONDE, "modo@caf33.caf.fr", &password).await;

    // Filters, each narrowing; the other space's idea never shows.
    let found = |html: &str| extract(html, "id=\"resultats\">").unwrap_or_default();
    let (status, html) = modo.get("/admin/contributions").await;
    assert_eq!(status, 200);
    assert!(
        found(&html).starts_with("57 contributions trouvées"),
        "{}",
        found(&html)
    );
    assert!(html.contains("Page 1 sur 2") && html.contains("page=2"));
    let (_, html) = modo.get("/admin/contributions?q=samedi").await;
    assert!(found(&html).starts_with("55 contributions"), "text");
    let (_, html) = modo.get("/admin/contributions?q=100%25").await;
    assert!(
        found(&html).starts_with("1 contribution trouvée"),
        "a % is taken literally"
    );
    let (_, html) = modo.get("/admin/contributions?statut=pending").await;
    assert!(found(&html).starts_with("1 contribution") && html.contains("Un rappel par SMS"));
    let (_, html) = modo.get(&format!("/admin/contributions?campagne={rdv}")).await;
    assert!(found(&html).starts_with("2 contributions"), "campaign");
    let (_, html) = modo.get("/admin/contributions?du=2026-11-20&au=2026-11-20").await;
    assert!(
        found(&html).starts_with("1 contribution") && html.contains("Un rappel par SMS"),
        "dates"
    );
    let (_, html) = modo.get("/admin/contributions?q=samedi&page=2").await;
    assert!(html.contains("Page 2 sur 2") && html.matches("name=\"ids\"").count() == 5);
    assert!(!html.contains("ailleurs"));

    // Hide three for a reason of the charter, twice: three changes, three audit lines.
    let (_, html) = modo.get("/admin/contributions?q=samedi").await;
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let ids: Vec<String> = html
        .match_indices("name=\"ids\" value=\"")
        .take(3)
        .map(|(i, m)| html[i + m.len()..i + m.len() + 36].to_owned())
        .collect();
    let foreign: Uuid = sqlx::query_scalar("SELECT id FROM ideas WHERE campaign_id = $1")
        .bind(elsewhere)
        .fetch_one(&owner)
        .await
        .unwrap();
    let mut form: Vec<(&str, String)> = vec![
        ("csrf", csrf.clone()),
        ("retour", "q=samedi".into()),
        ("action", "masquer".into()),
        ("charter_reason", "off_topic".into()),
        ("note", String::new()),
        ("theme", String::new()),
        ("ids", foreign.to_string()),
    ];
    form.extend(ids.iter().map(|id| ("ids", id.clone())));
    for expected in ["traitees=3", "traitees=0"] {
        let (status, location, _) = post(&mut modo, "/admin/contributions/lot", &form).await;
        assert_eq!(status, 303);
        let location = location.unwrap();
        assert!(
            location.starts_with("/admin/contributions?q=samedi&") && location.ends_with(expected),
            "{location}"
        );
    }
    assert_eq!(
        count(&owner, "SELECT count(*) FROM ideas WHERE status = 'hidden'").await,
        4
    );
    assert_eq!(
        count(
            &owner,
            "SELECT count(*) FROM audit_log WHERE action = 'moderation.hide'"
        )
        .await,
        3
    );
    let (_, html) = modo.get("/admin/contributions?q=samedi&traitees=3").await;
    assert!(html.contains("3 contributions traitées."));
    let untouched: String = sqlx::query_scalar("SELECT status FROM ideas WHERE id = $1")
        .bind(foreign)
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(untouched, "published", "another space's idea is out of reach");

    // Restoring needs a written reason; with one, the three come back.
    // A refusal shows the same search again, with the ticks and the action kept.
    form[2].1 = "retablir".into();
    let (status, _, html) = post(&mut modo, "/admin/contributions/lot", &form).await;
    assert_eq!(status, 422, "{html:.300}");
    assert!(html.contains("écrivez un motif"));
    assert!(html.contains("value=\"retablir\" checked"), "the action is kept");
    for id in &ids {
        assert!(
            html.contains(&format!("value=\"{id}\" id=\"c-{id}\" checked")),
            "the ticks are kept"
        );
    }
    form[4].1 = "Masquées par erreur".into();
    assert!(
        post(&mut modo, "/admin/contributions/lot", &form)
            .await
            .1
            .unwrap()
            .ends_with("traitees=3")
    );
    assert_eq!(
        count(&owner, "SELECT count(*) FROM ideas WHERE status = 'hidden'").await,
        1
    );

    // A theme of their campaign; one the campaign does not have changes nothing.
    form[2].1 = "theme".into();
    form[5].1 = "Horaires".into();
    assert!(
        post(&mut modo, "/admin/contributions/lot", &form)
            .await
            .1
            .unwrap()
            .ends_with("traitees=3")
    );
    let (_, html) = modo.get("/admin/contributions?theme=Horaires").await;
    assert!(found(&html).starts_with("3 contributions"));
    form[5].1 = "Inventé".into();
    assert!(
        post(&mut modo, "/admin/contributions/lot", &form)
            .await
            .1
            .unwrap()
            .ends_with("traitees=0")
    );
    assert_eq!(
        count(
            &owner,
            "SELECT count(*) FROM audit_log WHERE action = 'moderation.theme'"
        )
        .await,
        3
    );
}
