//! Latent semantic analysis: the TF-IDF vectors projected on their main directions.
//!
//! Short answers share few words: "voiture électrique" and "véhicules propres" have none in
//! common, so raw TF-IDF vectors see them as unrelated. Words that appear together across the
//! corpus span the same directions of its truncated singular value decomposition; in that space
//! the two answers are close. The decomposition is computed by the randomized range finder of
//! Halko, Martinsson and Tropp (2011) with two power iterations: a few passes over the sparse
//! matrix, no dense copy of it.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::parallel::{par_fill_rows, par_ranges};
use super::vectors::Csr;

/// Passes of subspace iteration: each sharpens the separation of the leading directions.
const POWER_ITERATIONS: usize = 3;

/// Rows of a dense matrix, `dim` values each, stored one after the other.
#[derive(Debug, Clone)]
pub struct Dense {
    pub dim: usize,
    pub data: Vec<f32>,
}

impl Dense {
    pub fn zeros(rows: usize, dim: usize) -> Self {
        Dense {
            dim,
            data: vec![0.0; rows * dim],
        }
    }

    pub fn rows(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    pub fn row_mut(&mut self, i: usize) -> &mut [f32] {
        &mut self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// Scales every non-zero row to length one.
    pub fn normalize_rows(&mut self) {
        let dim = self.dim;
        for row in self.data.chunks_mut(dim) {
            let norm = dot(row, row).sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|v| *v /= norm);
            }
        }
    }
}

#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight independent sums let the compiler vectorise.
    let mut acc = [0.0f32; 8];
    let chunks = a.len() / 8;
    for c in 0..chunks {
        let (x, y) = (&a[c * 8..c * 8 + 8], &b[c * 8..c * 8 + 8]);
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut sum: f32 = acc.iter().sum();
    for k in chunks * 8..a.len() {
        sum += a[k] * b[k];
    }
    sum
}

#[inline]
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// `A · B`: sparse (n × m) times dense (m × d).
fn sparse_times(a: &Csr, b: &Dense) -> Dense {
    let mut out = Dense::zeros(a.n_rows(), b.dim);
    par_fill_rows(&mut out, |i, row| {
        let (cols, vals) = a.row(i);
        for (&c, &v) in cols.iter().zip(vals) {
            axpy(v, b.row(c as usize), row);
        }
    });
    out
}

/// Row `i` of `A · B` into `row` (zeroed first), as [`sparse_times`] computes it.
fn sparse_row_times(a: &Csr, b: &Dense, i: usize, row: &mut [f32]) {
    row.fill(0.0);
    let (cols, vals) = a.row(i);
    for (&c, &v) in cols.iter().zip(vals) {
        axpy(v, b.row(c as usize), row);
    }
}

/// `Aᵀ · (A · Z)`: sparse (n × m) and dense (m × d). Each row of `A · Z` is made, used and
/// forgotten, so no n × d matrix is ever held (880 MB at 2,000,000 texts and 110 columns);
/// the sums are the same, in the same order, as with the product made whole.
fn normal_times(a: &Csr, z: &Dense) -> Dense {
    let dim = z.dim;
    let parts = par_ranges(a.n_rows(), |range| {
        let mut out = Dense::zeros(a.n_cols, dim);
        let mut yi = vec![0.0f32; dim];
        for i in range {
            sparse_row_times(a, z, i, &mut yi);
            let (cols, vals) = a.row(i);
            for (&c, &v) in cols.iter().zip(vals) {
                axpy(v, &yi, out.row_mut(c as usize));
            }
        }
        out
    });
    let mut parts = parts.into_iter();
    let mut out = parts.next().expect("at least one part");
    for part in parts {
        for (o, p) in out.data.iter_mut().zip(&part.data) {
            *o += p;
        }
    }
    out
}

/// `Yᵀ · Y` in double precision (d × d).
fn gram(y: &Dense) -> Vec<f64> {
    gram_of_rows(y.rows(), y.dim, |i, row| row.copy_from_slice(y.row(i)))
}

/// `Yᵀ · Y` for `Y = A · Z`, each row of `Y` made when it is needed (see [`normal_times`]).
fn gram_of_product(a: &Csr, z: &Dense) -> Vec<f64> {
    gram_of_rows(a.n_rows(), z.dim, |i, row| sparse_row_times(a, z, i, row))
}

/// `Yᵀ · Y` for the `n` rows of `d` values that `row_of(i, row)` writes.
fn gram_of_rows(n: usize, d: usize, row_of: impl Fn(usize, &mut [f32]) + Sync) -> Vec<f64> {
    let parts = par_ranges(n, |range| {
        let mut g = vec![0.0f64; d * d];
        // Blocks of rows in f32, added into f64: fast and accurate enough.
        let mut block = vec![0.0f32; d * d];
        let mut row = vec![0.0f32; d];
        for (count, i) in range.enumerate() {
            row_of(i, &mut row);
            let row = &row[..];
            for a in 0..d {
                let ra = row[a];
                if ra != 0.0 {
                    axpy(ra, &row[a..], &mut block[a * d + a..a * d + d]);
                }
            }
            if count % 256 == 255 {
                for (gv, bv) in g.iter_mut().zip(block.iter_mut()) {
                    *gv += *bv as f64;
                    *bv = 0.0;
                }
            }
        }
        for (gv, bv) in g.iter_mut().zip(&block) {
            *gv += *bv as f64;
        }
        g
    });
    let mut g = vec![0.0f64; d * d];
    for part in parts {
        for (gv, pv) in g.iter_mut().zip(part) {
            *gv += pv;
        }
    }
    for a in 0..d {
        for b in 0..a {
            g[a * d + b] = g[b * d + a];
        }
    }
    g
}

/// Eigen-decomposition of a symmetric d × d matrix (cyclic Jacobi): eigenvalues in decreasing
/// order, and the eigenvectors as the columns of a row-major d × d matrix.
pub fn symmetric_eigen(mut a: Vec<f64>, d: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0f64; d * d];
    for i in 0..d {
        v[i * d + i] = 1.0;
    }
    for _sweep in 0..60 {
        let off: f64 = (0..d)
            .flat_map(|p| (p + 1..d).map(move |q| (p, q)))
            .map(|(p, q)| a[p * d + q] * a[p * d + q])
            .sum();
        let total: f64 = (0..d).map(|p| a[p * d + p] * a[p * d + p]).sum::<f64>() + off;
        if off <= 1e-22 * total.max(1e-300) {
            break;
        }
        for p in 0..d {
            for q in p + 1..d {
                let apq = a[p * d + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q * d + q] - a[p * d + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..d {
                    let akp = a[k * d + p];
                    let akq = a[k * d + q];
                    a[k * d + p] = c * akp - s * akq;
                    a[k * d + q] = s * akp + c * akq;
                }
                for k in 0..d {
                    let apk = a[p * d + k];
                    let aqk = a[q * d + k];
                    a[p * d + k] = c * apk - s * aqk;
                    a[q * d + k] = s * apk + c * aqk;
                }
                for k in 0..d {
                    let vkp = v[k * d + p];
                    let vkq = v[k * d + q];
                    v[k * d + p] = c * vkp - s * vkq;
                    v[k * d + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&x, &y| a[y * d + y].total_cmp(&a[x * d + x]));
    let values = order.iter().map(|&i| a[i * d + i]).collect();
    let mut vectors = vec![0.0f64; d * d];
    for (new, &old) in order.iter().enumerate() {
        for k in 0..d {
            vectors[k * d + new] = v[k * d + old];
        }
    }
    (values, vectors)
}

/// `Y · M` for a small d × e matrix `M` (row-major, f64).
fn times_small(y: &Dense, m: &[f64], e: usize) -> Dense {
    let d = y.dim;
    let m32: Vec<f32> = m.iter().map(|&v| v as f32).collect();
    let mut out = Dense::zeros(y.rows(), e);
    par_fill_rows(&mut out, |i, row| {
        for (a, &ya) in y.row(i).iter().enumerate() {
            if ya != 0.0 {
                axpy(ya, &m32[a * e..(a + 1) * e], row);
            }
        }
    });
    debug_assert_eq!(m.len(), d * e);
    out
}

/// An orthonormal basis of the columns of `y` (through its Gram matrix's eigenvectors);
/// directions with no weight are dropped.
fn orthonormalize(y: &Dense) -> Dense {
    let d = y.dim;
    let (values, vectors) = symmetric_eigen(gram(y), d);
    let top = values[0].max(1e-300);
    let keep = values.iter().take_while(|&&v| v > top * 1e-10).count().max(1);
    let mut m = vec![0.0f64; d * keep];
    for a in 0..d {
        for j in 0..keep {
            m[a * keep + j] = vectors[a * d + j] / values[j].sqrt();
        }
    }
    times_small(y, &m, keep)
}

/// A standard normal draw (Box–Muller): the random start of the range finder.
fn normal(rng: &mut impl Rng) -> f32 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

/// The LSA coordinates of each row of `a` (`U · Σ`, `dims` columns) and the share of the
/// matrix's weight (squared Frobenius norm) they keep.
///
/// Subspace iteration on `AᵀA`: every orthonormalisation happens on the side of the features,
/// which are far fewer than the contributions; the contributions' side only sees sparse
/// products. The coordinates are then `A · V` (`= U · Σ`) for the right singular vectors `V`.
pub fn lsa(a: &Csr, dims: usize, seed: u64) -> (Dense, f64) {
    let n = a.n_rows();
    let dims = dims.min(a.n_cols).min(n).max(1);
    let l = (dims + 10).min(a.n_cols).min(n).max(1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut z = Dense::zeros(a.n_cols, l);
    z.data.iter_mut().for_each(|v| *v = normal(&mut rng));
    for _ in 0..POWER_ITERATIONS {
        z = orthonormalize(&normal_times(a, &z));
    }
    // Rayleigh–Ritz: M = Zᵀ AᵀA Z = (A Z)ᵀ (A Z), whose eigenvectors turn Z into V.
    let (values, vectors) = symmetric_eigen(gram_of_product(a, &z), z.dim);
    let d = z.dim;
    let keep = dims.min(d);
    let mut m = vec![0.0f64; d * keep];
    for r in 0..d {
        for j in 0..keep {
            m[r * keep + j] = vectors[r * d + j];
        }
    }
    let v = times_small(&z, &m, keep);
    let total: f64 = a.values.iter().map(|&v| (v as f64) * (v as f64)).sum();
    let kept: f64 = values.iter().take(keep).map(|v| v.max(0.0)).sum();
    (sparse_times(a, &v), if total > 0.0 { kept / total } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_recovers_eigenvalues() {
        // [[2,1],[1,2]] has eigenvalues 3 and 1.
        let (values, vectors) = symmetric_eigen(vec![2.0, 1.0, 1.0, 2.0], 2);
        assert!((values[0] - 3.0).abs() < 1e-9 && (values[1] - 1.0).abs() < 1e-9);
        assert!((vectors[0].abs() - 0.5f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn lsa_keeps_the_main_directions() {
        // Two groups of rows on disjoint columns: two dimensions hold everything.
        let mut m = Csr {
            n_cols: 4,
            indptr: vec![0],
            ..Csr::default()
        };
        for i in 0..40 {
            let cols: [u32; 2] = if i % 2 == 0 { [0, 1] } else { [2, 3] };
            m.indices.extend(cols);
            m.values.extend([0.6, 0.8]);
            m.indptr.push(m.indices.len());
        }
        // Whatever the random range finder's seed.
        for seed in [7, 0, 1, 38, 2024] {
            let (coords, kept) = lsa(&m, 2, seed);
            assert!(kept > 0.999, "seed {seed}: {kept}");
            let (x, y) = (coords.row(0), coords.row(1));
            assert!(dot(x, y).abs() < 1e-4, "seed {seed}");
            assert!((dot(x, x) - 1.0).abs() < 1e-3, "seed {seed}");
        }
    }
}
