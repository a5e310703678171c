use super::*;
use crate::workshops::criteria::standard_criteria;

fn criteria() -> Vec<Criterion> {
    standard_criteria(&["33".into()])
}

const FILE: &str = "\u{feff}id;Courriel;Situation familiale;Tranche d’âge;Prestations reçues;adresse\r\n\
p1;ana@example.org;parent seul avec enfant(s);30 à 39 ans;RSA|Aide au logement;1 rue A\r\n\
p2;;En couple sans enfant;65 ans ou plus;;2 rue B\r\n\
\r\n\
p3;bob@example.org;Célibataire;30 à 39 ans;;3 rue C\r\n\
p4;ANA@example.org;En couple sans enfant;30 à 39 ans;;4 rue D\r\n\
p2;carl@example.org;En couple sans enfant;30 à 39 ans;;5 rue E\r\n\
p6;pas-une-adresse;En couple sans enfant;30 à 39 ans;;6 rue F\r\n\
p7;web@example.org;En couple sans enfant;30 à 39 ans;;7 rue G\r\n\
p8;;En couple sans enfant;30 à 39 ans;;8 rue H;en trop\r\n\
p9;;;30 à 39 ans;;9 rue I\r\n";

#[test]
fn a_file_is_read_with_its_separator_bom_and_line_numbers() {
    let sheet = read_sheet(FILE.as_bytes()).unwrap();
    assert_eq!(sheet.header[0], "id");
    assert_eq!(sheet.header.len(), 6);
    let lines: Vec<usize> = sheet.rows.iter().map(|r| r.0).collect();
    assert_eq!(
        lines,
        vec![2, 3, 5, 6, 7, 8, 9, 10, 11],
        "the empty line 4 is skipped, numbers kept"
    );
}

#[test]
fn unreadable_files_are_refused_with_why() {
    assert_eq!(read_sheet(b"id,nom\n\xff\xfe,x\n").unwrap_err(), SheetError::NotUtf8);
    assert_eq!(read_sheet(b"id,nom\n").unwrap_err(), SheetError::Empty);
    assert_eq!(read_sheet(b"").unwrap_err(), SheetError::Empty);
    assert_eq!(
        read_sheet(b"id,nom,ID\n1,a,b\n").unwrap_err(),
        SheetError::BadHeader("ID".into())
    );
    assert_eq!(read_sheet(b"id,nom\n1,a\x00b\n").unwrap_err(), SheetError::Control(2));
}

#[test]
fn the_mapping_is_guessed_from_labels_keys_and_usual_names() {
    let sheet = read_sheet(FILE.as_bytes()).unwrap();
    let m = Mapping::guess(&sheet.header, &criteria());
    assert_eq!(m.email.as_deref(), Some("Courriel"));
    assert_eq!(m.id.as_deref(), Some("id"));
    assert_eq!(
        m.criteria.get("family_situation").map(String::as_str),
        Some("Situation familiale")
    );
    assert_eq!(
        m.criteria.get("benefits").map(String::as_str),
        Some("Prestations reçues")
    );
    assert!(!m.criteria.contains_key("departement"));
    assert!(m.unknown_columns(&sheet.header).is_empty());
}

#[test]
fn every_line_is_accepted_or_refused_with_its_line_and_reason() {
    let sheet = read_sheet(FILE.as_bytes()).unwrap();
    let criteria = criteria();
    let mapping = Mapping::guess(&sheet.header, &criteria);
    let taken = Taken {
        emails: ["web@example.org".to_owned()].into(),
        ids: HashSet::new(),
    };
    let p = preview(&sheet, &criteria, &mapping, &taken);
    let accepted: Vec<usize> = p.accepted.iter().map(|a| a.line).collect();
    assert_eq!(accepted, vec![2, 3]);
    let first = &p.accepted[0];
    assert_eq!(first.email, "ana@example.org");
    assert_eq!(
        first.answers["family_situation"], "Parent seul avec enfant(s)",
        "the option's own spelling"
    );
    assert_eq!(
        first.answers["benefits"],
        serde_json::json!(["RSA", "Aide au logement"])
    );
    assert_eq!(p.accepted[1].email, "", "no address: contacted by phone or letter");
    assert_eq!(p.accepted[1].cells[5], "2 rue B");
    let reasons: Vec<(usize, &Reason)> = p.refused.iter().map(|(l, r)| (*l, r)).collect();
    assert!(matches!(reasons[0], (5, Reason::NotAnAnswer { value, .. }) if value == "Célibataire"));
    assert!(
        matches!(reasons[1], (6, Reason::EmailRepeated { line: 2, .. })),
        "case aside"
    );
    assert!(matches!(reasons[2], (7, Reason::IdRepeated { line: 3, .. })));
    assert!(matches!(reasons[3], (8, Reason::InvalidEmail { .. })));
    assert!(matches!(reasons[4], (9, Reason::EmailInPool { .. })));
    assert!(matches!(
        reasons[5],
        (10, Reason::TooManyCells { found: 7, expected: 6 })
    ));
    assert!(matches!(reasons[6], (11, Reason::Missing { .. })), "a required answer");
    assert_eq!(reasons.len(), 7);
    let text = reasons[0].1.describe(&|k| format!("<{k}>"));
    assert_eq!(text, "<workshop_import.reason.not_an_answer>");
}

#[test]
fn households_group_equal_cells_and_leave_empty_ones_alone() {
    let person = |a: &str, c: &str| {
        vec![
            ("adresse".to_owned(), a.to_owned()),
            ("commune".to_owned(), c.to_owned()),
        ]
    };
    let cells = vec![
        person("1 rue A", "Bordeaux"),
        person(" 1 RUE A", "bordeaux"),
        person("1 rue A", "Talence"),
        person("", ""),
        person("", ""),
        vec![],
    ];
    let columns = ["adresse".to_owned(), "commune".to_owned()];
    assert_eq!(households(&cells, &columns), vec![vec![0, 1]]);
    assert_eq!(households(&cells, &columns[..1]), vec![vec![0, 1, 2]]);
    assert!(households(&cells, &[]).is_empty());
}
