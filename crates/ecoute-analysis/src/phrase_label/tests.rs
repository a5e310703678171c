use super::*;
use crate::vectors::Csr;

/// A lexicon that read `texts`, and vectors whose features are the given terms and phrases
/// (spelled as words of the texts).
fn setup(texts: &[&str], terms: &[&str], phrases: &[(&str, &str)]) -> (Lexicon, Vectors) {
    let mut lexicon = Lexicon::new();
    let mut ids = Vec::new();
    for t in texts {
        lexicon.read(t, &mut ids);
    }
    let term = |lexicon: &Lexicon, w: &str| lexicon.term_of(lexicon.word_id(w).expect(w));
    let mut features = Vec::new();
    for w in terms {
        features.push(Feature::Term(term(&lexicon, w)));
    }
    let mut pairs = Vec::new();
    for (p, (a, b)) in phrases.iter().enumerate() {
        pairs.push((term(&lexicon, a), term(&lexicon, b)));
        features.push(Feature::Phrase(p as u32));
    }
    let vectors = Vectors {
        matrix: Csr::default(),
        df: vec![0; features.len()],
        features,
        phrase_surface: phrases.iter().map(|(a, b)| format!("{a} {b}")).collect(),
        phrases: pairs,
        term_surface: Vec::new(),
    };
    (lexicon, vectors)
}

fn label_of(texts: &[&str], terms: &[&str], phrases: &[(&str, &str)], order: &[usize]) -> Option<String> {
    let (lexicon, vectors) = setup(texts, terms, phrases);
    let members: Vec<usize> = (0..texts.len()).collect();
    readable_label(texts, &members, &lexicon, &vectors, order)
}

#[test]
fn a_compound_is_never_cut() {
    let texts = [
        "Impossible d'obtenir un rendez-vous à l'accueil",
        "Les rendez-vous par téléphone sont trop rares",
        "J'attends mon rendez-vous depuis un mois",
        "Un rendez-vous, enfin !",
    ];
    // The key phrase is the stem of `rendez`, the first half of `rendez-vous`.
    assert_eq!(label_of(&texts, &["rendez"], &[], &[0]).as_deref(), Some("Rendez-vous"));
}

#[test]
fn a_phrase_keeps_its_words_in_their_order() {
    let texts = [
        "Les délais de traitement sont trop longs",
        "délais de traitement interminables",
        "Trop de délais de traitement des dossiers",
        "Réduire les délais de traitement",
    ];
    assert_eq!(
        label_of(&texts, &[], &[("délais", "traitement")], &[0]).as_deref(),
        Some("Délais de traitement")
    );
}

#[test]
fn the_second_key_phrase_joins_when_it_stands_beside_the_first() {
    let texts = [
        "L'accueil téléphonique est saturé",
        "accueil téléphonique injoignable le matin",
        "Améliorer l'accueil téléphonique",
        "Un accueil chaleureux",
    ];
    assert_eq!(
        label_of(&texts, &["accueil", "téléphonique"], &[], &[0, 1]).as_deref(),
        Some("Accueil téléphonique")
    );
}

#[test]
fn a_shared_complement_is_kept_and_acronyms_stay_in_capitals() {
    let texts = [
        "Les aides de la CAF arrivent en retard",
        "Aides de la CAF trop complexes",
        "Simplifier les aides de la CAF",
        "aides au logement",
    ];
    assert_eq!(
        label_of(&texts, &["aides"], &[], &[0]).as_deref(),
        Some("Aides de la CAF")
    );
}

#[test]
fn a_complement_only_one_text_uses_is_left_out() {
    let texts = [
        "Les horaires d'ouverture sont trop courts",
        "horaires élargis le samedi",
        "Des horaires adaptés aux parents",
        "Revoir les horaires",
    ];
    assert_eq!(label_of(&texts, &["horaires"], &[], &[0]).as_deref(), Some("Horaires"));
}

#[test]
fn no_occurrence_gives_no_label() {
    let texts = ["Les horaires d'ouverture", "Un accueil chaleureux"];
    let (lexicon, vectors) = setup(&texts, &["horaires"], &[]);
    assert_eq!(readable_label(&texts, &[1], &lexicon, &vectors, &[0]), None);
    assert_eq!(readable_label(&texts, &[0], &lexicon, &vectors, &[]), None);
}

#[test]
fn clauses_keep_compounds_and_elisions_whole() {
    assert_eq!(
        clauses("Prise de rendez-vous, l’accueil ! Et -- rien\nfin"),
        vec![
            vec!["Prise", "de", "rendez-vous"],
            vec!["l’accueil"],
            vec!["Et"],
            vec!["rien"],
            vec!["fin"]
        ]
    );
}

#[test]
fn a_label_does_not_start_with_an_elision() {
    assert_eq!(without_elision("l’accueil"), "accueil");
    assert_eq!(without_elision("L'accueil"), "accueil");
    assert_eq!(without_elision("aujourd'hui"), "aujourd'hui");
}

#[test]
fn shouting_is_lowered_and_the_first_letter_raised() {
    assert_eq!(written("HORAIRES D'OUVERTURE"), "Horaires d'ouverture");
    assert_eq!(written("rsa et CAF"), "Rsa et CAF");
    assert_eq!(written("RSA trop bas"), "RSA trop bas");
}
