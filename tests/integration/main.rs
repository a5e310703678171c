//! Integration tests: one binary, real PostgreSQL, real HTTP servers on loopback.

mod analysis;
mod analysis_answers;
mod boundary;
mod browser;
mod cache;
mod consoles;
mod demo;
mod embedded;
mod helpers;
mod isolation;
mod mail;
mod metering;
mod pages;
mod participation;
mod processes;
mod resolution;
mod results;
mod rights;
mod scaleout;
mod smtp;
mod surveys;
mod sync;
mod telemetry;
mod workshops;
