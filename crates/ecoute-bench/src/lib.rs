//! What ecoute's benchmark binaries (`src/bin/`) share: their databases, created and dropped
//! per run ([`databases`]), and the HTTP/1.1 client their loads send requests with ([`http`]).
//!
//! The benchmarks are a crate of their own: they report figures, they are not tests, and the
//! platform crate builds without them. `cargo run --release --bin ecoute-bench` (or
//! `ecoute-mail-bench`, `ecoute-memory-bench`, `ecoute-analysis-bench`, `ecoute-panel-bench`)
//! from the repository's root runs one; each binary's opening comment says what it measures.

pub mod databases;
pub mod http;
