//! Runs that must refuse: bad files (each with its file and line), infeasible quotas (which
//! quota, by how much), with exit code 2 and nothing written into `--out`. The example
//! respondents file has Windows line ends (CRLF), as spreadsheets write them: line numbers must
//! still be right.

use super::*;

/// Writes a variant of a fixture into `dir` and returns its path.
fn variant(dir: &Path, name: &str, from: &str, replace: &[(&str, &str)]) -> String {
    let mut text = fixture_text(from);
    for (old, new) in replace {
        assert!(text.contains(old), "{old:?} not in {from}");
        text = text.replacen(old, new, 1);
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Runs with `args` and an `--out` folder holding a file of an earlier run; checks exit code 2
/// and that the folder and its parent are exactly as before. Returns standard error.
fn refused(dir: &Path, args: &[&str]) -> String {
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("panel.csv"), "earlier run").unwrap();
    let before = listing(dir);
    let mut all = args.to_vec();
    let out_arg = out.display().to_string();
    all.extend(["--out", &out_arg]);
    let run = panel(&all);
    assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
    assert_eq!(listing(dir), before, "{args:?}: something was written");
    assert_eq!(std::fs::read_to_string(out.join("panel.csv")).unwrap(), "earlier run");
    assert!(run.stdout.is_empty(), "no summary: {}", run.stdout);
    run.stderr
}

#[test]
fn bad_files_are_refused_with_their_file_and_line_and_nothing_is_written() {
    let dir = scratch("bad-input");
    let unknown = variant(
        &dir,
        "unknown.csv",
        "respondents.csv",
        &[("v004,Chloé,Femme", "v004,Chloé,Fem")],
    );
    let err = refused(&dir, &["--respondents", &unknown]);
    assert!(
        err.contains("unknown.csv, line 5: genre: \"Fem\" is not a value"),
        "{err}"
    );
    assert!(err.contains("(Femme, Homme, Autre)"), "{err}");

    let duplicate = variant(&dir, "duplicate.csv", "respondents.csv", &[("v010,", "v009,")]);
    let err = refused(&dir, &["--respondents", &duplicate]);
    assert!(
        err.contains("duplicate.csv, line 11: id \"v009\" is already on line 10"),
        "{err}"
    );

    let missing = variant(&dir, "missing.csv", "respondents.csv", &[(",famille,", ",situation,")]);
    let err = refused(&dir, &["--respondents", &missing]);
    assert!(err.contains("missing.csv, line 1: no column \"famille\""), "{err}");
    let err = refused(&dir, &["--id-column", "numero"]);
    assert!(
        err.contains("respondents.csv, line 1: no column \"numero\" (the id column)"),
        "{err}"
    );
    let err = refused(&dir, &["--household", "adresse,code_postal"]);
    assert!(err.contains("no column \"code_postal\" (a household column)"), "{err}");

    let word = variant(&dir, "word.csv", "categories.csv", &[("age,65+,1,3", "age,65+,un,3")]);
    let err = refused(&dir, &["--categories", &word]);
    assert!(err.contains("word.csv, line 8: age: 65+: min is \"un\""), "{err}");

    let inverted = variant(
        &dir,
        "inverted.csv",
        "categories.csv",
        &[("genre,Homme,5,7", "genre,Homme,7,5")],
    );
    let err = refused(&dir, &["--categories", &inverted]);
    assert!(
        err.contains("inverted.csv, line 3: genre: Homme: min (7) is above max (5)"),
        "{err}"
    );

    // Several problems at once are all listed.
    let both = variant(
        &dir,
        "both.csv",
        "respondents.csv",
        &[("v004,Chloé,Femme", "v004,Chloé,Fem"), ("v010,", "v009,")],
    );
    let err = refused(&dir, &["--respondents", &both]);
    assert!(err.contains("line 5:") && err.contains("line 11:"), "{err}");

    let err = refused(&dir, &["--respondents", "/nonexistent/respondents.csv"]);
    assert!(err.contains("/nonexistent/respondents.csv: cannot read"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_as_json_lists_each_problem_with_file_and_line() {
    let dir = scratch("bad-json");
    let unknown = variant(
        &dir,
        "r.csv",
        "respondents.csv",
        &[("v004,Chloé,Femme", "v004,Chloé,Fem")],
    );
    let run = panel(&["--respondents", &unknown, "--json"]);
    assert_eq!(run.code, 2);
    let answer: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(answer["error"], "bad_input");
    assert_eq!(answer["problems"][0]["file"], unknown.as_str());
    assert_eq!(answer["problems"][0]["line"], 5);
    assert!(answer["problems"][0]["message"].as_str().unwrap().contains("\"Fem\""));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn infeasible_quotas_are_explained_like_the_console_and_nothing_is_written() {
    let dir = scratch("infeasible");
    // Six single parents in the pool, eight asked for.
    let short = variant(
        &dir,
        "short.csv",
        "categories.csv",
        &[("famille,Parent isolé,3,6,2,6", "famille,Parent isolé,8,9,2,9")],
    );
    let err = refused(&dir, &["--categories", &short]);
    assert!(err.contains("no panel of 12 seats meets the quotas"), "{err}");
    assert!(
        err.contains(
            "Quota \"famille: Parent isolé\" asks for at least 8 people but only 6 volunteers have it: 2 missing."
        ),
        "{err}"
    );
    // Each criterion alone is fine, not together: the single parents are in three age brackets
    // at most one each, so at most four of the five asked for can sit; the smallest fix is given.
    let clash = variant(
        &dir,
        "clash.csv",
        "categories.csv",
        &[
            ("famille,Parent isolé,3,6,2,6", "famille,Parent isolé,5,6,2,6"),
            ("age,18-29,2,4,1,5", "age,18-29,0,1,0,5"),
            ("age,30-44,2,5,1,6", "age,30-44,2,6,1,6"),
            ("age,45-64,2,5,1,6", "age,45-64,0,1,0,6"),
            ("age,65+,1,3,0,4", "age,65+,1,4,0,4"),
        ],
    );
    let err = refused(&dir, &["--categories", &clash]);
    assert!(
        err.contains("The quotas contradict each other across criteria. Smallest possible fix:"),
        "{err}"
    );
    assert!(err.contains("by 1"), "{err}");
    // More seats than households when one person per household may sit: 6 towns.
    let err = refused(&dir, &["--household", "commune"]);
    assert!(err.contains("12 seats for 6 households"), "{err}");
    // As JSON: the reason's fields and its sentence.
    let run = panel(&["--categories", &short, "--json"]);
    assert_eq!(run.code, 2);
    let answer: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(answer["error"], "infeasible");
    let first = &answer["reasons"][0];
    assert_eq!(first["reason"]["kind"], "not_enough_volunteers");
    assert_eq!(first["reason"]["min"], 8);
    assert_eq!(first["reason"]["available"], 6);
    assert!(first["message"].as_str().unwrap().contains("2 missing"));
    std::fs::remove_dir_all(&dir).unwrap();
}
