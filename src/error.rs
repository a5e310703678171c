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

/// Seconds a client is told to wait (`Retry-After`) when the database cannot be reached.
/// PostgreSQL restarts in 1–3 s; a few seconds spare clients a second failed try.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// Whether a database error means "PostgreSQL cannot be reached right now" (answered 503 with
/// `Retry-After`) rather than a fault of the request or of the code (500): no connection to be
/// had, a connection lost, or the server shutting down, starting up or out of connections.
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
            // cannot connect now (starting up). 53300: too many connections.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

/// The same, for an error that travelled through `anyhow` (a job, a helper returning
/// `anyhow::Result`): true when a database error in its chain is one.
fn chain_is_unavailable(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|cause| cause.downcast_ref::<sqlx::Error>().is_some_and(is_unavailable))
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
    /// Field-level validation errors (`field`, `pointer`, `message`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// One refused field: its name (or JSON pointer) and why. Serialised with `pointer`, the
/// RFC 6901 pointer into the request body (`/title`, `/answers/q1`).
#[derive(Debug)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl Serialize for FieldProblem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("FieldProblem", 3)?;
        let pointer = if self.field.starts_with('/') || self.field.is_empty() {
            std::borrow::Cow::Borrowed(self.field.as_str())
        } else {
            std::borrow::Cow::Owned(format!("/{}", self.field.replace('~', "~0").replace('/', "~1")))
        };
        s.serialize_field("field", self.field.trim_start_matches('/'))?;
        s.serialize_field("pointer", &pointer)?;
        s.serialize_field("message", &self.message)?;
        s.end()
    }
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
    /// A body that is not JSON, or JSON that is not a document of the expected shape
    /// (syntax, trailing characters): the parser's message.
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A body above the route's limit (`web::limits`), in bytes.
    #[error("body too large")]
    TooLarge { max: usize },
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Any other refusal, mapped from a response that was not a problem document.
    #[error("{detail}")]
    Refused { status: StatusCode, detail: String },
    #[error("database error")]
    Database(sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub(crate) fn problem(&self) -> (StatusCode, &'static str, &'static str, Option<String>) {
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
            ApiError::Malformed(detail) => (
                StatusCode::BAD_REQUEST,
                "malformed",
                "Document JSON illisible",
                Some(detail.clone()),
            ),
            ApiError::UnsupportedMediaType(detail) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Type de contenu non pris en charge",
                Some(detail.clone()),
            ),
            ApiError::TooLarge { max } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Contenu trop volumineux",
                Some(format!(
                    "Cette opération accepte au plus {} ({max} octets).",
                    human_size(*max)
                )),
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Méthode non autorisée",
                Some("Consultez /api/openapi.json pour les méthodes de cette adresse.".into()),
            ),
            ApiError::Refused { status, detail } => (*status, "refused", "Requête refusée", Some(detail.clone())),
            ApiError::Database(e) if is_unavailable(e) => unavailable(),
            ApiError::Internal(e) if chain_is_unavailable(e) => unavailable(),
            ApiError::Database(_) | ApiError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Erreur interne", None)
            }
        }
    }
}

fn unavailable() -> (StatusCode, &'static str, &'static str, Option<String>) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "Service momentanément indisponible",
        Some(format!(
            "La base de données ne répond pas pour le moment. Réessayez dans {RETRY_AFTER_SECONDS} secondes."
        )),
    )
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
            // Every refusal says something (RFC 9457 `detail`), the title at least.
            detail: Some(detail.unwrap_or_else(|| title.into())),
            errors,
        };
        let mut response = (status, Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        if slug == "unavailable" {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        response
    }
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
