//! The one table of request body limits.
//!
//! axum refuses bodies above 2 MiB unless told otherwise; a route that accepts more (a CSV
//! list) or must accept less (a JSON document) says so here, and nowhere else. The router
//! applies [`layer`] to the routes listed in [`ROUTES`]; the refusal layer
//! (`web::refusals`) reads the same table to name the limit in its 413 answer, and the
//! extractors that buffer a body (`web::json::Json`, `web::csrf::CsrfForm`) use [`JSON`] and
//! [`FORM`].

use axum::extract::DefaultBodyLimit;

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// What a route without an entry accepts (axum's default, said explicitly).
pub const DEFAULT: usize = 2 * MIB;
/// A JSON body of the API: an idea is 4,000 characters, a survey response a few dozen.
pub const JSON: usize = 256 * KIB;
/// A urlencoded form (ideas, comments, campaign texts in the console).
pub const FORM: usize = 256 * KIB;
/// Room for the other fields of a multipart form around its file.
pub const MULTIPART_MARGIN: usize = 64 * KIB;
/// An address list (CSV or pasted), as the invitation console promises (4 Mo).
pub const CSV_LIST: usize = 4 * MIB;
/// The volunteer files imported into a workshop recruitment (issue 21): larger, same mechanism.
pub const VOLUNTEER_IMPORT: usize = 20 * MIB;

/// The longest request target (path and query) a route reads, in bytes. Far above any link the
/// platform writes (a search is 200 characters); a longer one is answered 414 by the refusal
/// layer, in the client's format. hyper itself refuses above 65,534 bytes, with an empty body.
pub const URI: usize = 8 * KIB;
/// The most header fields a request may carry (a browser sends about 15–20). hyper refuses
/// above 100, with an empty body; between the two, the refusal layer answers 431 in the
/// client's format.
pub const HEADER_COUNT: usize = 64;
/// The most bytes of header names and values a request may carry (cookies included). hyper
/// refuses a request head above about 400 KB, with an empty body.
pub const HEADER_BYTES: usize = 32 * KIB;

/// Upload routes whose limit is not [`DEFAULT`], by their router path, with the size the
/// interface promises for their file; the body may be [`MULTIPART_MARGIN`] larger.
pub const ROUTES: &[(&str, usize)] = &[
    ("/admin/campagnes/{id}/invitations", CSV_LIST),
    ("/admin/campagnes/{id}/ateliers/imports", VOLUNTEER_IMPORT),
];

/// The limit a route promises, by its router path (`MatchedPath`): what a 413 names.
pub fn for_route(path: &str) -> usize {
    ROUTES
        .iter()
        .find(|(route, _)| *route == path)
        .map_or(DEFAULT, |(_, limit)| *limit)
}

/// The layer that gives an upload route its body limit from the table.
pub fn layer(path: &str) -> DefaultBodyLimit {
    DefaultBodyLimit::max(for_route(path) + MULTIPART_MARGIN)
}

/// A limit in the unit people read: "4 Mo", "256 Ko" (the refusals name it).
pub use crate::error::human_size as human;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_gives_csv_routes_at_least_what_the_console_promises() {
        assert_eq!(for_route("/admin/campagnes/{id}/invitations"), CSV_LIST);
        assert_eq!(for_route("/consultations/{slug}/idees"), DEFAULT);
        assert_eq!(for_route("/admin/campagnes/{id}/ateliers/imports"), VOLUNTEER_IMPORT);
        assert_eq!(human(VOLUNTEER_IMPORT), "20 Mo");
        assert_eq!(human(CSV_LIST), "4 Mo");
        assert_eq!(human(CSV_LIST + MULTIPART_MARGIN), "4,1 Mo");
        assert_eq!(human(JSON), "256 Ko");
    }
}
