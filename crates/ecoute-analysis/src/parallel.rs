//! The engine's parallel loops, on rayon's pool.
//!
//! Work is cut into one contiguous range of rows per thread rather than handed to rayon row by
//! row: each range keeps its own scratch (a word table, a signature buffer) and its results
//! come back in range order, so a merge is the same whatever thread ran which range.

use std::ops::Range;

use rayon::prelude::*;

use super::lsa::Dense;

/// Below this many rows, a loop runs on the calling thread: the split would cost more.
const PARALLEL_ROWS: usize = 2048;

/// Rows one rayon task fills at least: enough to outweigh a task's cost, few enough that a
/// thread slowed by another process hands its rest to the others.
const ROWS_PER_TASK: usize = 256;

/// Threads worth cutting work for: rayon's pool (the machine's cores), at most 8.
pub fn threads() -> usize {
    rayon::current_num_threads().min(8)
}

/// Splits `0..n` into one contiguous range per thread, runs `f` on each in parallel and returns
/// the results in range order.
pub fn par_ranges<T: Send>(n: usize, f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    let parts = threads().min(n.max(1));
    if parts <= 1 || n < PARALLEL_ROWS {
        return vec![f(0..n)];
    }
    let step = n.div_ceil(parts);
    (0..parts)
        .into_par_iter()
        .map(|p| f(p * step..((p + 1) * step).min(n)))
        .collect()
}

/// Fills the rows of `out` in parallel: `f(i, row)` for each row index.
pub fn par_fill_rows(out: &mut Dense, f: impl Fn(usize, &mut [f32]) + Sync) {
    let dim = out.dim;
    if out.rows() < PARALLEL_ROWS || threads() < 2 || dim == 0 {
        for (i, row) in out.data.chunks_mut(dim.max(1)).enumerate() {
            f(i, row);
        }
        return;
    }
    out.data
        .par_chunks_mut(dim)
        .enumerate()
        .with_min_len(ROWS_PER_TASK)
        .for_each(|(i, row)| f(i, row));
}

/// Fills `out` in parallel, one contiguous range per thread: `f(range, slice)` fills the
/// slice of `out` at `range`, with scratch of its own. Nothing is collected and copied after,
/// so large per-row results (a signature per contribution) take their final place at once.
pub fn par_fill<T: Send>(out: &mut [T], f: impl Fn(Range<usize>, &mut [T]) + Sync) {
    let n = out.len();
    let parts = threads().min(n.max(1));
    if parts <= 1 || n < PARALLEL_ROWS {
        f(0..n, out);
        return;
    }
    let step = n.div_ceil(parts);
    out.par_chunks_mut(step)
        .enumerate()
        .for_each(|(p, slice)| f(p * step..p * step + slice.len(), slice));
}
