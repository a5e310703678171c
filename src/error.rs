//! Errors that reach HTTP clients.
//!
//! Two shapes, one per kind of client:
//! - [`PageError`] for HTML pages. Its response carries an [`ErrorPage`] marker and no body;
//!   the tenant-context middleware renders the French (or English) page with the space's
//!   branding, so handlers need not know about layout.
//! - [`ApiError`] for `/api`: `application/problem+json` (RFC 9457).
//!
//! Internal causes (database, I/O) are logged with their chain and never shown to clients.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Which error page to render. The text lives in the locale files under `error.<key>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPage {
    NotFound,
    UnknownSpace,
    SpaceSuspended,
    BadRequest,
    /// An absolute request target naming another host than the `Host` header.
    AmbiguousHost,
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
fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
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

fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
    )
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Field-level validation errors (`field`, `message`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

#[derive(Debug, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// An error from an API handler.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("unknown space")]
    UnknownSpace,
    /// No API route at this path (the router's fallback).
    #[error("unknown route")]
    UnknownRoute,
    #[error("space suspended")]
    SpaceSuspended,
    #[error("{0}")]
    BadRequest(String),
    #[error("sign in first")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("invalid fields")]
    Invalid(Vec<FieldProblem>),
    #[error("database error")]
    Database(sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    fn problem(&self) -> (StatusCode, &'static str, &'static str, Option<String>) {
        match self {
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not-found", "Ressource introuvable", None),
            ApiError::UnknownRoute => (
                StatusCode::NOT_FOUND,
                "unknown-route",
                "Adresse d’API inconnue",
                Some("Consultez /api/openapi.json pour la liste des opérations.".into()),
            ),
            ApiError::UnknownSpace => (StatusCode::NOT_FOUND, "unknown-space", "Espace inconnu", None),
            ApiError::SpaceSuspended => (
                StatusCode::SERVICE_UNAVAILABLE,
                "space-suspended",
                "Espace momentanément indisponible",
                Some("Cet espace a été suspendu par son administrateur.".into()),
            ),
            ApiError::BadRequest(detail) => (
                StatusCode::BAD_REQUEST,
                "bad-request",
                "Requête invalide",
                Some(detail.clone()),
            ),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Connexion requise",
                Some("Connectez-vous pour effectuer cette action.".into()),
            ),
            ApiError::Forbidden(detail) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Action non autorisée",
                Some(detail.clone()),
            ),
            ApiError::Conflict(detail) => (
                StatusCode::CONFLICT,
                "conflict",
                "Action impossible",
                Some(detail.clone()),
            ),
            ApiError::Invalid(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "Données invalides",
                Some("Certains champs sont invalides.".into()),
            ),
            ApiError::Database(e) if is_unavailable(e) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service momentanément indisponible",
                None,
            ),
            ApiError::Database(_) | ApiError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Erreur interne", None)
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Database(e) => tracing::error!(cause = ?e, "api request failed"),
            ApiError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "api request failed")
            }
            _ => {}
        }
        let (status, slug, title, detail) = self.problem();
        let errors = match self {
            ApiError::Invalid(errors) => errors,
            _ => Vec::new(),
        };
        let body = Problem {
            kind: format!("/problems/{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail,
            errors,
        };
        let mut response = (status, Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}
