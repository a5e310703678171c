//! The contributions search beyond ideas: comments are found and moderated in bulk, ideas are
//! filed under a theme of the campaign's analysis (an edit that survives re-runs), and a refused
//! action shows the search again with what was ticked.

use ecoute::tenancy::TenantDb;
use uuid::Uuid;

use crate::analysis::{answers, insert_ideas, run_analysis, sample};
use crate::browser::extract;
use crate::helpers::{TestApp, as_owner, insert_campaign, tenant_id};

use super::*;

async fn count(owner: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(owner)
        .await
        .unwrap()
}

/// The themes of the campaign's analysis as the console shows them: (key, members).
async fn themes(db: &TenantDb, tenant: Uuid, campaign: Uuid) -> Vec<(Uuid, Vec<Uuid>)> {
    let mut tx = db.begin_in(crate::helpers::space(db, tenant).await).await.unwrap();
    let report = ecoute::analysis::report::report(&mut tx, campaign)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    report
        .themes
        .into_iter()
        .map(|t| (t.theme.key, t.theme.members))
        .collect()
}

// Over 100 lines: one moderator's session, each step on what the last one left (a comment
// hidden, then ideas refused and filed under a theme, then a re-run that keeps the filing).
#[tokio::test]
async fn comments_are_moderated_in_bulk_and_ideas_filed_under_an_analysis_theme() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let db = TenantDb::new(app.test_db.app_pool().await);
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Fiscalité locale").await;
    let all = answers();
    let rows = sample(&all, &["ECO_09", "FIS_02"], 35, 40);
    let texts: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let ideas = insert_ideas(&owner, "gironde", campaign, &texts).await;
    as_owner(
        &owner,
        gironde,
        format!(
            "INSERT INTO idea_comments (tenant_id, idea_id, origin_tenant_id, body, submission_key)
         VALUES ('{gironde}', '{idea}', '{gironde}', 'Un commentaire hors sujet', gen_random_uuid()),
                ('{gironde}', '{idea}', '{gironde}', 'Un commentaire utile', gen_random_uuid());",
            idea = ideas[0]
        ),
    )
    .await;
    let run = run_analysis(&db, gironde, campaign, Some(2)).await;
    assert_eq!(run.status, "done", "{run:?}");
    let password = make_operator(&owner, "modo@caf33.caf.fr", false, Some(("gironde", "moderator"))).await;
    let mut modo = signed_in(&app, GIRONDE, "modo@caf33.caf.fr", &password).await;

    // Comments are found, and hidden in bulk like ideas.
    let (status, html) = modo.get("/admin/contributions?genre=commentaire&q=hors+sujet").await;
    assert_eq!(status, 200);
    assert!(
        extract(&html, "id=\"resultats\">")
            .unwrap()
            .starts_with("1 contribution trouvée")
    );
    assert!(html.contains("Commentaire sur") && !html.contains("name=\"ids\""));
    let comment = extract(&html, "name=\"comments\" value=\"").unwrap();
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let form = |action: &str, extra: Vec<(&'static str, String)>| {
        let mut form: Vec<(&str, String)> = vec![
            ("csrf", csrf.clone()),
            ("retour", format!("campagne={campaign}")),
            ("action", action.into()),
            ("charter_reason", "off_topic".into()),
            ("note", String::new()),
            ("theme", String::new()),
        ];
        form.extend(extra);
        form
    };
    let hide = form("masquer", vec![("comments", comment.clone())]);
    for expected in ["traitees=1", "traitees=0"] {
        let (status, location, _) = post(&mut modo, "/admin/contributions/lot", &hide).await;
        assert_eq!((status, location.unwrap().ends_with(expected)), (303, true));
    }
    assert_eq!(
        count(&owner, "SELECT count(*) FROM idea_comments WHERE status = 'hidden'").await,
        1
    );
    let audited =
        format!("SELECT count(*) FROM audit_log WHERE action = 'moderation.hide' AND target = 'comment:{comment}'");
    assert_eq!(count(&owner, &audited).await, 1);

    // Filing under the analysis's themes is offered once a campaign is searched.
    let (_, html) = modo.get("/admin/contributions").await;
    assert!(!html.contains("name=\"analysis_theme\""));
    let (_, html) = modo
        .get(&format!("/admin/contributions?campagne={campaign}&genre=idee"))
        .await;
    assert!(html.contains("name=\"analysis_theme\""), "{html:.2000}");
    let before = themes(&db, gironde, campaign).await;
    assert_eq!(before.len(), 2);
    // Three ideas of the other theme among those on this first page of 50 (the refusal shows
    // the same page, where their ticks must be kept).
    let on_page = |id: &Uuid| html.contains(&format!("value=\"{id}\" id=\"c-{id}\""));
    let others: Vec<Uuid> = before[1].1.iter().filter(|id| on_page(id)).take(3).copied().collect();
    assert_eq!(others.len(), 3, "three of the other theme on the first page");
    let target = before[0].0;
    assert!(html.contains(&format!("<option value=\"{target}\"")));

    // Refused without a theme: the search again, the ticks kept, nothing stored.
    let ticked: Vec<(&'static str, String)> = others.iter().map(|id| ("ids", id.to_string())).collect();
    let (status, _, html) = post(&mut modo, "/admin/contributions/lot", &form("analyse", ticked.clone())).await;
    assert_eq!(status, 422);
    assert!(html.contains("Choisissez un thème de l’analyse"));
    for id in &others {
        assert!(
            html.contains(&format!("value=\"{id}\" id=\"c-{id}\" checked")),
            "ticks kept"
        );
    }
    let mut filing = ticked.clone();
    filing.push(("analysis_theme", target.to_string()));
    for expected in ["traitees=3", "traitees=0"] {
        let (status, location, _) = post(&mut modo, "/admin/contributions/lot", &form("analyse", filing.clone())).await;
        assert_eq!((status, location.unwrap().ends_with(expected)), (303, true));
    }
    let after = themes(&db, gironde, campaign).await;
    let members = |key: Uuid| after.iter().find(|t| t.0 == key).unwrap().1.clone();
    assert!(
        others.iter().all(|id| members(target).contains(id)),
        "filed under the theme"
    );
    assert!(
        others.iter().all(|id| !members(before[1].0).contains(id)),
        "and out of the other one"
    );
    assert_eq!(
        count(
            &owner,
            "SELECT count(*) FROM audit_log WHERE action = 'analysis.classer'"
        )
        .await,
        3
    );

    // A re-run keeps the filing.
    let run = run_analysis(&db, gironde, campaign, Some(2)).await;
    assert_eq!(run.status, "done");
    let rerun = themes(&db, gironde, campaign).await;
    assert!(
        rerun.iter().any(|(_, m)| others.iter().all(|id| m.contains(id))),
        "the filing survives a re-run"
    );
}
