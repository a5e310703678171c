//! Errors that reach HTTP clients.
//!
//! Two shapes, one per kind of client:
//! - [`PageError`] for HTML pages. Its response carries an [`ErrorPage`] marker and no body;
//!   the tenant layer (`web::spaces`) renders the French (or English) page with the space's
//!   branding, so handlers need not know about layout.
//! - [`ApiError`] for `/api`: `application/problem+json` (RFC 9457).
//!
//! Internal causes (database, I/O) are logged with their chain and never shown to clients.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

mod api;
mod page;
pub mod problems;

pub use api::*;
pub use page::*;

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if is_foreign_key_violation(&e) {
            tracing::info!(cause = %e, "refused reference answered as not found");
            ApiError::NotFound
        } else {
            ApiError::Database(e)
        }
    }
}

/// Seconds a client is told to wait (`Retry-After`) when the database cannot be reached.
/// PostgreSQL restarts in 1–3 s; a few seconds spare clients a second failed try.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// Whether a database error means "PostgreSQL cannot be reached right now" (answered 503 with
/// `Retry-After`) rather than a fault of the request or of the code (500): no connection to be
/// had, a connection lost, the server shutting down, starting up or out of connections, or a
/// statement that ran past the request's limit.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => true,
        // A connection that broke mid-message.
        sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // Class 08: connection exception. 57P01–57P03: administrator or crash shutdown,
            // cannot connect now (starting up). 53300: too many connections. 57014: a statement
            // cancelled, by the request statement limit (`statement_timeout`) or an
            // administrator: the database is too busy to answer in time.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300" | "57014")
        }),
        _ => false,
    }
}

/// The same, for an error that travelled through `anyhow` (a job, a helper returning
/// `anyhow::Result`): true when a database error in its chain is one.
pub(super) fn chain_is_unavailable(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|cause| cause.downcast_ref::<sqlx::Error>().is_some_and(is_unavailable))
}

/// A limit in the unit people read: "4 Mo", "256 Ko" (French units, as the pages say).
pub fn human_size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} Mo", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} Mo", bytes as f64 / MIB as f64).replace('.', ",")
    } else {
        format!("{} Ko", bytes.div_ceil(1024))
    }
}
