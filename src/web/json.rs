//! The API's JSON extractor and response: [`Json`] reads a body the way the API documents it,
//! and refuses it with a problem document that says precisely what is wrong (415 without a
//! JSON content type, 413 above [`limits::JSON`], 400 for a syntax error, 422 with the JSON
//! pointer of the field for a wrong type, a missing or unknown field, or a refused text).
//!
//! Text is checked here, once ([`super::text`]): a `\u0000` never reaches PostgreSQL.

use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{limits, text};
use crate::error::{ApiError, FieldProblem};

/// A JSON body or response (a drop-in for `axum::Json`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType(
                "Envoyez un document JSON avec l’en-tête Content-Type: application/json.".into(),
            ));
        }
        let bytes = axum::body::to_bytes(request.into_body(), limits::JSON)
            .await
            .map_err(|e| {
                if too_large(&e) {
                    ApiError::TooLarge { max: limits::JSON }
                } else {
                    ApiError::BadRequest("Le corps de la requête n’a pas pu être lu.".into())
                }
            })?;
        let raw = std::str::from_utf8(&bytes)
            .map_err(|_| ApiError::Malformed("Le document n’est pas encodé en UTF-8.".into()))?;
        if !text::json_escapes_allowed(raw) {
            return Err(refused_text(raw));
        }
        let normalised = text::nfc(raw);
        let mut deserializer = serde_json::Deserializer::from_str(&normalised);
        let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let pointer = pointer(e.path());
            let inner = e.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => ApiError::Invalid(vec![FieldProblem {
                    field: pointer,
                    message: inner.to_string(),
                }]),
                _ => ApiError::Malformed(inner.to_string()),
            }
        })?;
        deserializer.end().map_err(|e| ApiError::Malformed(e.to_string()))?;
        Ok(Json(value))
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `application/json` or any `+json` type.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || (essence.len() > 5 && essence[essence.len() - 5..].eq_ignore_ascii_case("+json"))
}

/// Whether reading a body failed on its limit.
pub fn too_large(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// The 422 of a document with a refused text, naming its field (the rare path: parsed twice).
fn refused_text(raw: &str) -> ApiError {
    let found = serde_json::from_str::<serde_json::Value>(raw)
        .ok()
        .and_then(|value| text::find_refused(&value));
    let (field, error) = found.unwrap_or((String::new(), text::TextError::Control));
    ApiError::Invalid(vec![FieldProblem {
        field,
        message: error.message().into(),
    }])
}

/// The JSON pointer of a serde path (`answers.q1[0]` becomes `/answers/q1/0`).
fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"))
            }
            Segment::Unknown => pointer.push('?'),
        }
    }
    pointer
}
