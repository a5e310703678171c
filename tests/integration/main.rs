//! Integration tests: one binary, real PostgreSQL, real HTTP servers on loopback.

mod browser;
mod cache;
mod consoles;
mod embedded;
mod helpers;
mod isolation;
mod mail;
mod pages;
mod participation;
mod resolution;
mod rights;
mod smtp;
mod surveys;
mod sync;
mod workshops;
