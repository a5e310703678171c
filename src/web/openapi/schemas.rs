//! The document's component schemas (request bodies and the problem document) and the query
//! parameters each operation reads.

use super::*;

pub(super) fn schemas() -> Value {
    json!({
        "Problem": {
            "type": "object",
            "description": format!(
                "RFC 9457 problem details, in French. Every 4xx and 5xx answer under /api is one. Types:\n{}",
                PROBLEM_TYPES
                    .iter()
                    .map(|(slug, status, meaning)| format!("- `/problems/{slug}` ({status}): {meaning}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            "properties": {
                "type": {"enum": PROBLEM_TYPES.iter().map(|(slug, _, _)| format!("/problems/{slug}")).collect::<Vec<_>>()},
                "title": {"type": "string"}, "status": {"type": "integer"},
                "detail": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {
                    "field": {"type": "string", "description": "The field's name"},
                    "pointer": {"type": "string", "description": "RFC 6901 JSON pointer into the request body, or /<name> of a path or query parameter"},
                    "message": {"type": "string"}}, "required": ["field", "pointer", "message"]}}
            },
            "required": ["type", "title", "status", "detail"]
        },
        "NewIdea": {
            "type": "object",
            "properties": {
                "kind": {"enum": ["idee", "attente", "experience"]},
                "title": {"type": "string", "minLength": 3, "maxLength": 140},
                "body": {"type": "string", "minLength": 10, "maxLength": 4000},
                "theme": {"type": "string", "description": "One of the campaign's themes"},
                "submission_key": {"type": "string", "format": "uuid", "description": "Idempotency key"}
            },
            "required": ["kind", "title", "body"]
        },
        "IdeaText": {
            "type": "object",
            "description": "The new text of my idea; the same text again changes nothing",
            "properties": {
                "kind": {"enum": ["idee", "attente", "experience"]},
                "title": {"type": "string", "minLength": 3, "maxLength": 140},
                "body": {"type": "string", "minLength": 10, "maxLength": 4000},
                "theme": {"type": "string", "description": "One of the campaign's themes"}
            },
            "required": ["kind", "title", "body"]
        },
        "NewComment": {
            "type": "object",
            "properties": {
                "body": {"type": "string", "minLength": 2, "maxLength": 2000},
                "parent_id": {"type": "string", "format": "uuid"},
                "submission_key": {"type": "string", "format": "uuid"}
            },
            "required": ["body"]
        },
        "CommentText": {
            "type": "object",
            "description": "The new text of my comment; the same text again changes nothing",
            "properties": {"body": {"type": "string", "minLength": 2, "maxLength": 2000}},
            "required": ["body"]
        },
        "NewReport": {
            "type": "object",
            "properties": {
                "reason": {"type": "string", "minLength": 3, "maxLength": 1000},
                "comment_id": {"type": "string", "format": "uuid"}
            },
            "required": ["reason"]
        },
        "SurveyResponse": {
            "type": "object",
            "properties": {
                "answers": {
                    "type": "object",
                    "description": "Question id → a string (text, single choice), an integer (scale) or an array of strings (multiple choice, ranking)",
                    "additionalProperties": true
                },
                "submission_key": {"type": "string", "format": "uuid"}
            },
            "required": ["answers"]
        },
        "Pseudonym": {
            "type": "object",
            "properties": {"pseudonym": {"type": "string", "minLength": 2, "maxLength": 40}},
            "required": ["pseudonym"]
        }
    })
}

/// The query parameters an operation reads, with their schemas.
pub(super) fn query_parameters(method: &str, path: &str) -> Vec<Value> {
    let parameters = match (method, path) {
        ("get", "/api/v1/campaigns/{slug}/ideas") => vec![
            (
                "order",
                json!({"type": "string", "enum": ["random", "most-liked", "newest", "most-commented"], "default": "random"}),
            ),
            (
                "page",
                json!({"type": "integer", "minimum": 1, "maximum": 10_000, "default": 1}),
            ),
            (
                "seed",
                json!({"type": "string", "description": "Seed of the random order: the same seed pages through the same order"}),
            ),
            (
                "q",
                json!({"type": "string", "maxLength": SEARCH_MAX_CHARS, "description": "Full-text search (French, accent-insensitive; words, \"phrases\", -excluded)"}),
            ),
        ],
        ("delete", "/api/v1/me") => vec![(
            "contributions",
            json!({"type": "string", "enum": ["keep", "withdraw"], "default": "keep", "description": "Keep my contributions (signed \"compte supprimé\") or withdraw them"}),
        )],
        _ => Vec::new(),
    };
    parameters
        .into_iter()
        .map(|(name, schema)| json!({"name": name, "in": "query", "required": false, "schema": schema}))
        .collect()
}
