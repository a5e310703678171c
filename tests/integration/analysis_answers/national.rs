//! Free-text answers of a national campaign analysed with its ideas: two spaces, edited and
//! blank responses, duplicates, edits across re-runs, exports and the public report.

use std::collections::HashSet;

use ecoute::analysis::console::tables;
use ecoute::analysis::contributions::ContributionKind;
use ecoute::analysis::report::{public_report, report};
use ecoute::analysis::versions::Edit;
use ecoute::analysis::{profiles, store};
use ecoute::tenancy::TenantDb;
use ecoute::web::i18n::Lang;
use serde_json::json;
use uuid::Uuid;

use crate::analysis::{answers, insert_ideas, run_analysis, sample};
use crate::helpers::{TestDb, insert_campaign, tenant_id};

use super::*;

// Over 100 lines: one national campaign's analysis from start to re-run: sixty respondents from two
// spaces, a first run checked (themes, duplicates, exports, public view), the operator's edits and
// profile choice, then edited answers and a second run that must keep those edits by answer id.
#[tokio::test]
async fn free_text_answers_of_a_national_campaign_are_analysed_with_its_ideas() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let db = TenantDb::new(test_db.app_pool().await);
    let national = tenant_id(&owner, "national").await;
    let (gironde, aude) = (tenant_id(&owner, "gironde").await, tenant_id(&owner, "aude").await);
    let campaign = insert_campaign(&owner, "national", "national", "Grand débat national").await;

    let all = answers();
    // Ideas about heating and housing; long answers about taxes; short answers about ecology.
    let ideas: Vec<String> = sample(&all, &["ECO_09"], 60, 40).into_iter().map(|r| r.1).collect();
    let taxes: Vec<String> = sample(&all, &["FIS_02"], 60, 40).into_iter().map(|r| r.1).collect();
    let ecology: Vec<String> = sample(&all, &["ECO_14"], 60, 40).into_iter().map(|r| r.1).collect();
    let idea_refs: Vec<&str> = ideas.iter().map(String::as_str).collect();
    let idea_ids = insert_ideas(&owner, "national", campaign, &idea_refs).await;

    let profile = insert_question(
        &owner,
        national,
        campaign,
        "single_choice",
        PROFILE,
        &["allocataire", "agent de la Caf"],
    )
    .await;
    let long = insert_question(&owner, national, campaign, "long_text", ABOUT_TAXES, &[]).await;
    let short = insert_question(&owner, national, campaign, "short_text", ABOUT_ECOLOGY, &[]).await;
    let scale = insert_question(&owner, national, campaign, "scale", "Note", &[]).await;
    // The authors of the first ten ideas answered the survey as Caf staff.
    let author = insert_account(&owner, "agent@caf33.caf.fr").await;
    sqlx::query("UPDATE ideas SET account_id = $1 WHERE id = ANY($2)")
        .bind(author)
        .bind(&idea_ids[..10])
        .execute(&owner)
        .await
        .unwrap();
    insert_response(
        &owner,
        (national, gironde),
        campaign,
        (b"author", 1, Some(author)),
        &[(profile, json!("agent de la Caf"))],
    )
    .await;
    // Sixty respondents, from two spaces; a third of them Caf staff.
    let twin = "Supprimer les niches fiscales qui profitent surtout aux ménages les plus aisés";
    for i in 0..60 {
        let key = format!("respondent-{i}");
        let tax = if i == 10 || i == 11 {
            twin.to_owned()
        } else {
            taxes[i].clone()
        };
        insert_response(
            &owner,
            (national, if i % 2 == 0 { gironde } else { aude }),
            campaign,
            (key.as_bytes(), 1, None),
            &[
                (
                    profile,
                    json!(if i % 3 == 0 { "agent de la Caf" } else { "allocataire" }),
                ),
                (long, json!(tax)),
                // Blank answers are not contributions.
                (short, json!(if i == 5 { "   ".to_owned() } else { ecology[i].clone() })),
                (scale, json!(7)),
            ],
        )
        .await;
    }
    // Respondent 0 edits their response: only the new version counts.
    insert_response(
        &owner,
        (national, gironde),
        campaign,
        (b"respondent-0", 2, None),
        &[
            (profile, json!("allocataire")),
            (
                long,
                json!("Taxer davantage le kérosène des avions et le transport maritime"),
            ),
            (short, json!(ecology[0].clone())),
        ],
    )
    .await;

    let run = run_analysis(&db, national, campaign, Some(3)).await;
    assert_eq!(run.status, "done", "{run:?}");
    // 60 ideas + 60 answers about taxes + 59 about ecology (one blank); the scale and
    // single-choice answers are not text.
    assert_eq!(run.contributions, Some(179));

    let mut tx = db.begin_in(crate::helpers::space(&db, national).await).await.unwrap();
    let first = report(&mut tx, campaign).await.unwrap().unwrap();
    let answers_seen: Vec<_> = first
        .contributions
        .iter()
        .filter(|c| c.kind == ContributionKind::Answer)
        .collect();
    assert_eq!(answers_seen.len(), 119);
    assert!(answers_seen.iter().any(|c| c.body.contains("kérosène")));
    assert!(
        !answers_seen.iter().any(|c| c.body == taxes[0]),
        "the first version of an edited response is not analysed"
    );
    assert!(
        answers_seen
            .iter()
            .all(|c| c.question.as_deref() == Some(ABOUT_TAXES) || c.question.as_deref() == Some(ABOUT_ECOLOGY))
    );
    // Territories are the spaces the answers came from.
    let places: HashSet<&str> = answers_seen
        .iter()
        .filter_map(|c| c.signals.territory.as_deref())
        .collect();
    assert_eq!(places.len(), 2, "{places:?}");

    // Answers are representatives, with their question.
    let answer_reps: Vec<_> = first
        .themes
        .iter()
        .flat_map(|t| &t.representatives)
        .filter(|r| r.kind == ContributionKind::Answer)
        .collect();
    assert!(!answer_reps.is_empty());
    assert!(
        answer_reps
            .iter()
            .all(|r| r.question.is_some() && !r.excerpt.is_empty())
    );
    // At least half the taxes answers share a theme that is not the ideas' one.
    let tax_ids: HashSet<Uuid> = answers_seen
        .iter()
        .filter(|c| c.question.as_deref() == Some(ABOUT_TAXES))
        .map(|c| c.id)
        .collect();
    let tax_theme = first
        .themes
        .iter()
        .max_by_key(|t| t.theme.members.iter().filter(|m| tax_ids.contains(m)).count())
        .unwrap();
    let in_tax_theme = tax_theme.theme.members.iter().filter(|m| tax_ids.contains(m)).count();
    assert!(in_tax_theme >= 30, "{in_tax_theme} of 60 tax answers in one theme");
    let ideas_there = tax_theme.theme.members.iter().filter(|m| idea_ids.contains(m)).count();
    assert!(ideas_there <= 10, "{ideas_there} ideas in the taxes theme");

    // The two identical answers form a duplicate group of answers.
    let group = first
        .duplicates
        .iter()
        .find(|d| {
            d.contributions
                .iter()
                .any(|c| c.kind == ContributionKind::Answer && c.excerpt == twin)
        })
        .expect("the identical answers are near-duplicates");
    assert_eq!(group.contributions.len(), 2);
    let (kept, other) = (group.contributions[0].id, group.contributions[1].id);

    // Exports: one row per contribution, with its kind and question.
    let table = tables(&first, "contributions", Lang::Fr).unwrap();
    assert_eq!(
        &table.headers[1..3],
        ["Sorte de contribution (code)", "Question du questionnaire"]
    );
    assert_eq!(table.rows.len(), 179);
    assert_eq!(table.rows.iter().filter(|r| r[1] == "answer").count(), 119);
    assert!(
        table
            .rows
            .iter()
            .any(|r| r[1] == "answer" && r[2] == ABOUT_TAXES && !r[5].is_empty())
    );
    // Without a profile question, profiles are kinds of contribution.
    assert!(first.profile_question.is_none());
    assert!(table.rows.iter().any(|r| r[1] == "answer" && r[7] == "reponse"));
    assert!(first.themes.iter().any(|t| t.priority.profile_count == 2));

    // The public sees nothing before the themes are reviewed and published, then published
    // ideas only.
    assert!(public_report(&mut tx, campaign).await.unwrap().is_none(), "a draft");
    assert!(
        ecoute::analysis::store::set_published(&mut tx, campaign, true)
            .await
            .unwrap()
    );
    let public = public_report(&mut tx, campaign).await.unwrap().unwrap();
    let public_ids: HashSet<Uuid> = public
        .themes
        .iter()
        .flat_map(|t| &t.representatives)
        .map(|r| r.id)
        .collect();
    assert!(public_ids.iter().all(|id| idea_ids.contains(id)));
    assert!(public.duplicates.is_empty() && public.contributions.is_empty());

    // The operator merges the answers (an id that is no contribution of the campaign is ignored),
    // renames the taxes theme and splits the answers about tax loopholes off theirs.
    assert_eq!(
        store::merge_contributions(&mut tx, campaign, kept, &[other, Uuid::new_v4()], Uuid::new_v4())
            .await
            .unwrap(),
        1
    );
    store::add_edit(
        &mut tx,
        campaign,
        &Edit::Rename {
            key: tax_theme.theme.key,
            name: "Justice fiscale".into(),
        },
        Uuid::new_v4(),
    )
    .await
    .unwrap();
    let twins_theme = first
        .themes
        .iter()
        .find(|t| t.theme.members.contains(&kept))
        .expect("the identical answers have a theme");
    store::add_edit(
        &mut tx,
        campaign,
        &Edit::Split {
            key: twins_theme.theme.key,
            new_key: Uuid::new_v4(),
            phrase: "niches fiscales".into(),
            name: "Niches fiscales".into(),
        },
        Uuid::new_v4(),
    )
    .await
    .unwrap();
    // A profile must be a single-choice question of the campaign.
    assert!(
        !profiles::choose(&mut tx, campaign, Some(long), Uuid::new_v4())
            .await
            .unwrap()
    );
    // Removing the chosen question from the survey is not blocked: the choice goes with it.
    tx.commit().await.unwrap();
    let unused = insert_question(
        &owner,
        national,
        campaign,
        "single_choice",
        "Votre âge",
        &["< 30", "30 et +"],
    )
    .await;
    let mut tx = db.begin_in(crate::helpers::space(&db, national).await).await.unwrap();
    assert!(
        profiles::choose(&mut tx, campaign, Some(unused), Uuid::new_v4())
            .await
            .unwrap()
    );
    assert_eq!(
        ecoute::surveys::authoring::remove_question(&mut tx, campaign, unused)
            .await
            .unwrap(),
        Ok(())
    );
    assert_eq!(profiles::chosen(&mut tx, campaign).await.unwrap(), None);
    assert!(
        profiles::choose(&mut tx, campaign, Some(profile), Uuid::new_v4())
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();

    // A local space sees nothing of the national campaign's analysis.
    let mut local = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    assert!(store::runs(&mut local, campaign, 10).await.unwrap().is_empty());
    assert!(store::merges(&mut local, campaign).await.unwrap().is_empty());
    assert_eq!(profiles::chosen(&mut local, campaign).await.unwrap(), None);
    local.commit().await.unwrap();

    // Respondent 1 edits their answers; the analysis runs again.
    insert_response(
        &owner,
        (national, aude),
        campaign,
        (b"respondent-1", 2, None),
        &[
            (profile, json!("allocataire")),
            (long, json!(taxes[1].clone())),
            (short, json!(ecology[1].clone())),
        ],
    )
    .await;
    let run = run_analysis(&db, national, campaign, Some(3)).await;
    assert_eq!((run.status.as_str(), run.contributions), ("done", Some(179)));
    let mut tx = db.begin_in(crate::helpers::space(&db, national).await).await.unwrap();
    let second = report(&mut tx, campaign).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    // An answer keeps its id across versions of its response, so edits and merges hold.
    let ids =
        |r: &ecoute::analysis::report::Report| -> HashSet<Uuid> { r.contributions.iter().map(|c| c.id).collect() };
    assert_eq!(ids(&first), ids(&second));
    let renamed = second
        .themes
        .iter()
        .find(|t| t.theme.name == "Justice fiscale")
        .expect("the rename outlives the re-run");
    assert!(renamed.theme.members.iter().filter(|m| tax_ids.contains(m)).count() >= 30);
    let loopholes = second
        .themes
        .iter()
        .find(|t| t.theme.name == "Niches fiscales")
        .expect("the split outlives the re-run");
    assert!(loopholes.theme.members.contains(&kept) && loopholes.theme.members.contains(&other));
    assert_eq!(loopholes.theme.split_phrase.as_deref(), Some("niches fiscales"));
    let group = second
        .duplicates
        .iter()
        .find(|d| d.contributions.iter().any(|c| c.id == kept))
        .unwrap();
    assert_eq!(group.merged, Some(kept));

    // Profiles now come from the chosen question: the respondents' answers, and for the first
    // ten ideas their author's.
    assert_eq!(second.profile_question.as_deref(), Some(PROFILE));
    let table = tables(&second, "contributions", Lang::Fr).unwrap();
    let profiles: HashSet<&str> = table.rows.iter().map(|r| r[7].as_str()).collect();
    assert_eq!(profiles, HashSet::from(["allocataire", "agent de la Caf", ""]));
    let staff_ideas = table
        .rows
        .iter()
        .filter(|r| r[1] == "idea" && r[7] == "agent de la Caf")
        .count();
    assert_eq!(staff_ideas, 10);
    assert!(second.themes.iter().all(|t| t.priority.profile_count <= 2));
    let themes = tables(&second, "themes", Lang::Fr).unwrap();
    assert!(themes.headers.contains(&"Nombre de profils".to_owned()));
    let themes = tables(&second, "themes", Lang::En).unwrap();
    assert!(
        themes
            .headers
            .contains(&"Share of contributions, as a percentage".to_owned())
    );
}
