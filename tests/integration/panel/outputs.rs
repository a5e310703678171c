//! What a successful run writes and prints: the three files, the summary line and its JSON,
//! every method, households across many draws.

use std::collections::HashSet;

use super::*;

#[test]
fn a_panel_is_drawn_with_its_probabilities_and_draws_that_all_meet_the_quotas() {
    let dir = scratch("outputs");
    let out = dir.join("out");
    let run = panel(&["--seed", "5", "--draws", "300", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = run.stdout.trim();
    assert_eq!(line.lines().count(), 1, "one line of summary: {line}");
    assert!(
        line.starts_with("leximin (quota polytope): 48 respondents, 12 seats"),
        "{line}"
    );
    assert!(
        line.contains("min probability 0.2143 (best possible ≤ 0.2143, reached 100.0 %)") && line.contains("seed 5"),
        "{line}"
    );
    let example = Example::load();

    // probabilities.csv: every respondent in the file's order; they add up to the seats.
    let probabilities = rows(&out.join("probabilities.csv"));
    assert_eq!(probabilities[0], ["id", "probability"]);
    let ids: Vec<String> = probabilities[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(ids, example.order);
    let total: f64 = probabilities[1..].iter().map(|r| r[1].parse::<f64>().unwrap()).sum();
    assert!((total - SEATS as f64).abs() < 1e-6, "{total}");

    // panel.csv: the respondents' columns, as written, for the panel drawn with the seed.
    let drawn = rows(&out.join("panel.csv"));
    assert_eq!(drawn[0], example.header);
    let panel_ids: Vec<String> = drawn[1..].iter().map(|r| r[0].clone()).collect();
    for row in &drawn[1..] {
        assert_eq!(row, &example.by_id[&row[0]], "carried through unchanged");
    }
    example.check(&panel_ids).unwrap();

    // draws.csv: 300 panels, the first is panel.csv's, each meets every quota, and how often
    // people sit matches their probabilities roughly.
    let all = draws(&out.join("draws.csv"));
    assert_eq!(all.len(), 300);
    assert_eq!(all[0], panel_ids);
    for (d, drawn) in all.iter().enumerate() {
        example.check(drawn).unwrap_or_else(|e| panic!("draw {}: {e}", d + 1));
    }
    let distinct: HashSet<&Vec<String>> = all.iter().collect();
    assert!(distinct.len() > 100, "draws differ: {}", distinct.len());
    for (id, p) in probabilities[1..].iter().map(|r| (&r[0], r[1].parse::<f64>().unwrap())) {
        let seen = all.iter().filter(|d| d.contains(id)).count() as f64 / 300.0;
        let sd = (p * (1.0 - p) / 300.0).sqrt();
        assert!((seen - p).abs() <= 5.0 * sd + 1e-9, "{id}: {seen} drawn, {p} expected");
    }

    // The same seed gives the same files.
    let again = dir.join("again");
    let rerun = panel(&["--seed", "5", "--draws", "300", "--out", again.to_str().unwrap()]);
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    for name in ["probabilities.csv", "panel.csv", "draws.csv"] {
        assert_eq!(
            std::fs::read(out.join(name)).unwrap(),
            std::fs::read(again.join(name)).unwrap(),
            "{name}"
        );
    }
    // Rerun into the same folder without draws: no draws.csv of the earlier run left behind,
    // nor any temporary folder.
    let rerun = panel(&["--seed", "6", "--out", out.to_str().unwrap()]);
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert_eq!(listing(&out), ["panel.csv", "probabilities.csv"]);
    assert_eq!(
        listing(&dir).iter().filter(|p| !p.contains('/')).count(),
        2,
        "{:?}",
        listing(&dir)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_json_summary_has_the_figures_and_the_panel() {
    let run = panel(&["--seed", "11", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("one JSON object");
    assert_eq!(summary["algorithm"], "leximin");
    assert_eq!(summary["method"], "polytope");
    assert_eq!(summary["complete"], true);
    assert_eq!(summary["respondents"], 48);
    assert_eq!(summary["seats"], 12);
    assert_eq!(summary["seed"], 11);
    assert!(summary["seconds"].as_f64().unwrap() >= 0.0);
    for figure in ["min_probability", "max_probability", "gini", "geometric_mean"] {
        assert!(summary[figure].as_f64().is_some(), "{figure}: {summary}");
    }
    assert_eq!(summary["bound"]["measure"], "min_probability");
    let min = summary["min_probability"].as_f64().unwrap();
    assert!(
        (summary["bound"]["value"].as_f64().unwrap() - min).abs() < 1e-6,
        "LEXIMIN reaches its bound"
    );
    let ids: Vec<String> = summary["panel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    Example::load().check(&ids).unwrap();
    assert_eq!(summary["out"], serde_json::Value::Null);
}

#[test]
fn every_method_gives_probabilities_adding_up_to_the_seats_and_valid_draws() {
    let dir = scratch("methods");
    let example = Example::load();
    let mut minimums = HashMap::new();
    for method in ["leximin", "maximin", "nash", "legacy"] {
        let out = dir.join(method);
        let run = panel(&[
            "--method",
            method,
            "--seed",
            "3",
            "--draws",
            "50",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(run.code, 0, "{method}: {}", run.stderr);
        let summary: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert_eq!(summary["algorithm"], method);
        let total: f64 = rows(&out.join("probabilities.csv"))[1..]
            .iter()
            .map(|r| r[1].parse::<f64>().unwrap())
            .sum();
        assert!((total - SEATS as f64).abs() < 1e-6, "{method}: {total}");
        for drawn in draws(&out.join("draws.csv")) {
            example.check(&drawn).unwrap_or_else(|e| panic!("{method}: {e}"));
        }
        minimums.insert(method, summary["min_probability"].as_f64().unwrap());
        match method {
            "nash" => assert_eq!(summary["bound"]["measure"], "geometric_mean"),
            "legacy" => assert_eq!(summary["bound"], serde_json::Value::Null),
            _ => assert_eq!(summary["bound"]["measure"], "min_probability"),
        }
    }
    // LEXIMIN and MAXIMIN share the best minimum; the greedy falls well short of it.
    assert!((minimums["leximin"] - minimums["maximin"]).abs() < 1e-6, "{minimums:?}");
    assert!(minimums["legacy"] < minimums["leximin"] * 0.8, "{minimums:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn households_are_respected_in_every_draw_and_without_the_option_they_are_not() {
    let dir = scratch("households");
    let example = Example::load();
    let housemates_in = |drawn: &[String]| {
        let homes: HashSet<(String, String)> = drawn.iter().map(|id| example.household(id)).collect();
        homes.len() < drawn.len()
    };
    let out = dir.join("with");
    let run = panel(&[
        "--household",
        "adresse,commune",
        "--seed",
        "1",
        "--draws",
        "1000",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let all = draws(&out.join("draws.csv"));
    assert_eq!(all.len(), 1000);
    for (d, drawn) in all.iter().enumerate() {
        assert!(!housemates_in(drawn), "draw {}: two people of one household", d + 1);
        example.check(drawn).unwrap();
    }
    // Without the rule, housemates do sit together now and then: the option is what prevents it.
    let out = dir.join("without");
    let run = panel(&["--seed", "1", "--draws", "1000", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(draws(&out.join("draws.csv")).iter().any(|d| housemates_in(d)));
    std::fs::remove_dir_all(&dir).unwrap();
}
