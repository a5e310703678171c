//! Errors of the API: `application/problem+json` (RFC 9457), with a pointer per refused
//! field.

use super::*;

/// RFC 9457 problem details, in French. Every 4xx and 5xx answer under /api is one, served as
/// `application/problem+json`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    #[schema(schema_with = super::problems::problem_type)]
    pub kind: String,
    /// A short French title of the problem type.
    pub title: String,
    /// The HTTP status, repeated.
    pub status: u16,
    /// What happened, in French (every refusal says something: the title at least).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = true)]
    pub detail: Option<String>,
    /// Field-level validation errors (`field`, `pointer`, `message`), only when some.
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

/// Written by hand like its `Serialize`.
impl utoipa::PartialSchema for FieldProblem {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let text = |description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(description))
        };
        ObjectBuilder::new()
            .property("field", text("The field's name"))
            .property(
                "pointer",
                text("RFC 6901 JSON pointer into the request body, or /<name> of a path or query parameter"),
            )
            .property("message", text("Why, in French"))
            .required("field")
            .required("pointer")
            .required("message")
            .into()
    }
}

impl utoipa::ToSchema for FieldProblem {}

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
    /// A request target above `web::limits::URI`, in bytes.
    #[error("request target too long")]
    UriTooLong { max: usize },
    /// More header fields, or bytes of them, than `web::limits` allows.
    #[error("request headers too large")]
    HeadersTooLarge { count: usize, bytes: usize },
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
            ApiError::UriTooLong { max } => (
                StatusCode::URI_TOO_LONG,
                "uri-too-long",
                "Adresse trop longue",
                Some(format!(
                    "L’adresse (chemin et paramètres) dépasse {}.",
                    human_size(*max)
                )),
            ),
            ApiError::HeadersTooLarge { count, bytes } => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers-too-large",
                "En-têtes trop volumineux",
                Some(format!(
                    "La requête accepte au plus {count} en-têtes et {} d’en-têtes.",
                    human_size(*bytes)
                )),
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

pub(super) fn unavailable() -> (StatusCode, &'static str, &'static str, Option<String>) {
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
