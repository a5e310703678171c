//! ecoute: "La Caf à votre écoute", the participation platform of the Cnaf and the Caf network,
//! as a multi-tenant service.
//!
//! Where things live, floor by floor (`tests/layout.rs` checks that imports only go down and
//! never in a circle):
//! - the ground, which names no domain: [`config`], [`error`], [`telemetry`], [`caching`],
//!   [`tokens`], [`oidc`] (the OpenID Connect client), [`db`] (connections, roles, migrations,
//!   the embedded PostgreSQL, the RLS rule) and [`tenancy`] (host → space, tenant-scoped transactions, `tenants/` sync);
//! - [`web`], the HTTP kit, which names no domain either: the ground every handler reaches,
//!   the page extractor and templates, i18n, form tokens, the tenant and request layers;
//! - the domains, each with its types, queries, pages, API and `routes()`: [`accounts`],
//!   [`mail`], [`operators`], [`audit`], [`campaigns`], [`surveys`], [`moderation`], [`ideas`],
//!   [`workshops`], [`results`], [`analysis`], [`metering`] and [`exports`]. Each domain's
//!   console pages (under `/admin`) are its `console` module; the console kit they share (the
//!   signed-in operator, rights, the frame) is [`web::console`];
//! - the root, which knows them all: [`app`] (state and router), [`startup`], [`jobs`] (the
//!   background jobs) and [`demo`].

/// mimalloc instead of glibc's malloc, for every binary and test of the crate. A cached page
/// makes about thirty small allocations; under load, glibc's malloc (with its consolidation of
/// free chunks whenever a block above 1 KB is asked for) was a tenth of the page's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod accounts;
pub mod analysis;
pub mod app;
pub mod audit;
pub mod caching;
pub mod campaigns;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod exports;
pub mod ideas;
pub mod jobs;
pub mod mail;
pub mod metering;
pub mod moderation;
pub mod oidc;
pub mod operators;
pub mod results;
pub mod rules;
pub mod startup;
pub mod surveys;
pub mod telemetry;
pub mod tenancy;
pub mod tokens;
pub mod web;
pub mod workshops;
