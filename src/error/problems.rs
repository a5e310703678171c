//! The problem types of the API (`type` is `/problems/<slug>`), as the OpenAPI document lists
//! them: the `type` property of [`Problem`]'s schema enumerates them with their meaning. A test
//! checks that every [`ApiError`] answers with a listed type.

use utoipa::openapi::schema::{ObjectBuilder, Type};

/// Every problem type the API answers with: its slug, status and meaning.
pub const PROBLEM_TYPES: &[(&str, u16, &str)] = &[
    (
        "bad-request",
        400,
        "A path or query parameter that does not parse, or a body that cannot be read",
    ),
    (
        "malformed",
        400,
        "The body is not a JSON document (syntax, encoding, trailing characters)",
    ),
    ("unauthorized", 401, "Sign in first (session cookie)"),
    ("forbidden", 403, "The action is not allowed to this account"),
    ("not-found", 404, "No such campaign, idea or comment in this space"),
    ("unknown-space", 404, "No space answers to this host name"),
    ("unknown-route", 404, "No operation at this path"),
    (
        "method-not-allowed",
        405,
        "The path exists, not with this method (see the Allow header)",
    ),
    ("conflict", 409, "The action conflicts with the current state"),
    (
        "too-large",
        413,
        "The body exceeds the operation's limit, named in `detail`",
    ),
    (
        "uri-too-long",
        414,
        "The path and query exceed the limit named in `detail`",
    ),
    (
        "unsupported-media-type",
        415,
        "The body must be sent as application/json",
    ),
    (
        "invalid",
        422,
        "Fields refused: wrong type, missing, out of range, or a text with a control character; `errors` gives a JSON pointer per field",
    ),
    (
        "headers-too-large",
        431,
        "Too many header fields, or too many bytes of them (limits in `detail`)",
    ),
    ("refused", 400, "Any other refusal; the status says which"),
    (
        "too-many-requests",
        429,
        "Too many writes from this client; see Retry-After",
    ),
    ("unavailable", 503, "The service is momentarily unavailable"),
    ("space-suspended", 503, "The space was suspended by its administrator"),
    ("internal", 500, "An unexpected error (logged with the request id)"),
];

/// The schema of [`Problem`]'s `type`: one of [`PROBLEM_TYPES`], each described.
pub fn problem_type() -> ObjectBuilder {
    let listed: Vec<String> = PROBLEM_TYPES
        .iter()
        .map(|(slug, status, meaning)| format!("- `/problems/{slug}` ({status}): {meaning}"))
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(PROBLEM_TYPES.iter().map(|(slug, ..)| format!("/problems/{slug}"))))
        .description(Some(format!("The problem type:\n{}", listed.join("\n"))))
}

/// The problem types answered with `status` (for the description of a refusal).
pub fn meanings(status: u16) -> Vec<&'static str> {
    PROBLEM_TYPES
        .iter()
        .filter(|(_, s, _)| *s == status)
        .map(|(_, _, meaning)| *meaning)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::error::ApiError;
    use axum::http::StatusCode;

    /// One error of each kind: a new variant fails to compile here until it is listed, and
    /// the test then asks for its problem type in the OpenAPI document.
    fn one_of_each(kind: &ApiError) -> ApiError {
        match kind {
            ApiError::NotFound => ApiError::NotFound,
            ApiError::UnknownSpace => ApiError::UnknownSpace,
            ApiError::UnknownRoute => ApiError::UnknownRoute,
            ApiError::SpaceSuspended => ApiError::SpaceSuspended,
            ApiError::BadRequest(_) => ApiError::BadRequest(String::new()),
            ApiError::Unauthorized => ApiError::Unauthorized,
            ApiError::Forbidden(_) => ApiError::Forbidden(String::new()),
            ApiError::Conflict(_) => ApiError::Conflict(String::new()),
            ApiError::Invalid(_) => ApiError::Invalid(Vec::new()),
            ApiError::Malformed(_) => ApiError::Malformed(String::new()),
            ApiError::UnsupportedMediaType(_) => ApiError::UnsupportedMediaType(String::new()),
            ApiError::TooLarge { .. } => ApiError::TooLarge { max: 1 },
            ApiError::MethodNotAllowed => ApiError::MethodNotAllowed,
            ApiError::UriTooLong { .. } => ApiError::UriTooLong { max: 1 },
            ApiError::HeadersTooLarge { .. } => ApiError::HeadersTooLarge { count: 1, bytes: 1 },
            ApiError::Refused { .. } => ApiError::Refused {
                status: StatusCode::BAD_REQUEST,
                detail: String::new(),
            },
            ApiError::Database(_) => ApiError::Database(sqlx::Error::PoolTimedOut),
            ApiError::Internal(_) => ApiError::Internal(anyhow::anyhow!("x")),
        }
    }

    #[test]
    fn every_problem_type_is_documented() {
        let all = [
            ApiError::NotFound,
            ApiError::UnknownSpace,
            ApiError::UnknownRoute,
            ApiError::SpaceSuspended,
            ApiError::BadRequest(String::new()),
            ApiError::Unauthorized,
            ApiError::Forbidden(String::new()),
            ApiError::Conflict(String::new()),
            ApiError::Invalid(Vec::new()),
            ApiError::Malformed(String::new()),
            ApiError::UnsupportedMediaType(String::new()),
            ApiError::TooLarge { max: 1 },
            ApiError::MethodNotAllowed,
            ApiError::UriTooLong { max: 1 },
            ApiError::HeadersTooLarge { count: 1, bytes: 1 },
            ApiError::Refused {
                status: StatusCode::BAD_REQUEST,
                detail: String::new(),
            },
            ApiError::Database(sqlx::Error::PoolTimedOut),
            ApiError::Database(sqlx::Error::RowNotFound),
            ApiError::Internal(anyhow::anyhow!("x")),
        ];
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(crate::error::Problem::schema()).unwrap();
        let listed = &schema["properties"]["type"]["enum"];
        for error in &all {
            let (status, slug, _, _) = one_of_each(error).problem();
            let kind = serde_json::Value::from(format!("/problems/{slug}"));
            assert!(
                listed.as_array().is_some_and(|l| l.contains(&kind)),
                "/problems/{slug} is not in the Problem schema: {schema}"
            );
            assert!(!super::meanings(status.as_u16()).is_empty(), "{status}");
        }
        // The fields of `errors` are FieldProblem's (a component of the document).
        assert_eq!(
            schema["properties"]["errors"]["items"]["$ref"], "#/components/schemas/FieldProblem",
            "{schema}"
        );
        let field = serde_json::to_value(<crate::error::FieldProblem as PartialSchema>::schema()).unwrap();
        assert!(field["properties"]["pointer"].is_object(), "{field}");
        assert!(
            schema["required"].as_array().unwrap().contains(&"detail".into()),
            "{schema}"
        );
    }
}
