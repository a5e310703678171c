//! The survey rules: answers checked by kind, conditions, steps.

use super::*;
use serde_json::json;

fn question(kind: QuestionKind, options: &[&str]) -> Question {
    Question {
        id: Uuid::new_v4(),
        position: 1,
        kind,
        label: "Q".into(),
        help: String::new(),
        required: true,
        open_data: false,
        options: options.iter().map(|s| s.to_string()).collect(),
        max_choices: None,
        scale_min: 1,
        scale_max: 10,
        condition: None,
    }
}

#[test]
fn each_kind_is_checked() {
    let single = question(QuestionKind::SingleChoice, &["Oui", "Non"]);
    let mut multiple = question(QuestionKind::MultipleChoice, &["A", "B", "C"]);
    multiple.max_choices = Some(2);
    let scale = question(QuestionKind::Scale, &[]);
    let short = question(QuestionKind::ShortText, &[]);
    let ranking = question(QuestionKind::Ranking, &["X", "Y", "Z"]);
    assert_eq!(check(&single, &json!("Oui")), Ok(json!("Oui")));
    assert_eq!(check(&single, &json!("Peut-être")), Err("survey.unknown_option"));
    assert_eq!(check(&multiple, &json!(["C", "A"])), Ok(json!(["A", "C"])));
    assert_eq!(
        check(&multiple, &json!(["A", "B", "C"])),
        Err("survey.too_many_choices")
    );
    assert_eq!(check(&multiple, &json!(["A", "A"])), Err("survey.duplicate_choice"));
    assert_eq!(check(&scale, &json!("7")), Ok(json!(7)));
    assert_eq!(check(&scale, &json!(11)), Err("survey.scale_range"));
    assert_eq!(check(&short, &json!("x".repeat(201))), Err("validation.too_long"));
    assert_eq!(check(&ranking, &json!(["Z", "X", "Y"])), Ok(json!(["Z", "X", "Y"])));
    assert_eq!(check(&ranking, &json!(["Z", "X"])), Err("survey.ranking_incomplete"));
}

#[test]
fn conditions_required_and_unknown_questions() {
    let parent = question(QuestionKind::SingleChoice, &["Oui", "Non"]);
    let mut child = question(QuestionKind::ShortText, &[]);
    child.condition = Some(Condition {
        question_id: parent.id,
        value: "Oui".into(),
    });
    let questions = vec![parent.clone(), child.clone()];

    // Shown and required: must be answered.
    let raw = BTreeMap::from([(parent.id, json!("Oui"))]);
    let errors = validate(&questions, &raw).unwrap_err();
    assert_eq!(
        errors,
        vec![AnswerError {
            question_id: child.id,
            message: "validation.required"
        }]
    );
    // Hidden: its answer is dropped, and it is not required.
    let raw = BTreeMap::from([(parent.id, json!("Non")), (child.id, json!("ignoré"))]);
    assert_eq!(validate(&questions, &raw).unwrap().len(), 1);
    // Unknown ids are refused.
    let stranger = Uuid::new_v4();
    let raw = BTreeMap::from([(parent.id, json!("Non")), (stranger, json!("x"))]);
    assert_eq!(
        validate(&questions, &raw).unwrap_err()[0].message,
        "survey.unknown_question"
    );
}

#[test]
fn form_fields_become_answers() {
    let multiple = question(QuestionKind::MultipleChoice, &["A", "B", "C"]);
    let ranking = question(QuestionKind::Ranking, &["X", "Y"]);
    let questions = vec![multiple.clone(), ranking.clone()];
    let fields = vec![
        (format!("q-{}", multiple.id), "A".to_owned()),
        (format!("q-{}", multiple.id), "C".to_owned()),
        (format!("q-{}-rang-0", ranking.id), "2".to_owned()),
        (format!("q-{}-rang-1", ranking.id), "1".to_owned()),
        ("csrf".to_owned(), "t".to_owned()),
    ];
    let raw = answers_from_form(&questions, &fields).unwrap();
    assert_eq!(raw[&multiple.id], json!(["A", "C"]));
    assert_eq!(raw[&ranking.id], json!(["Y", "X"]));
    let twice = vec![
        (format!("q-{}-rang-0", ranking.id), "1".to_owned()),
        (format!("q-{}-rang-1", ranking.id), "1".to_owned()),
    ];
    let raw = answers_from_form(&questions, &twice).unwrap();
    assert_eq!(check(&ranking, &raw[&ranking.id]), Err("survey.ranking_incomplete"));
}

#[test]
fn a_condition_on_the_current_step_opens_the_next_and_hidden_questions_hide_their_followers() {
    let a = question(QuestionKind::SingleChoice, &["Oui", "Non"]);
    let on = |parent: &Question, value: &str| {
        let mut q = question(QuestionKind::SingleChoice, &["Oui", "Non"]);
        q.condition = Some(Condition {
            question_id: parent.id,
            value: value.into(),
        });
        q
    };
    let b = on(&a, "Oui");
    let c = question(QuestionKind::ShortText, &[]);
    let d = on(&b, "Non");
    let e = on(&a, "Non");
    let questions = vec![a.clone(), b.clone(), c, d, e];
    // b looks at a (step 0): step 1; c follows; d looks at b (step 1): step 2; e looks back at a.
    assert_eq!(steps(&questions), vec![0, 1, 1, 2, 2]);
    assert_eq!(steps(&questions[..1]), vec![0]);

    let answers = Answers::from([(a.id, json!("Oui")), (b.id, json!("Non"))]);
    assert_eq!(shown(&questions, &answers), vec![true, true, true, true, false]);
    // a answered "Non": b is hidden, so d (on b's answer, still sent) is hidden too.
    let answers = Answers::from([(a.id, json!("Non")), (b.id, json!("Non"))]);
    assert_eq!(shown(&questions, &answers), vec![true, false, true, false, true]);
}
