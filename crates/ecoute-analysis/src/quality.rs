//! Quality figures for the benchmark and the tests: normalised mutual information between two
//! labellings (arithmetic-mean normalisation, as scikit-learn's default).

use std::collections::HashMap;
use std::hash::Hash;

fn entropy(counts: impl Iterator<Item = usize>, n: f64) -> f64 {
    counts
        .filter(|&c| c > 0)
        .map(|c| {
            let p = c as f64 / n;
            -p * p.ln()
        })
        .sum()
}

/// NMI between `a` and `b` (same length): 0 when independent, 1 when one determines the other.
pub fn nmi<A: Hash + Eq, B: Hash + Eq>(a: &[A], b: &[B]) -> f64 {
    assert_eq!(a.len(), b.len());
    let n = a.len() as f64;
    if a.is_empty() {
        return 0.0;
    }
    let mut ca: HashMap<&A, usize> = HashMap::new();
    let mut cb: HashMap<&B, usize> = HashMap::new();
    let mut joint: HashMap<(&A, &B), usize> = HashMap::new();
    for (x, y) in a.iter().zip(b) {
        *ca.entry(x).or_default() += 1;
        *cb.entry(y).or_default() += 1;
        *joint.entry((x, y)).or_default() += 1;
    }
    let (ha, hb) = (entropy(ca.values().copied(), n), entropy(cb.values().copied(), n));
    let mi: f64 = joint
        .iter()
        .map(|((x, y), &c)| {
            let pxy = c as f64 / n;
            pxy * (pxy * n * n / (ca[x] as f64 * cb[y] as f64)).ln()
        })
        .sum();
    let denominator = (ha + hb) / 2.0;
    if denominator <= 0.0 {
        1.0
    } else {
        (mi / denominator).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nmi_bounds() {
        assert!((nmi(&[0, 0, 1, 1], &["a", "a", "b", "b"]) - 1.0).abs() < 1e-12);
        assert!(nmi(&[0, 1, 0, 1], &["a", "a", "b", "b"]).abs() < 1e-12);
    }
}
