//! Themes as clusters: spherical k-means on unit vectors, with guards against one giant cluster.
//!
//! - **Spherical k-means** groups contributions by the angle between their vectors (cosine),
//!   not by distance, so a short answer and a long one that say the same thing meet. Each
//!   theme's centre is the normalised mean of its contributions.
//! - **k-means++ seeding** spreads the first centres apart (each drawn with a probability that
//!   grows with its distance to those already chosen), and the best of a few seedings is kept.
//! - **Balance.** Short, generic answers ("il faut agir") tend to gather in one catch-all
//!   cluster. When a theme holds more than `max_share` of the contributions, it is split in two
//!   and the two closest other themes are merged, which keeps the number of themes; this repeats
//!   a few times at most.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::lsa::{Dense, axpy, dot};
use super::parallel::par_ranges;

/// Settings of the clustering.
#[derive(Debug, Clone)]
pub struct ClusterParams {
    pub k: usize,
    pub max_iterations: usize,
    /// Seedings tried; the one with the best objective is kept.
    pub restarts: usize,
    /// A theme above this share of contributions is split.
    pub max_share: f64,
    pub seed: u64,
}

/// A clustering: each row's cluster, the centres, and the mean cosine of rows to their centre.
#[derive(Debug, Clone)]
pub struct Clustering {
    pub assignment: Vec<u32>,
    pub centroids: Dense,
    pub sizes: Vec<usize>,
    pub cohesion: f64,
}

/// Rows on which seedings are compared.
const SAMPLE: usize = 10_000;
/// Lloyd iterations on all rows, from the sample's centres (which are already close).
const FULL_ITERATIONS: usize = 10;

/// Rows with a zero vector are left out of the clustering (`u32::MAX`).
pub const UNASSIGNED: u32 = u32::MAX;

/// Centres scored eight at a time: for each block of eight centres, their values dimension by
/// dimension, so that scoring a row is a run of multiply-adds into eight sums that stay in
/// registers.
struct Transposed {
    k: usize,
    dim: usize,
    /// `blocks × dim × 8` values; the last block is padded with zero centres.
    data: Vec<f32>,
}

const BLOCK: usize = 8;

impl Transposed {
    fn new(centroids: &Dense) -> Self {
        let (k, dim) = (centroids.rows(), centroids.dim);
        let blocks = k.div_ceil(BLOCK);
        let mut data = vec![0.0; blocks * dim * BLOCK];
        for c in 0..k {
            let (b, lane) = (c / BLOCK, c % BLOCK);
            for (j, &v) in centroids.row(c).iter().enumerate() {
                data[(b * dim + j) * BLOCK + lane] = v;
            }
        }
        Transposed { k, dim, data }
    }

    /// Index of the best centre for `x` and its cosine.
    #[inline]
    fn nearest(&self, x: &[f32]) -> (u32, f32) {
        let mut best = (0u32, f32::NEG_INFINITY);
        for (b, block) in self.data.chunks_exact(self.dim * BLOCK).enumerate() {
            let mut sums = [0.0f32; BLOCK];
            for (&xj, centre) in x.iter().zip(block.chunks_exact(BLOCK)) {
                for lane in 0..BLOCK {
                    sums[lane] += xj * centre[lane];
                }
            }
            for (lane, &s) in sums.iter().enumerate() {
                let c = b * BLOCK + lane;
                if c < self.k && s > best.1 {
                    best = (c as u32, s);
                }
            }
        }
        best
    }
}

fn is_zero(x: &[f32]) -> bool {
    x.iter().all(|&v| v == 0.0)
}

/// k-means++ seeding on `rows` (indices into `data`).
fn seed_centres(data: &Dense, rows: &[usize], k: usize, rng: &mut ChaCha8Rng) -> Dense {
    let mut centroids = Dense::zeros(k, data.dim);
    let first = rows[rng.random_range(0..rows.len())];
    centroids.row_mut(0).copy_from_slice(data.row(first));
    // Distance to the nearest chosen centre: 1 − cosine.
    let mut distance: Vec<f32> = rows
        .iter()
        .map(|&r| (1.0 - dot(data.row(r), data.row(first))).max(0.0))
        .collect();
    for c in 1..k {
        let total: f64 = distance.iter().map(|&d| d as f64).sum();
        let chosen = if total <= 0.0 {
            rng.random_range(0..rows.len())
        } else {
            let mut target = rng.random::<f64>() * total;
            let mut chosen = rows.len() - 1;
            for (i, &d) in distance.iter().enumerate() {
                target -= d as f64;
                if target <= 0.0 {
                    chosen = i;
                    break;
                }
            }
            chosen
        };
        let centre = data.row(rows[chosen]).to_vec();
        centroids.row_mut(c).copy_from_slice(&centre);
        for (i, &r) in rows.iter().enumerate() {
            let d = (1.0 - dot(data.row(r), &centre)).max(0.0);
            if d < distance[i] {
                distance[i] = d;
            }
        }
    }
    centroids
}

/// Lloyd iterations of spherical k-means on `rows`, from `centroids`.
/// Returns the assignment (per entry of `rows`) and the summed cosine.
fn lloyd(data: &Dense, rows: &[usize], centroids: &mut Dense, iterations: usize) -> (Vec<u32>, f64) {
    let k = centroids.rows();
    let dim = data.dim;
    let mut assignment = vec![u32::MAX; rows.len()];
    let mut objective = 0.0;
    for _ in 0..iterations {
        let transposed = Transposed::new(centroids);
        let parts = par_ranges(rows.len(), |range| {
            let mut sums = Dense::zeros(k, dim);
            let mut labels = Vec::with_capacity(range.len());
            let mut objective = 0.0f64;
            for i in range {
                let x = data.row(rows[i]);
                let (c, s) = transposed.nearest(x);
                labels.push(c);
                objective += s as f64;
                axpy(1.0, x, sums.row_mut(c as usize));
            }
            (labels, sums, objective)
        });
        let mut sums = Dense::zeros(k, dim);
        let mut changed = 0usize;
        let mut position = 0;
        objective = 0.0;
        for (labels, part, o) in parts {
            for l in labels {
                if assignment[position] != l {
                    changed += 1;
                }
                assignment[position] = l;
                position += 1;
            }
            for (s, p) in sums.data.iter_mut().zip(&part.data) {
                *s += p;
            }
            objective += o;
        }
        for c in 0..k {
            if !is_zero(sums.row(c)) {
                centroids.row_mut(c).copy_from_slice(sums.row(c));
            }
        }
        centroids.normalize_rows();
        if changed * 500 <= rows.len() {
            break;
        }
    }
    (assignment, objective)
}

/// Spherical k-means of the unit rows of `data` into `params.k` clusters.
pub fn spherical_kmeans(data: &Dense, params: &ClusterParams) -> Clustering {
    let n = data.rows();
    let rows: Vec<usize> = (0..n).filter(|&i| !is_zero(data.row(i))).collect();
    let k = params.k.clamp(1, rows.len().max(1));
    if rows.is_empty() {
        return Clustering {
            assignment: vec![UNASSIGNED; n],
            centroids: Dense::zeros(0, data.dim),
            sizes: Vec::new(),
            cohesion: 0.0,
        };
    }
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    // Seedings are tried on a sample; the best one then runs on everything.
    let sample: Vec<usize> = if rows.len() <= SAMPLE {
        rows.clone()
    } else {
        let mut shuffled = rows.clone();
        let mut sample = shuffled.partial_shuffle(&mut rng, SAMPLE).0.to_vec();
        sample.sort_unstable();
        sample
    };
    let mut best: Option<(Dense, Vec<u32>, f64)> = None;
    for _ in 0..params.restarts.max(1) {
        let mut centroids = seed_centres(data, &sample, k, &mut rng);
        let (labels, objective) = lloyd(data, &sample, &mut centroids, params.max_iterations);
        if best.as_ref().is_none_or(|b| objective > b.2) {
            best = Some((centroids, labels, objective));
        }
    }
    let (mut centroids, _, _) = best.expect("one restart at least");
    let (mut labels, mut objective) = lloyd(data, &rows, &mut centroids, FULL_ITERATIONS);
    for _ in 0..k {
        match rebalance(data, &rows, &mut centroids, &labels, params, &mut rng) {
            true => {
                let (l, o) = lloyd(data, &rows, &mut centroids, FULL_ITERATIONS);
                labels = l;
                objective = o;
            }
            false => break,
        }
    }
    let mut assignment = vec![UNASSIGNED; n];
    let mut sizes = vec![0usize; k];
    for (&r, &l) in rows.iter().zip(&labels) {
        assignment[r] = l;
        sizes[l as usize] += 1;
    }
    Clustering {
        assignment,
        centroids,
        sizes,
        cohesion: objective / rows.len() as f64,
    }
}

/// Splits the largest cluster if it is above the share allowed, merging the two closest others
/// to keep k. Returns whether the centres changed.
fn rebalance(
    data: &Dense,
    rows: &[usize],
    centroids: &mut Dense,
    labels: &[u32],
    params: &ClusterParams,
    rng: &mut ChaCha8Rng,
) -> bool {
    let k = centroids.rows();
    if k < 3 {
        return false;
    }
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l as usize] += 1;
    }
    let (big, &big_size) = sizes.iter().enumerate().max_by_key(|(_, s)| **s).expect("k ≥ 3");
    if (big_size as f64) <= params.max_share * rows.len() as f64 {
        return false;
    }
    // Split the big one with 2-means inside it.
    let members: Vec<usize> = rows
        .iter()
        .zip(labels)
        .filter(|(_, l)| **l as usize == big)
        .map(|(&r, _)| r)
        .collect();
    let mut halves = seed_centres(data, &members, 2, rng);
    lloyd(data, &members, &mut halves, params.max_iterations);
    // Merge the two closest other clusters (weighted mean of their centres).
    let mut closest = (usize::MAX, usize::MAX, f32::NEG_INFINITY);
    for a in 0..k {
        for b in a + 1..k {
            if a != big && b != big {
                let s = dot(centroids.row(a), centroids.row(b));
                if s > closest.2 {
                    closest = (a, b, s);
                }
            }
        }
    }
    let (a, b, _) = closest;
    let (wa, wb) = (sizes[a] as f32, sizes[b] as f32);
    let merged: Vec<f32> = centroids
        .row(a)
        .iter()
        .zip(centroids.row(b))
        .map(|(x, y)| wa * x + wb * y)
        .collect();
    centroids.row_mut(a).copy_from_slice(&merged);
    centroids.row_mut(b).copy_from_slice(halves.row(0));
    centroids.row_mut(big).copy_from_slice(halves.row(1));
    centroids.normalize_rows();
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_clear_groups_and_keeps_k() {
        let mut data = Dense::zeros(300, 3);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for i in 0..300 {
            let axis = i % 3;
            let row = data.row_mut(i);
            for (d, v) in row.iter_mut().enumerate() {
                *v = if d == axis {
                    1.0
                } else {
                    0.1 * rng.random::<f64>() as f32
                };
            }
        }
        data.normalize_rows();
        // Clear groups are found whatever the random starts.
        for seed in [3, 0, 1, 38, 2024] {
            let clustering = spherical_kmeans(
                &data,
                &ClusterParams {
                    k: 3,
                    max_iterations: 50,
                    restarts: 2,
                    max_share: 0.5,
                    seed,
                },
            );
            assert_eq!(clustering.sizes, vec![100, 100, 100], "seed {seed}");
            for i in 0..300 {
                assert_eq!(clustering.assignment[i], clustering.assignment[i % 3], "seed {seed}");
            }
        }
    }
}
