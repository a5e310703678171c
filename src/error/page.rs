//! Errors of HTML pages: which page to show, and the marker the tenant layer turns into
//! the space's French (or English) page.

use super::*;

/// Which error page to render. The text lives in the locale files under `error.<key>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPage {
    NotFound,
    UnknownSpace,
    SpaceSuspended,
    BadRequest,
    /// An absolute request target naming another host than the `Host` header.
    AmbiguousHost,
    /// A field with a character no text may hold (a NUL...).
    InvalidText,
    /// A body above the route's limit (`web::limits`), named on the page.
    TooLarge {
        max: usize,
    },
    MethodNotAllowed,
    /// A request target longer than the platform reads (`web::limits::URI`).
    UriTooLong,
    /// Too many header fields, or too many bytes of them (`web::limits`).
    HeadersTooLarge,
    Forbidden,
    StaffOnly,
    /// A console action the operator's role does not allow.
    NotAllowed,
    TooManyRequests,
    Unavailable,
    Internal,
}

impl ErrorPage {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorPage::NotFound | ErrorPage::UnknownSpace => StatusCode::NOT_FOUND,
            ErrorPage::SpaceSuspended | ErrorPage::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorPage::BadRequest | ErrorPage::AmbiguousHost => StatusCode::BAD_REQUEST,
            ErrorPage::InvalidText => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorPage::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorPage::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorPage::UriTooLong => StatusCode::URI_TOO_LONG,
            ErrorPage::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ErrorPage::Forbidden | ErrorPage::StaffOnly | ErrorPage::NotAllowed => StatusCode::FORBIDDEN,
            ErrorPage::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorPage::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Key of the page's texts in the locale files.
    pub fn key(self) -> &'static str {
        match self {
            ErrorPage::NotFound => "not_found",
            ErrorPage::UnknownSpace => "unknown_space",
            ErrorPage::SpaceSuspended => "suspended",
            ErrorPage::BadRequest => "bad_request",
            ErrorPage::AmbiguousHost => "ambiguous_host",
            ErrorPage::InvalidText => "invalid_text",
            ErrorPage::TooLarge { .. } => "too_large",
            ErrorPage::MethodNotAllowed => "method_not_allowed",
            ErrorPage::UriTooLong => "uri_too_long",
            ErrorPage::HeadersTooLarge => "headers_too_large",
            ErrorPage::Forbidden => "forbidden",
            ErrorPage::StaffOnly => "staff_only",
            ErrorPage::NotAllowed => "not_allowed",
            ErrorPage::TooManyRequests => "too_many_requests",
            ErrorPage::Unavailable => "unavailable",
            ErrorPage::Internal => "internal",
        }
    }
}

/// An error from a page handler.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    #[error("bad request")]
    BadRequest,
    /// A form field with a refused character (`web::text`).
    #[error("invalid text in {0}")]
    InvalidText(String),
    /// A body above the route's limit; the refusal layer names the limit.
    #[error("body too large")]
    TooLarge,
    /// A form without a valid CSRF token.
    #[error("forbidden")]
    Forbidden,
    /// A staff-only campaign, seen by someone who is not staff of the space.
    #[error("staff only")]
    StaffOnly,
    /// The operator's role does not allow this console action.
    #[error("not allowed")]
    NotAllowed,
    #[error("database error")]
    Database(sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = match &self {
            PageError::NotFound => ErrorPage::NotFound,
            PageError::BadRequest => ErrorPage::BadRequest,
            PageError::InvalidText(_) => ErrorPage::InvalidText,
            PageError::TooLarge => ErrorPage::TooLarge { max: 0 },
            PageError::Forbidden => ErrorPage::Forbidden,
            PageError::StaffOnly => ErrorPage::StaffOnly,
            PageError::NotAllowed => ErrorPage::NotAllowed,
            PageError::Database(e) if is_unavailable(e) => {
                tracing::error!(error = %self, cause = %e, "database unavailable");
                ErrorPage::Unavailable
            }
            PageError::Database(e) => {
                tracing::error!(error = %self, cause = ?e, "page failed");
                ErrorPage::Internal
            }
            PageError::Internal(e) if chain_is_unavailable(e) => {
                tracing::error!(error = format!("{e:#}"), "database unavailable");
                ErrorPage::Unavailable
            }
            PageError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "page failed");
                ErrorPage::Internal
            }
        };
        let mut response = page.status().into_response();
        response.extensions_mut().insert(page);
        response
    }
}

/// A row that names a row the database does not have in this space (a foreign key, or the
/// analysis merges' constraint trigger, refused it): to the client, the id named is unknown.
/// Answered as 404, like an unknown id, and not as 500 (issue 17, class 3).
pub(super) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|e| e.code().as_deref() == Some("23503"))
}

impl From<sqlx::Error> for PageError {
    fn from(e: sqlx::Error) -> Self {
        if is_foreign_key_violation(&e) {
            tracing::info!(cause = %e, "refused reference answered as not found");
            PageError::NotFound
        } else {
            PageError::Database(e)
        }
    }
}
