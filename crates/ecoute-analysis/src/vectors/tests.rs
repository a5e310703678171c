//! Unit tests of the vectoriser: phrases found and spelled as people wrote them.

use super::*;

#[test]
fn phrases_are_found_and_spelled_as_written() {
    let mut texts = Vec::new();
    for i in 0..30 {
        texts.push(format!("Supprimer la taxe d'habitation pour tous, idée {i}"));
        texts.push(format!("Le congé parental est trop court ({i})"));
        texts.push(format!("rétablir l'impôt sur la fortune {i}"));
        texts.push(format!("les transports en commun gratuits, le vélo {i}"));
    }
    let corpus = Corpus::read(&texts, &mut |_| {});
    let vectors = vectorize(&corpus, &VectorParams::for_corpus(texts.len()));
    let phrases: Vec<&str> = vectors.phrase_surface.iter().map(String::as_str).collect();
    for expected in [
        "taxe d'habitation",
        "congé parental",
        "impôt sur la fortune",
        "transports en commun",
    ] {
        assert!(phrases.contains(&expected), "{expected} not in {phrases:?}");
    }
    // Rows are unit vectors.
    for i in 0..corpus.len() {
        let (_, values) = vectors.matrix.row(i);
        let norm: f32 = values.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4);
    }
}
