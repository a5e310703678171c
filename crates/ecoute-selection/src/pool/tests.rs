//! Reading the field's CSV files: what is understood, and every refusal with its file and line.

use super::*;

const CATEGORIES: &str = "feature,value,min,max\nGender,Female,2,3\nGender,Male,2,3\nAge,16-29,1,3\nAge,30+,1,4\n";
const RESPONDENTS: &str = "id,name,gender,age,address\n\
                           p1,Ann,female,16-29,1 rue A\n\
                           p2,Bob,Male,30+,\"2, rue B\"\n\
                           p3,Cid,male, 30+ ,1 RUE A\n\
                           p4,Dee,Female,30+,\n\
                           p5,Eve,Female,16-29,\n";

fn parse(categories: &str, respondents: &str, columns: &Columns) -> Result<Pool, InputErrors> {
    Pool::parse(
        ("categories.csv", categories.as_bytes()),
        ("respondents.csv", respondents.as_bytes()),
        columns,
    )
}

/// The single problem reported, as `(file, line, message)`.
fn refusal(categories: &str, respondents: &str, columns: &Columns) -> (String, Option<u64>, String) {
    let errors = parse(categories, respondents, columns).expect_err("refused").0;
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors.into_iter().next().unwrap();
    (e.file, e.line, e.message)
}

#[test]
fn a_pool_is_read_with_case_and_spaces_forgiven_and_rows_kept() {
    let columns = Columns {
        household: vec!["address".into()],
        ..Columns::default()
    };
    let pool = parse(CATEGORIES, RESPONDENTS, &columns).unwrap();
    assert_eq!(pool.features[0].name, "Gender");
    assert_eq!(pool.features[1].values, ["16-29", "30+"]);
    assert_eq!(pool.quotas[1][1], Bounds { min: 1, max: 4 });
    assert_eq!(pool.ids, ["p1", "p2", "p3", "p4", "p5"]);
    assert_eq!(pool.profiles[2], [1, 1]);
    assert_eq!(pool.rows[1], ["p2", "Bob", "Male", "30+", "2, rue B"]);
    // "1 rue A" and "1 RUE A" are one household; empty addresses are nobody's.
    assert_eq!(pool.households, vec![vec![0, 2]]);
    let instance = pool.instance(4);
    assert!(instance.validate().is_ok());
    assert_eq!(pool.quota_name(0, 1), "Gender: Male");
}

#[test]
fn semicolons_a_bom_the_old_names_and_no_id_column_are_understood() {
    let categories = "\u{feff}category;name;min;max;min_flex;max_flex\ngender;female;1;2;0;3\ngender;male;1;2;;\n";
    let respondents = "gender;note\nfemale;\"a; b\"\nmale;x\n";
    let pool = parse(categories, respondents, &Columns::default()).unwrap();
    assert_eq!(pool.ids, ["2", "3"], "line numbers stand for ids");
    assert_eq!(pool.rows[0][1], "a; b");
    // The Nature 2021 replication's files: `category` is the feature, `feature` the value.
    let replication = "category,feature,min,max\ngender,female,1,2\ngender,male,1,2\n";
    let pool = parse(replication, "gender\nfemale\nmale\n", &Columns::default()).unwrap();
    assert_eq!(pool.features[0].values, ["female", "male"]);
}

#[test]
fn an_unknown_feature_value_names_the_file_the_line_and_the_known_values() {
    let respondents = RESPONDENTS.replace("p4,Dee,Female", "p4,Dee,F");
    let (file, line, message) = refusal(CATEGORIES, &respondents, &Columns::default());
    assert_eq!((file.as_str(), line), ("respondents.csv", Some(5)));
    assert!(
        message.contains("\"F\"") && message.contains("Female, Male"),
        "{message}"
    );
}

#[test]
fn a_duplicate_id_names_both_lines() {
    let respondents = RESPONDENTS.replace("p5,", "p2,");
    let (file, line, message) = refusal(CATEGORIES, &respondents, &Columns::default());
    assert_eq!((file.as_str(), line), ("respondents.csv", Some(6)));
    assert!(message.contains("\"p2\" is already on line 3"), "{message}");
}

#[test]
fn a_missing_column_is_named_on_the_header_line() {
    let (file, line, message) = refusal(CATEGORIES, &RESPONDENTS.replace("age", "years"), &Columns::default());
    assert_eq!((file.as_str(), line), ("respondents.csv", Some(1)));
    assert!(message.contains("no column \"Age\""), "{message}");
    let columns = Columns {
        id: Some("person".into()),
        ..Columns::default()
    };
    let (_, line, message) = refusal(CATEGORIES, RESPONDENTS, &columns);
    assert_eq!(line, Some(1));
    assert!(message.contains("\"person\" (the id column)"), "{message}");
    let columns = Columns {
        household: vec!["postcode".into()],
        ..Columns::default()
    };
    let (_, _, message) = refusal(CATEGORIES, RESPONDENTS, &columns);
    assert!(message.contains("\"postcode\" (a household column)"), "{message}");
    let (file, line, message) = refusal("feature,value,min\nGender,Female,1\n", RESPONDENTS, &Columns::default());
    assert_eq!((file.as_str(), line), ("categories.csv", Some(1)));
    assert!(message.contains("no column \"max\""), "{message}");
}

#[test]
fn a_non_numeric_or_negative_bound_is_refused_at_its_line() {
    let (file, line, message) = refusal(
        &CATEGORIES.replace("Age,30+,1,4", "Age,30+,one,4"),
        RESPONDENTS,
        &Columns::default(),
    );
    assert_eq!((file.as_str(), line), ("categories.csv", Some(5)));
    assert!(message.contains("Age: 30+: min is \"one\""), "{message}");
    let (_, line, message) = refusal(
        &CATEGORIES.replace("Gender,Male,2,3", "Gender,Male,2,-3"),
        RESPONDENTS,
        &Columns::default(),
    );
    assert_eq!(line, Some(3));
    assert!(message.contains("max is \"-3\""), "{message}");
    let (_, line, message) = refusal(
        &CATEGORIES.replace("Gender,Male,2,3", "Gender,Male,2,"),
        RESPONDENTS,
        &Columns::default(),
    );
    assert_eq!(line, Some(3));
    assert!(message.contains("max is empty"), "{message}");
}

#[test]
fn min_above_max_and_flex_inside_the_bounds_are_refused() {
    let (file, line, message) = refusal(
        &CATEGORIES.replace("Age,16-29,1,3", "Age,16-29,4,3"),
        RESPONDENTS,
        &Columns::default(),
    );
    assert_eq!((file.as_str(), line), ("categories.csv", Some(4)));
    assert!(message.contains("min (4) is above max (3)"), "{message}");
    let flex = "feature,value,min,max,min_flex,max_flex\nGender,Female,2,3,3,3\nGender,Male,2,3,0,2\n";
    let errors = parse(flex, RESPONDENTS, &Columns::default()).unwrap_err().0;
    let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [Some(2), Some(3)], "{errors:?}");
}

#[test]
fn a_quota_given_twice_and_an_empty_file_are_refused() {
    let twice = format!("{CATEGORIES}gender,female,0,5\n");
    let (_, line, message) = refusal(&twice, RESPONDENTS, &Columns::default());
    assert_eq!(line, Some(6));
    assert!(message.contains("already on line 2"), "{message}");
    let (file, line, _) = refusal(CATEGORIES, "id,gender,age\n", &Columns::default());
    assert_eq!((file.as_str(), line), ("respondents.csv", None));
}

#[test]
fn every_problem_of_a_file_is_listed_up_to_a_limit() {
    let mut respondents = String::from("id,gender,age\n");
    for i in 0..30 {
        respondents.push_str(&format!("x{i},unknown,30+\n"));
    }
    let errors = parse(CATEGORIES, &respondents, &Columns::default()).unwrap_err();
    assert_eq!(errors.0.len(), MAX_ERRORS + 1);
    assert_eq!(errors.0[0].line, Some(2));
    assert!(errors.0[MAX_ERRORS].message.contains("10 more"), "{errors}");
    assert!(
        errors
            .to_string()
            .starts_with("respondents.csv, line 2: Gender: \"unknown\""),
        "{errors}"
    );
}

#[test]
fn a_file_that_is_not_utf8_says_so_with_its_line() {
    let latin1: Vec<u8> = b"id,gender,age\np1,female,30+\np2,f\xe9male,30+\n".to_vec();
    let errors = Pool::parse(
        ("c.csv", CATEGORIES.as_bytes()),
        ("r.csv", &latin1),
        &Columns::default(),
    )
    .unwrap_err();
    assert_eq!(errors.0[0].line, Some(3), "{errors}");
    assert!(errors.0[0].message.contains("UTF-8"), "{errors}");
}

#[test]
fn line_numbers_hold_in_files_with_windows_line_ends_and_multi_line_cells() {
    let respondents =
        "id,gender,age,address\r\np1,female,30+,\"1 rue A\r\nBâtiment B\"\r\np2,female,30+,x\r\np3,f,30+,y\r\n";
    let (_, line, message) = refusal(CATEGORIES, respondents, &Columns::default());
    assert_eq!(line, Some(5), "{message}");
    let pool = parse(CATEGORIES, &respondents.replace(",f,", ",male,"), &Columns::default()).unwrap();
    assert_eq!(pool.rows[0][3], "1 rue A\r\nBâtiment B");
}
