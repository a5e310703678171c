//! The result of every method: a portfolio of quota-respecting panels with a probability each,
//! and the selection probability of every volunteer it gives.

use serde::Serialize;

use super::{Algorithm, Method, Types};

/// A portfolio of panels and the probability of each volunteer.
#[derive(Clone, Debug, Serialize)]
pub struct Fair {
    /// Volunteers grouped by profile.
    #[serde(skip)]
    pub types: Types,
    /// Panels as members per type.
    pub panels: Vec<Vec<u32>>,
    /// Probability of each panel (sums to 1).
    pub weights: Vec<f64>,
    /// Selection probability of each type's volunteers.
    pub type_probabilities: Vec<f64>,
    /// Selection probability of each volunteer.
    pub probabilities: Vec<f64>,
    /// LEXIMIN levels computed (1 for MAXIMIN, 0 for the others).
    pub levels: usize,
    /// Whether the method finished within its time budget (LEGACY: always).
    pub complete: bool,
    /// What it aimed at.
    pub algorithm: Algorithm,
    /// How it was found.
    pub via: Method,
    /// The best any portfolio can do on the algorithm's own measure, when known: the smallest
    /// probability for LEXIMIN and MAXIMIN (the quota polytope's first level), the geometric
    /// mean of the probabilities for NASH (Frank–Wolfe's duality gap). `None` for LEGACY.
    pub bound: Option<f64>,
}

impl Fair {
    /// The result from panels and their probabilities: each type's probability, and only the
    /// panels that can be drawn. `bound` and `algorithm` are the caller's to set.
    pub(crate) fn from_panels(
        types: Types,
        panels: Vec<Vec<u32>>,
        weights: Vec<f64>,
        levels: usize,
        complete: bool,
        via: Method,
    ) -> Fair {
        let n_types = types.len();
        let mut type_probabilities = vec![0.0; n_types];
        for (panel, &w) in panels.iter().zip(&weights) {
            for t in 0..n_types {
                type_probabilities[t] += w * f64::from(panel[t]) / types.size(t) as f64;
            }
        }
        let (panels, weights): (Vec<_>, Vec<_>) = panels.into_iter().zip(weights).filter(|(_, w)| *w > 1e-9).unzip();
        let total: f64 = weights.iter().sum();
        let weights: Vec<f64> = weights.into_iter().map(|w| w / total).collect();
        let probabilities = types.of_volunteer.iter().map(|&t| type_probabilities[t]).collect();
        Fair {
            types,
            panels,
            weights,
            type_probabilities,
            probabilities,
            levels,
            complete,
            algorithm: Algorithm::Leximin,
            via,
            bound: None,
        }
    }
}
