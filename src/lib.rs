//! ecoute: "La Caf à votre écoute", the participation platform of the Cnaf and the Caf network,
//! as a multi-tenant service.
//!
//! Where things live:
//! - [`config`], [`telemetry`], [`startup`], [`error`]: process plumbing;
//! - [`db`]: connections, roles, migrations, the embedded PostgreSQL;
//! - [`tenancy`]: host → tenant, tenant-scoped transactions, RLS rule, `tenants/` sync;
//! - [`web`]: router, layers, templates, i18n, shared pages;
//! - [`campaigns`], [`ideas`], [`surveys`], [`accounts`]: domain areas (each owns its types, queries, routes);
//! - [`mail`]: the outbox and its worker;
//! - [`demo`]: demo data for `ecoute demo`.

pub mod accounts;
pub mod audit;
pub mod campaigns;
pub mod config;
pub mod consoles;
pub mod db;
pub mod demo;
pub mod error;
pub mod exports;
pub mod ideas;
pub mod mail;
pub mod moderation;
pub mod operators;
pub mod startup;
pub mod surveys;
pub mod telemetry;
pub mod tenancy;
pub mod web;
pub mod workshops;
