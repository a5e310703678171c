//! How far selection probabilities are from equal: the figures shown to operators and
//! reported by `ecoute-panel-bench`.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Spread {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// Gini coefficient: 0 when everyone has the same probability.
    pub gini: f64,
    /// Largest over smallest probability (infinite when someone has none).
    pub max_over_min: f64,
    /// Geometric mean: what NASH maximises (0 when someone has no chance).
    pub geometric_mean: f64,
}

/// The spread of a list of probabilities (empty: all zero).
pub fn spread(probabilities: &[f64]) -> Spread {
    if probabilities.is_empty() {
        return Spread {
            min: 0.0,
            max: 0.0,
            mean: 0.0,
            gini: 0.0,
            max_over_min: 1.0,
            geometric_mean: 0.0,
        };
    }
    let mut sorted = probabilities.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let total: f64 = sorted.iter().sum();
    let min = sorted[0];
    let max = sorted[sorted.len() - 1];
    let gini = if total > 0.0 {
        let weighted: f64 = sorted.iter().enumerate().map(|(i, p)| (i as f64 + 1.0) * p).sum();
        (2.0 * weighted / (n * total) - (n + 1.0) / n).max(0.0)
    } else {
        0.0
    };
    Spread {
        min,
        max,
        mean: total / n,
        gini,
        max_over_min: if min > 0.0 { max / min } else { f64::INFINITY },
        geometric_mean: if min > 0.0 {
            (sorted.iter().map(|p| p.ln()).sum::<f64>() / n).exp()
        } else {
            0.0
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_probabilities_have_no_spread() {
        let s = spread(&[0.1; 50]);
        assert!(s.gini.abs() < 1e-12);
        assert!((s.max_over_min - 1.0).abs() < 1e-12);
    }

    #[test]
    fn one_person_taking_all_is_maximal_inequality() {
        let mut p = vec![0.0; 10];
        p[3] = 1.0;
        let s = spread(&p);
        assert!((s.gini - 0.9).abs() < 1e-12, "{}", s.gini);
        assert!(s.max_over_min.is_infinite());
    }
}
