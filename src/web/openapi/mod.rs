//! `GET /api/openapi.json`: the OpenAPI 3.1 description of the citizen API.
//!
//! Written by hand beside the routes it describes (merged in `app::router`); a test requests every
//! operation listed here and checks the router knows it, so the document cannot silently drift
//! from the routes.

use serde_json::{Value, json};

mod schemas;

use schemas::*;

/// The longest search the ideas list takes (the ideas domain refuses longer ones, and a test
/// checks that the two agree).
pub const SEARCH_MAX_CHARS: usize = 200;

/// Every operation: (method, path, summary, request body schema, success status).
pub const OPERATIONS: &[(&str, &str, &str, Option<&str>, u16)] = &[
    (
        "get",
        "/api/v1/tenant",
        "The current space (slug, name, kind, branding)",
        None,
        200,
    ),
    (
        "get",
        "/api/v1/campaigns",
        "Published campaigns shown in this space (its own and national ones)",
        None,
        200,
    ),
    ("get", "/api/v1/campaigns/{slug}", "One campaign", None, 200),
    (
        "get",
        "/api/v1/campaigns/{slug}/ideas",
        "A page of ideas (order, page, seed, q)",
        None,
        200,
    ),
    (
        "post",
        "/api/v1/campaigns/{slug}/ideas",
        "Post an idea (signed in)",
        Some("NewIdea"),
        201,
    ),
    (
        "get",
        "/api/v1/campaigns/{slug}/results",
        "Published results: key figures, survey results, synthesis, decisions with the ideas they answer",
        None,
        200,
    ),
    (
        "get",
        "/api/v1/campaigns/{slug}/news",
        "News of the project after the campaign, newest first",
        None,
        200,
    ),
    (
        "get",
        "/api/v1/campaigns/{slug}/survey",
        "The survey's questions, in order",
        None,
        200,
    ),
    (
        "get",
        "/api/v1/campaigns/{slug}/survey/response",
        "My current response (signed in)",
        None,
        200,
    ),
    (
        "put",
        "/api/v1/campaigns/{slug}/survey/response",
        "Replace my response, atomically (signed in)",
        Some("SurveyResponse"),
        200,
    ),
    ("get", "/api/v1/ideas/{id}", "One idea", None, 200),
    (
        "put",
        "/api/v1/ideas/{id}",
        "Edit my idea while its campaign is open (the earlier text is kept for moderators; likes stay)",
        Some("IdeaText"),
        200,
    ),
    (
        "delete",
        "/api/v1/ideas/{id}",
        "Withdraw my idea (its place reads \"withdrawn by its author\"); again: 204",
        None,
        204,
    ),
    (
        "post",
        "/api/v1/ideas/{id}/like",
        "Support an idea (once; not one's own)",
        None,
        201,
    ),
    ("delete", "/api/v1/ideas/{id}/like", "Withdraw my support", None, 204),
    (
        "get",
        "/api/v1/ideas/{id}/comments",
        "Comments, with one level of replies",
        None,
        200,
    ),
    (
        "post",
        "/api/v1/ideas/{id}/comments",
        "Comment, or reply to a top-level comment",
        Some("NewComment"),
        201,
    ),
    (
        "put",
        "/api/v1/ideas/{id}/comments/{comment}",
        "Edit my comment while the campaign is open (the earlier text is kept for moderators)",
        Some("CommentText"),
        200,
    ),
    (
        "delete",
        "/api/v1/ideas/{id}/comments/{comment}",
        "Withdraw my comment (its place reads \"withdrawn by its author\"); again: 204",
        None,
        204,
    ),
    (
        "post",
        "/api/v1/ideas/{id}/reports",
        "Report an idea or one of its comments to moderators",
        Some("NewReport"),
        202,
    ),
    ("get", "/api/v1/me", "My account (signed in)", None, 200),
    ("patch", "/api/v1/me", "Change my pseudonym", Some("Pseudonym"), 200),
    (
        "delete",
        "/api/v1/me",
        "Delete my account (?contributions=keep|withdraw)",
        None,
        204,
    ),
    (
        "get",
        "/api/v1/me/data",
        "Everything the platform holds about me, in every space",
        None,
        200,
    ),
];

/// Every problem type the API answers with (`type` is `/problems/<slug>`), its status and
/// meaning. A test checks that each `ApiError` is listed.
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

/// A stable id per operation: `get_campaigns_slug_ideas` for `GET /api/v1/campaigns/{slug}/ideas`.
pub fn operation_id(method: &str, path: &str) -> String {
    let tail = path
        .trim_start_matches("/api/v1")
        .replace('/', "_")
        .replace(['{', '}'], "");
    format!("{method}{tail}")
}

/// OpenAPI links: which operations take a value that this success answer gives (so a client,
/// or a fuzzer, can go from a list of campaigns to a campaign, from a new idea to its likes).
pub(super) fn links(method: &str, path: &str) -> Option<Value> {
    const IDEA: &[(&str, &str)] = &[
        ("get", "/api/v1/ideas/{id}"),
        ("post", "/api/v1/ideas/{id}/like"),
        ("delete", "/api/v1/ideas/{id}/like"),
        ("get", "/api/v1/ideas/{id}/comments"),
        ("post", "/api/v1/ideas/{id}/comments"),
        ("post", "/api/v1/ideas/{id}/reports"),
    ];
    let (targets, name, expression): (Vec<(&str, &str)>, &str, &str) = match (method, path) {
        ("get", "/api/v1/campaigns") => (
            OPERATIONS
                .iter()
                .filter(|(_, p, ..)| p.starts_with("/api/v1/campaigns/{slug}"))
                .map(|(m, p, ..)| (*m, *p))
                .collect(),
            "slug",
            "$response.body#/0/slug",
        ),
        ("post", "/api/v1/campaigns/{slug}/ideas") => (IDEA.to_vec(), "id", "$response.body#/id"),
        ("post", "/api/v1/ideas/{id}/comments") | ("post", "/api/v1/ideas/{id}/like") => {
            (IDEA.to_vec(), "id", "$request.path.id")
        }
        _ => return None,
    };
    let links: serde_json::Map<String, Value> = targets
        .iter()
        .map(|(m, p)| {
            let id = operation_id(m, p);
            (id.clone(), json!({"operationId": id, "parameters": {name: expression}}))
        })
        .collect();
    Some(Value::Object(links))
}

/// The document.
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary, body, status) in OPERATIONS {
        let mut success = json!({"description": "Success"});
        if let Some(links) = links(method, path) {
            success["links"] = links;
        }
        let mut operation = json!({
            "operationId": operation_id(method, path),
            "summary": summary,
            "responses": {
                status.to_string(): success,
                "4XX": {"description": "Refused", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                "5XX": {"description": "Unavailable or failed", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            }
        });
        let mut params: Vec<Value> = [
            ("slug", json!({"type": "string"})),
            ("id", json!({"type": "string", "format": "uuid"})),
            ("comment", json!({"type": "string", "format": "uuid"})),
        ]
        .into_iter()
        .filter(|(p, _)| path.contains(&format!("{{{p}}}")))
        .map(|(p, schema)| json!({"name": p, "in": "path", "required": true, "schema": schema}))
        .collect();
        params.extend(query_parameters(method, path));
        if !params.is_empty() {
            operation["parameters"] = Value::from(params);
        }
        if let Some(schema) = body {
            operation["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
        }
        paths.entry(path.to_string()).or_insert_with(|| json!({}))[method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ecoute — La Caf à votre écoute",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Citizen API of a space (national or local, chosen by the host name). Authentication: the session cookie `ecoute_session` obtained by e-mail sign-in. Write requests take application/json bodies. Errors are application/problem+json."
        },
        "paths": paths,
        "components": {"schemas": schemas()}
    })
}

/// `GET /api/openapi.json`.
pub async fn openapi() -> impl axum::response::IntoResponse {
    // Built once: the document does not change while the process runs.
    static SERVED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| document().to_string());
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        SERVED.as_str(),
    )
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
        for error in &all {
            let (_, slug, _, _) = one_of_each(error).problem();
            assert!(
                super::PROBLEM_TYPES.iter().any(|(s, _, _)| *s == slug),
                "/problems/{slug} is not in the OpenAPI document"
            );
        }
        let document = super::document().to_string();
        assert!(document.contains("/problems/too-large") && document.contains("pointer"));
    }
}
