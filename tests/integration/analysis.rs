//! Semantic analysis on real text (the Grand Débat answers in `../shared/data`), and as a
//! background job on a campaign: ideas and free-text survey answers analysed together, results
//! stored, edits kept across runs, profiles from a survey question, clear refusals, the console
//! page and its rights.

use std::collections::HashMap;
use std::path::PathBuf;

use ecoute::analysis::cli::read_csv;
use ecoute::analysis::duplicates::{DuplicateParams, near_duplicates};
use ecoute::analysis::quality::nmi;
use ecoute::analysis::store;
use ecoute::analysis::text::fold;
use ecoute::analysis::vectors::Corpus;
use ecoute::analysis::versions::Edit;
use ecoute::analysis::{Params, ThemeCount, analyse, job};
use ecoute::tenancy::TenantDb;
use sqlx::PgPool;
use uuid::Uuid;

use crate::consoles::{make_operator, signed_in};
use crate::helpers::{TestApp, TestDb, insert_campaign, tenant_id};

/// The Grand Débat answers: (question, text) rows. The data live beside the repository, never
/// in it; without them this test fails, it does not pass silently.
pub(crate) fn answers() -> Vec<(String, String)> {
    // The shared folder beside the repository; `ECOUTE_SHARED_DATA` points elsewhere, and a
    // clone made away from it (a CI check in /tmp) still finds the machine's copy.
    let relative = "grand-debat/answers.csv";
    let candidates: Vec<PathBuf> = [
        std::env::var_os("ECOUTE_SHARED_DATA").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data")),
        Some(PathBuf::from("/work/shared/data")),
    ]
    .into_iter()
    .flatten()
    .map(|dir| dir.join(relative))
    .collect();
    let path = candidates.iter().find(|p| p.exists()).cloned().unwrap_or_else(|| {
        panic!(
            "{relative} is missing: these tests need the shared data folder beside the repository \
             (or ECOUTE_SHARED_DATA); looked in {candidates:?}"
        )
    });
    let texts = read_csv(&path, Some("text"), Some("id")).unwrap().texts;
    let questions = read_csv(&path, Some("question_code"), Some("id")).unwrap().texts;
    questions.into_iter().zip(texts).collect()
}

/// The first `per_question` answers of each of `questions`, with at least `min_chars` characters.
pub(crate) fn sample(
    all: &[(String, String)],
    questions: &[&str],
    per_question: usize,
    min_chars: usize,
) -> Vec<(String, String)> {
    let mut taken: HashMap<&str, usize> = HashMap::new();
    all.iter()
        .filter(|(q, text)| {
            if !questions.contains(&q.as_str()) || text.chars().count() < min_chars {
                return false;
            }
            let n = taken.entry(q.as_str()).or_default();
            *n += 1;
            *n <= per_question
        })
        .cloned()
        .collect()
}

#[test]
fn themes_recover_the_questions_of_a_real_sample() {
    // Five questions on distinct subjects: heating, Europe, taxes to lower, social benefits,
    // effects of climate change.
    let questions = ["ECO_09", "ECO_14", "FIS_02", "FIS_04", "ECO_03"];
    let rows = sample(&answers(), &questions, 400, 0);
    assert_eq!(rows.len(), 2000);
    let texts: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let params = Params {
        themes: ThemeCount::Fixed(5),
        ..Params::default()
    };
    let analysis = analyse(&texts, &params, &mut |_, _| {}).unwrap();
    let themes: Vec<i64> = analysis.assignment.iter().map(|a| a.map_or(-1, |t| t as i64)).collect();
    let labels: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let score = nmi(&themes, &labels);
    assert!(score >= 0.45, "NMI {score:.3} below the floor of 0.45");
    let largest = analysis.themes.iter().map(|t| t.size).max().unwrap();
    assert!(
        largest * 100 <= 40 * texts.len(),
        "a theme holds {largest} of {}",
        texts.len()
    );
    // Labels are surface forms (accents kept), not stems.
    let labels: Vec<&str> = analysis.themes.iter().map(|t| t.label.as_str()).collect();
    assert!(
        labels.iter().any(|l| l.to_lowercase().contains("chauffage")) && labels.iter().any(|l| l.contains("é")),
        "{labels:?}"
    );

    // Automatic choice: explained, and within the candidates.
    let auto = analyse(&texts, &Params::default(), &mut |_, _| {}).unwrap();
    assert!(auto.choice.automatic && !auto.choice.tried.is_empty());
    assert!((2..=30).contains(&auto.themes.len()));
    assert!(
        auto.choice.explanation.contains("thèmes"),
        "{}",
        auto.choice.explanation
    );
}

#[test]
fn near_identical_answers_are_found_as_duplicates() {
    // Known pairs: answers of five words or more that are the same text but for case, accents
    // or punctuation (the data README says several hundred remain).
    let all = answers();
    let texts: Vec<&str> = all.iter().take(30_000).map(|r| r.1.as_str()).collect();
    let normalise = |t: &str| -> String {
        let folded: String = fold(&t.to_lowercase())
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        folded.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let mut by_folded: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, t) in texts.iter().enumerate() {
        let folded = normalise(t);
        if folded.split(' ').count() >= 8 {
            by_folded.entry(folded).or_default().push(i);
        }
    }
    let known: Vec<(usize, usize)> = by_folded
        .values()
        .filter(|g| g.len() > 1)
        .map(|g| (g[0], g[1]))
        .collect();
    assert!(known.len() >= 20, "only {} known pairs in the sample", known.len());
    let corpus = Corpus::read(&texts, &mut |_| {});
    let groups = near_duplicates(&corpus, &DuplicateParams::default());
    let mut group_of = HashMap::new();
    for (g, members) in groups.iter().enumerate() {
        for &m in members {
            group_of.insert(m, g);
        }
    }
    let missed: Vec<(&str, &str)> = known
        .iter()
        .filter(|(a, b)| group_of.get(a).is_none_or(|g| group_of.get(b) != Some(g)))
        .map(|&(a, b)| (texts[a], texts[b]))
        .collect();
    assert!(missed.is_empty(), "known near-identical pairs missed: {missed:#?}");
}

/// Inserts ideas into a campaign of `space` (as the owner, in that space's context), one
/// millisecond apart: the analysis reads them in that order, so a run is reproducible.
pub(crate) async fn insert_ideas(owner: &PgPool, space: &str, campaign: Uuid, texts: &[&str]) -> Vec<Uuid> {
    let tenant = tenant_id(owner, space).await;
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    let mut ids = Vec::new();
    for text in texts {
        let title: String = text.chars().take(60).collect();
        let title = if title.chars().count() < 3 {
            format!("{title}...")
        } else {
            title
        };
        // Padded with stop words only, so that the padding adds no meaning.
        let body = format!("{} et voilà", text.chars().take(3900).collect::<String>());
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, submission_key, created_at)
             VALUES ($1, $2, $1, 'idee', $3, $4, gen_random_uuid(), clock_timestamp()) RETURNING id",
        )
        .bind(tenant)
        .bind(campaign)
        .bind(title)
        .bind(body)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();
    ids
}

/// Queues a run of `campaign` and runs the space's worker to the end; returns the run's row.
pub(crate) async fn run_analysis(db: &TenantDb, tenant: Uuid, campaign: Uuid, themes: Option<i32>) -> store::Run {
    let space = crate::helpers::space(db, tenant).await;
    let mut tx = db.begin_in(space).await.unwrap();
    let (_, queued) = store::request_run(&mut tx, campaign, themes, None).await.unwrap();
    assert!(queued);
    tx.commit().await.unwrap();
    assert_eq!(job::work(db, space).await.unwrap(), 1);
    let mut tx = db.begin_in(space).await.unwrap();
    let run = store::runs(&mut tx, campaign, 1).await.unwrap().remove(0);
    tx.commit().await.unwrap();
    run
}

#[tokio::test]
async fn a_campaign_with_no_text_or_one_contribution_gets_a_clear_message() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let db = TenantDb::new(test_db.app_pool().await);
    let tenant = tenant_id(&owner, "gironde").await;

    let empty = insert_campaign(&owner, "gironde", "local", "Sans contribution").await;
    let run = run_analysis(&db, tenant, empty, None).await;
    assert_eq!(run.status, "failed");
    assert_eq!(
        run.message.as_deref(),
        Some("Cette campagne n'a encore aucune contribution à analyser.")
    );

    let single = insert_campaign(&owner, "gironde", "local", "Une contribution").await;
    insert_ideas(
        &owner,
        "gironde",
        single,
        &["Des horaires d'accueil plus larges le samedi"],
    )
    .await;
    let run = run_analysis(&db, tenant, single, Some(3)).await;
    assert_eq!(run.status, "failed");
    assert!(
        run.message.as_deref().unwrap().contains("Une seule contribution"),
        "{run:?}"
    );

    // Only stop words: refused in words, not a crash.
    let hollow = insert_campaign(&owner, "gironde", "local", "Mots outils").await;
    insert_ideas(&owner, "gironde", hollow, &["oui oui", "non, non !", "et alors ?"]).await;
    let run = run_analysis(&db, tenant, hollow, None).await;
    assert_eq!(run.status, "failed");
    assert!(
        run.message.as_deref().unwrap().contains("mots porteurs de sens"),
        "{run:?}"
    );
}

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
    assert!(csv.starts_with('\u{feff}') && csv.contains("expressions clés"), "{csv}");
    let (status, _) = analyst.get(&format!("{page}/export/contributions.json")).await;
    assert_eq!(status, 200);
}
