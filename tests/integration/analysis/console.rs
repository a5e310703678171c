//! The analysis in the console: operator edits surviving a re-run, duplicates merged with likes
//! counted once, and the page running for analysts and not for moderators.

use std::collections::HashMap;

use ecoute::analysis::store;
use ecoute::analysis::versions::Edit;
use ecoute::tenancy::TenantDb;
use uuid::Uuid;

use crate::consoles::{make_operator, signed_in};
use crate::helpers::{TestApp, TestDb, insert_campaign, tenant_id};

use super::*;

// Over 100 lines: one operator's session on one analysis: rename, split and merge, then a re-run that must keep
// those edits and the merged likes; each step reads what the one before stored.
#[tokio::test]
async fn operator_edits_survive_a_re_run_and_duplicates_merge_with_likes_counted_once() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let db = TenantDb::new(test_db.app_pool().await);
    let tenant = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Grand débat local").await;

    let all = answers();
    let rows = sample(&all, &["ECO_09", "FIS_02", "ECO_14"], 120, 40);
    // Interleaved by question, so that the later contributions come from all three.
    let mut rank: HashMap<&str, usize> = HashMap::new();
    let mut ordered: Vec<(usize, &str, &str)> = rows
        .iter()
        .map(|(q, t)| {
            let r = rank.entry(q.as_str()).or_default();
            *r += 1;
            (*r, q.as_str(), t.as_str())
        })
        .collect();
    ordered.sort();
    let texts: Vec<&str> = ordered.iter().map(|r| r.2).collect();
    let (first, later) = texts.split_at(300);
    let mut ideas = insert_ideas(&owner, "gironde", campaign, first).await;
    // Two near-identical ideas, liked by the same person and by someone else.
    let twins = insert_ideas(
        &owner,
        "gironde",
        campaign,
        &[
            "Isoler les logements anciens avant de changer de chauffage",
            "isoler les logements anciens, avant de changer de chauffage !",
        ],
    )
    .await;
    ideas.extend(&twins);
    let liker = |email: &str| {
        let email = email.to_owned();
        let owner = owner.clone();
        async move {
            sqlx::query_scalar::<_, Uuid>(
                "INSERT INTO accounts (email, pseudonym) VALUES ($1, 'personne') RETURNING id",
            )
            .bind(email)
            .fetch_one(&owner)
            .await
            .unwrap()
        }
    };
    let (claire, paul) = (liker("claire@exemple.fr").await, liker("paul@exemple.fr").await);
    {
        let mut tx = ecoute::db::owner_tx_in(&owner, tenant).await.unwrap();
        for (idea, account) in [(twins[0], claire), (twins[1], claire), (twins[1], paul)] {
            sqlx::query(
                "INSERT INTO idea_likes (tenant_id, idea_id, account_id, origin_tenant_id) VALUES ($1, $2, $3, $1)",
            )
            .bind(tenant)
            .bind(idea)
            .bind(account)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }

    let run = run_analysis(&db, tenant, campaign, Some(3)).await;
    assert_eq!(run.status, "done", "{run:?}");
    assert_eq!(run.contributions, Some(302));

    let mut tx = db.begin_in(crate::helpers::space(&db, tenant).await).await.unwrap();
    let report = ecoute::analysis::report::report(&mut tx, campaign)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.themes.len(), 3);
    let group = report
        .duplicates
        .iter()
        .find(|d| d.contributions.iter().any(|i| i.id == twins[0]))
        .expect("the twins form a duplicate group");
    assert!(group.contributions.iter().any(|i| i.id == twins[1]));
    // Before the merge, claire's two likes count twice in the priorities.
    let likes: u64 = report.themes.iter().map(|t| t.priority.like_count).sum();
    assert_eq!(likes, 3);
    // The theme about heating: rename it, split off "pompe à chaleur", merge the two others.
    let heating = report
        .themes
        .iter()
        .find(|t| t.theme.key_phrases.iter().any(|p| p.contains("chauffage")))
        .expect("a theme about heating")
        .theme
        .key;
    let others: Vec<Uuid> = report
        .themes
        .iter()
        .map(|t| t.theme.key)
        .filter(|k| *k != heating)
        .collect();
    for edit in [
        Edit::Rename {
            key: heating,
            name: "Se chauffer autrement".into(),
        },
        Edit::Merge {
            into: others[0],
            from: others[1],
        },
        Edit::Rename {
            key: others[0],
            name: "Impôts et Europe".into(),
        },
    ] {
        store::add_edit(&mut tx, campaign, &edit, Uuid::new_v4()).await.unwrap();
    }
    // Merge the twins: the person who liked both counts once.
    store::merge_contributions(&mut tx, campaign, twins[0], &[twins[1]], Uuid::new_v4())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // New contributions come in; the analysis runs again.
    insert_ideas(&owner, "gironde", campaign, later).await;
    let run = run_analysis(&db, tenant, campaign, Some(3)).await;
    assert_eq!((run.status.as_str(), run.version), ("done", 2), "{run:?}");
    let mut tx = db.begin_in(crate::helpers::space(&db, tenant).await).await.unwrap();
    let report = ecoute::analysis::report::report(&mut tx, campaign)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    let names: Vec<&str> = report.themes.iter().map(|t| t.theme.name.as_str()).collect();
    assert_eq!(report.themes.len(), 2, "{names:?}");
    assert!(names.contains(&"Se chauffer autrement"), "{names:?}");
    assert!(names.contains(&"Impôts et Europe"), "{names:?}");
    let kept = report
        .duplicates
        .iter()
        .flat_map(|d| d.contributions.iter())
        .find(|i| i.id == twins[0])
        .expect("the twins are still a group");
    assert_eq!(kept.likes, 2, "claire liked both twins: once; paul once");
    let merged = report
        .duplicates
        .iter()
        .flat_map(|d| d.contributions.iter())
        .find(|i| i.id == twins[1])
        .unwrap();
    assert_eq!((merged.likes, merged.merged_into), (0, Some(twins[0])));
    // And in the priorities: three likes by two people on the merged group count two.
    let likes: u64 = report.themes.iter().map(|t| t.priority.like_count).sum();
    assert_eq!(likes, 2, "likes counted once per person across the merged group");

    // Both runs are metered, once each.
    let mut tx = db.begin_in(crate::helpers::space(&db, tenant).await).await.unwrap();
    let usage = ecoute::metering::usage::for_space(&mut tx, ecoute::metering::current_month())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(usage.analysis_runs, 2);
}

// Over 100 lines: the page as an analyst meets it: refused to a moderator, empty, a run started,
// its progress and result, refused edits kept as typed with nothing stored, then that run's exports;
// each step needs the run the one before started.
#[tokio::test]
async fn the_analysis_page_runs_for_analysts_and_not_for_moderators() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Consultation analysée").await;
    let all = answers();
    let rows = sample(&all, &["ECO_09", "FIS_02"], 40, 40);
    let texts: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    insert_ideas(&owner, "gironde", campaign, &texts).await;
    let host = "gironde.localhost";
    let page = format!("/admin/campagnes/{campaign}/analyse");

    let password = make_operator(&owner, "mod@caf33.caf.fr", false, Some(("gironde", "moderator"))).await;
    let mut moderator = signed_in(&app, host, "mod@caf33.caf.fr", &password).await;
    assert_eq!(moderator.get(&page).await.0, 403);

    let password = make_operator(&owner, "ana@caf33.caf.fr", false, Some(("gironde", "analyst"))).await;
    let mut analyst = signed_in(&app, host, "ana@caf33.caf.fr", &password).await;
    let (status, html) = analyst.get(&page).await;
    assert_eq!(status, 200);
    assert!(html.contains("Aucune analyse"), "{html}");
    let csrf = analyst.csrf(&page).await;
    let (status, location, _) = analyst.post_form(&page, &[("csrf", &csrf), ("themes", "2")]).await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some(&*format!("{page}?fait=lancee")))
    );
    // The page shows progress, then the result.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let html = loop {
        let (_, html) = analyst.get(&page).await;
        if html.contains("Points saillants") || std::time::Instant::now() > deadline {
            break html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(html.contains("Comment le score est-il calculé"), "{html}");

    // Refused entries come back in their form, as typed, next to their message; nothing stored.
    let csrf = analyst.csrf(&page).await;
    let (status, _, html) = analyst.post_form(&page, &[("csrf", &csrf), ("themes", "douze")]).await;
    assert_eq!(status, 422);
    assert!(
        html.contains(r#"value="douze""#) && html.contains("un nombre de 1 à 100"),
        "{html}"
    );
    let theme = html
        .split(r#"id="theme-"#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a theme on the page")
        .to_owned();
    let themes = format!("{page}/themes");
    let long = "Logement ".repeat(14);
    let (status, _, html) = analyst
        .post_form(
            &themes,
            &[
                ("csrf", &csrf),
                ("theme", &theme),
                ("action", "renommer"),
                ("name", &long),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains(&format!(r#"value="{long}""#)),
        "the typed name is kept: {html}"
    );
    assert!(
        html.contains(r#"aria-invalid="true" aria-describedby="name-error-"#),
        "{html}"
    );
    let (status, _, html) = analyst
        .post_form(
            &themes,
            &[
                ("csrf", &csrf),
                ("theme", &theme),
                ("action", "separer"),
                ("phrase", "x"),
                ("name", "Aides"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains(r#"value="x""#) && html.contains(r#"value="Aides""#),
        "{html}"
    );
    assert!(html.contains("expression doit compter de 2 à 120 caractères"), "{html}");
    let edits: i64 = sqlx::query_scalar("SELECT count(*) FROM analysis_edits WHERE campaign_id = $1")
        .bind(campaign)
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(edits, 0);

    let (status, csv) = analyst.get(&format!("{page}/export/themes.csv")).await;
    assert_eq!(status, 200);
    assert!(csv.starts_with('\u{feff}') && csv.contains("Expressions clés"), "{csv}");
    let (status, _) = analyst.get(&format!("{page}/export/contributions.json")).await;
    assert_eq!(status, 200);
}

/// Below `MIN_THEMED` contributions the page says themes would mean little, lists the
/// contributions plainly, and nothing can be published, even by a forged form.
#[tokio::test]
async fn a_small_set_is_a_plain_list_and_never_public() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Petite consultation").await;
    let all = answers();
    let rows = sample(&all, &["ECO_09", "FIS_02"], 10, 40);
    let texts: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert!(texts.len() < ecoute::analysis::MIN_THEMED);
    insert_ideas(&owner, "gironde", campaign, &texts).await;
    let db = TenantDb::new(app.test_db.app_pool().await);
    let tenant = tenant_id(&owner, "gironde").await;
    let run = run_analysis(&db, tenant, campaign, None).await;
    assert_eq!(run.status, "done", "{run:?}");

    let password = make_operator(&owner, "petit@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, "gironde.localhost", "petit@caf33.caf.fr", &password).await;
    let page = format!("/admin/campagnes/{campaign}/analyse");
    let (status, html) = operator.get(&page).await;
    assert_eq!(status, 200);
    assert!(html.contains("à peine mieux que le hasard"), "{html}");
    assert!(html.contains("Les contributions, en liste simple"));
    let listed = texts
        .iter()
        .filter(|t| html.contains(&t.chars().take(30).collect::<String>()))
        .count();
    assert!(
        listed >= texts.len() / 2,
        "the contributions are listed ({listed} of {})",
        texts.len()
    );
    assert!(!html.contains("Publier ces thèmes"), "no publication offered");
    assert!(!html.contains("Points saillants"), "no themes shown");

    let csrf = operator.csrf(&page).await;
    let (status, _, _) = operator
        .post_form(
            &format!("{page}/publication"),
            &[("csrf", &csrf), ("action", "publier")],
        )
        .await;
    assert_eq!(status, 303);
    let published: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT published_at FROM analysis_runs WHERE id = $1")
            .bind(run.id)
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(published, None, "a small set is not published");
    sqlx::query("UPDATE analysis_runs SET published_at = now() WHERE id = $1")
        .bind(run.id)
        .execute(&owner)
        .await
        .unwrap();
    let mut tx = db.begin_in(crate::helpers::space(&db, tenant).await).await.unwrap();
    let public = ecoute::analysis::report::public_report(&mut tx, campaign)
        .await
        .unwrap();
    assert!(public.is_none(), "even marked published, a small set is never public");
}
