//! Integration tests: one binary, real PostgreSQL, real HTTP servers on loopback.

mod cache;
mod embedded;
mod helpers;
mod isolation;
mod pages;
mod resolution;
mod sync;
