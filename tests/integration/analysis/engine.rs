//! The analysis on real text: themes recovering the questions of a real sample, near-identical
//! answers found as duplicates, and a clear message when there is too little text.

use std::collections::HashMap;

use ecoute::analysis::duplicates::{DuplicateParams, near_duplicates};
use ecoute::analysis::quality::nmi;
use ecoute::analysis::text::fold;
use ecoute::analysis::vectors::Corpus;
use ecoute::analysis::{Params, ThemeCount, analyse};
use ecoute::tenancy::TenantDb;
use ecoute::web::i18n::Lang;

use crate::helpers::{TestDb, insert_campaign, tenant_id};

use super::*;

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
    // Labels are readable phrases lifted from the theme's texts: whole words as people wrote
    // them (accents kept, never a stem or half of a compound), in their order, not a list.
    let labels: Vec<&str> = analysis.themes.iter().map(|t| t.label.as_str()).collect();
    assert!(
        labels.iter().any(|l| l.to_lowercase().contains("chauffage")),
        "{labels:?}"
    );
    let words = |t: &str| -> String {
        let spaced: String = t
            .to_lowercase()
            .replace('’', "'")
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '\'' || c == '-' {
                    c
                } else {
                    ' '
                }
            })
            .collect();
        format!(" {} ", spaced.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    for (t, theme) in analysis.themes.iter().enumerate() {
        let label = words(&theme.label);
        assert!(
            !theme.label.contains(',') && label.split_whitespace().count() <= 6,
            "{labels:?}"
        );
        let found = (0..texts.len())
            .filter(|&i| analysis.assignment[i] == Some(t))
            .any(|i| words(texts[i]).contains(&label) || words(texts[i]).contains(&format!("'{}", label.trim_start())));
        assert!(
            found,
            "label {:?} is no run of whole words of its theme's texts",
            theme.label
        );
    }

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

#[tokio::test]
async fn a_campaign_with_no_text_or_one_contribution_gets_a_clear_message() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let db = TenantDb::new(test_db.app_pool().await);
    let tenant = tenant_id(&owner, "gironde").await;

    let empty = insert_campaign(&owner, "gironde", "local", "Sans contribution").await;
    let run = run_analysis(&db, tenant, empty, None).await;
    assert_eq!(run.status, "failed");
    // Stored by key, worded in the reader's language when shown.
    let run = run.worded(Lang::Fr);
    assert_eq!(
        run.message.as_deref(),
        Some("Cette campagne n’a encore aucune contribution à analyser.")
    );

    let single = insert_campaign(&owner, "gironde", "local", "Une contribution").await;
    insert_ideas(
        &owner,
        "gironde",
        single,
        &["Des horaires d'accueil plus larges le samedi"],
    )
    .await;
    let run = run_analysis(&db, tenant, single, Some(3)).await.worded(Lang::Fr);
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
        run.clone()
            .worded(Lang::Fr)
            .message
            .unwrap()
            .contains("mots porteurs de sens"),
        "{run:?}"
    );
    assert!(
        run.worded(Lang::En)
            .message
            .unwrap()
            .starts_with("Of 3 contributions, only "),
        "in English too"
    );
}
