//! ecoute: "La Caf à votre écoute", the participation platform of the Cnaf and the Caf network,
//! as a multi-tenant service.
//!
//! Where things live:
//! - [`config`], [`telemetry`], [`startup`], [`error`]: process plumbing;
//! - [`db`]: connections, roles, migrations, the embedded PostgreSQL;
//! - [`tenancy`]: host → tenant, tenant-scoped transactions, RLS rule, `tenants/` sync;
//! - [`web`]: router, layers, templates, i18n, shared pages;
//! - [`campaigns`], [`ideas`], [`surveys`], [`accounts`]: domain areas (each owns its types, queries, routes);
//! - [`mail`]: the outbox and its worker; [`jobs`]: the other background jobs, started with it;
//! - [`metering`]: usage per space (counted by triggers), quotas;
//! - [`results`]: what a campaign taught (figures, survey charts, synthesis, decisions);
//! - [`analysis`]: themes, key phrases, near-duplicates and priorities of what people wrote;
//! - [`demo`]: demo data for `ecoute demo`.

/// mimalloc instead of glibc's malloc, for every binary and test of the crate. A cached page
/// makes about thirty small allocations; under load, glibc's malloc (with its consolidation of
/// free chunks whenever a block above 1 KB is asked for) was a tenth of the page's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod accounts;
pub mod analysis;
pub mod audit;
pub mod caching;
pub mod campaigns;
pub mod config;
pub mod consoles;
pub mod db;
pub mod demo;
pub mod error;
pub mod exports;
pub mod ideas;
pub mod jobs;
pub mod mail;
pub mod metering;
pub mod moderation;
pub mod operators;
pub mod results;
pub mod startup;
pub mod surveys;
pub mod telemetry;
pub mod tenancy;
pub mod web;
pub mod workshops;
