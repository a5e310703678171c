//! Unit tests of the French pipeline: folding, elisions, stems, stop words.

use super::*;

fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    tokenize(text, |p| match p {
        Piece::Word { text, .. } => out.push(text.to_owned()),
        Piece::Elision(_) => {}
        Piece::Break => out.push("|".to_owned()),
    });
    out
}

#[test]
fn elisions_are_cut_off() {
    assert_eq!(words("L'État et l’écologie"), ["état", "et", "écologie"]);
    assert_eq!(words("qu'il faut, jusqu'au bout"), ["il", "faut", "|", "au", "bout"]);
    assert_eq!(words("D'ABORD lorsqu'on"), ["abord", "on"]);
    // Not an elision: the apostrophe belongs to the word.
    assert_eq!(words("aujourd'hui"), ["aujourd'hui"]);
    // A quote, not an apostrophe inside a word.
    assert_eq!(words("'oui'"), ["oui"]);
}

#[test]
fn hyphens_split_compounds_without_breaking_the_clause() {
    assert_eq!(words("auto-partage"), ["auto", "partage"]);
    assert_eq!(words("c'est-à-dire peut-être"), ["est", "à", "dire", "peut", "être"]);
    assert_eq!(words("vélo - train"), ["vélo", "|", "train"]);
}

#[test]
fn accents_fold_for_matching_but_stay_in_words() {
    assert_eq!(words("ÉCOLOGIE Énergie"), ["écologie", "énergie"]);
    assert_eq!(fold("écologie"), "ecologie");
    assert_eq!(fold("œuvre"), "oeuvre");
    assert_eq!(fold("naïveté"), "naivete");
    // Decomposed input (e + combining acute) is the same word as the composed one.
    assert_eq!(words("e\u{301}cole"), ["école"]);
    assert_eq!(fold_text("Les Impôts, l'ÉCOLE"), "les impots ecole");
}

#[test]
fn acronyms_keep_their_capitals_in_labels() {
    let mut lexicon = Lexicon::new();
    let mut ids = Vec::new();
    lexicon.read("Baisser la TVA. la TVA! la tva", &mut ids);
    lexicon.read("TOUT EN CAPITALES mais tout en minuscules, tout", &mut ids);
    let tva = ids[2];
    assert_eq!(lexicon.words[tva as usize].as_ref(), "tva");
    assert_eq!(lexicon.spelling(tva), "TVA");
    let capitales = ids
        .iter()
        .copied()
        .find(|&w| w != BREAK && &*lexicon.words[w as usize] == "capitales");
    assert_eq!(lexicon.spelling(capitales.unwrap()), "capitales");
    let baisser = ids[0];
    assert_eq!(lexicon.spelling(baisser), "baisser");
}

#[test]
fn numbers_and_noise() {
    assert_eq!(
        words("80 km/h en 2019, 1 fois"),
        ["80", "km", "|", "en", "2019", "|", "fois"]
    );
    assert_eq!(words("x b"), Vec::<String>::new());
    assert!(words(&"x".repeat(40)).is_empty());
}

#[test]
fn stemming_merges_inflections_and_typos() {
    let mut lexicon = Lexicon::new();
    assert_eq!(lexicon.terms_of("problèmes"), lexicon.terms_of("problemes"));
    assert_eq!(lexicon.terms_of("problème"), lexicon.terms_of("PROBLÈMES"));
    assert_eq!(lexicon.terms_of("transports"), lexicon.terms_of("transport"));
    assert_eq!(lexicon.terms_of("écologiques"), lexicon.terms_of("écologique"));
    assert_eq!(lexicon.terms_of("l'énergie"), lexicon.terms_of("energie"));
    // Stop words have no term, whatever their accents.
    assert!(lexicon.terms_of("il faut que ça soit très bien, déjà").is_empty());
    assert_eq!(lexicon.terms_of("les allocations familiales").len(), 2);
}
