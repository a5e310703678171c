//! The questionnaire's checks and the selection problem built from it.

use super::*;

fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn a_custom_choice_question_gets_the_next_key_and_its_options() {
    let existing = standard_criteria(&["33".into()]);
    let q = custom_question(
        &existing,
        &form(&[
            ("q_label", " Mode de transport "),
            ("q_kind", "single"),
            ("q_options", "Voiture\r\n\nBus\nÀ pied\n"),
            ("q_required", "oui"),
        ]),
    )
    .unwrap();
    assert_eq!(q.key, "custom_1");
    assert_eq!(q.label, "Mode de transport");
    assert_eq!(q.options, vec!["Voiture", "Bus", "À pied"]);
    assert!(q.required);
    let mut more = existing.clone();
    more.push(q);
    let text = custom_question(&more, &form(&[("q_label", "Une remarque ?"), ("q_kind", "text")])).unwrap();
    assert_eq!(
        (text.key.as_str(), text.kind, text.required),
        ("custom_2", CriterionKind::Text, false)
    );
}

#[test]
fn a_custom_question_is_refused_field_by_field() {
    let existing = standard_criteria(&["33".into()]);
    let errors = custom_question(&existing, &form(&[("q_kind", "single"), ("q_options", "Seule")])).unwrap_err();
    assert_eq!(errors.get("q_label"), Some(&"workshops_console.question_label_missing"));
    assert_eq!(errors.get("q_options"), Some(&"workshops_console.question_options_few"));
    let errors = custom_question(
        &existing,
        &form(&[("q_label", "Commune"), ("q_kind", "autre"), ("q_options", "a\nA")]),
    )
    .unwrap_err();
    assert_eq!(errors.get("q_label"), Some(&"workshops_console.question_label_taken"));
    assert_eq!(errors.get("q_kind"), Some(&"workshops_console.question_kind_missing"));
    assert_eq!(
        errors.get("q_options"),
        Some(&"workshops_console.question_option_twice")
    );
    let errors = custom_question(
        &existing,
        &form(&[("q_label", "Texte"), ("q_kind", "text"), ("q_options", "x")]),
    )
    .unwrap_err();
    assert_eq!(
        errors.get("q_options"),
        Some(&"workshops_console.question_options_for_text")
    );
    let many: String = (0..21).map(|i| format!("option {i}\n")).collect();
    let errors = custom_question(
        &existing,
        &form(&[("q_label", "Beaucoup"), ("q_kind", "multiple"), ("q_options", &many)]),
    )
    .unwrap_err();
    assert_eq!(
        errors.get("q_options"),
        Some(&"workshops_console.question_options_many")
    );
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
}

#[test]
fn answers_are_checked_against_the_options() {
    let criteria = standard_criteria(&["33".into()]);
    let ok = validate(
        &criteria,
        &fields(&[
            ("c-family_situation", "Parent seul avec enfant(s)"),
            ("c-children_count", "2"),
            ("c-benefit_recipient", "Oui"),
            ("c-benefits", "RSA"),
            ("c-benefits", "Aide au logement"),
            ("c-departement", "33"),
            ("c-age_bracket", "30 à 39 ans"),
            ("c-unknown", "x"),
        ]),
    )
    .unwrap();
    assert_eq!(ok["benefits"], serde_json::json!(["Aide au logement", "RSA"]));
    assert!(!ok.contains_key("unknown"));
    let errors = validate(
        &criteria,
        &fields(&[("c-family_situation", "Marié"), ("c-benefits", "Loto")]),
    )
    .unwrap_err();
    let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    assert!(keys.contains(&"family_situation") && keys.contains(&"benefits") && keys.contains(&"age_bracket"));
}

#[test]
fn quotas_become_a_selection_problem() {
    let criteria = standard_criteria(&["33".into()]);
    let mut pool = Vec::new();
    for i in 0..30 {
        let mut a = Answers::new();
        a.insert(
            "family_situation".into(),
            Value::String(
                if i % 3 == 0 {
                    "Parent seul avec enfant(s)"
                } else {
                    "En couple avec enfant(s)"
                }
                .into(),
            ),
        );
        a.insert(
            "benefits".into(),
            serde_json::json!(if i % 2 == 0 { vec!["RSA"] } else { vec![] }),
        );
        pool.push(a);
    }
    let mut quotas = PercentQuotas::new();
    quotas
        .entry("family_situation".into())
        .or_default()
        .insert("Parent seul avec enfant(s)".into(), (30.0, 100.0));
    quotas
        .entry("benefits".into())
        .or_default()
        .insert("RSA".into(), (20.0, 60.0));
    let (instance, dimensions) = build_instance(&criteria, &quotas, 10, &pool);
    assert_eq!(dimensions.len(), 2);
    assert_eq!(instance.values, vec![6, 2]);
    assert_eq!(instance.quotas[0][1], Bounds { min: 3, max: 10 });
    assert_eq!(instance.quotas[1][1], Bounds { min: 2, max: 6 });
    assert_eq!(instance.profiles[0], vec![1, 1]);
    assert_eq!(instance.profiles[1], vec![0, 0]);
    instance.validate().unwrap();
}
