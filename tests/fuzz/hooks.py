"""Schemathesis hooks for tests/fuzz/run.sh (loaded through SCHEMATHESIS_HOOKS).

- A custom check, `problem_json_on_4xx`: every 4xx answer of the API is RFC 9457 problem
  details (`application/problem+json`) whose body has `type`, `title`, `status` and `detail`,
  with `status` equal to the HTTP status. The built-in checks cover the rest (no 5xx, the
  problem schema of the document on the answers it describes).
- `before_load_schema`: adds to the served document, in memory and for the fuzzer only, what it
  does not say yet but the handlers read: OpenAPI links (so the stateful phase can post an idea,
  then like, comment and report it), the query parameters of the ideas list and of the account
  deletion, and the survey's question ids as properties of `answers` (from FUZZ_SURVEY_QUESTIONS,
  set by run.sh). FUZZ_AUGMENT=0 turns this off: the document is then fuzzed as served.
  Everything added is marked `x-fuzz-added`.
"""

import json
import os

import schemathesis

PROBLEM_TYPE = "application/problem+json"
REQUIRED = ("type", "title", "status", "detail")


def _content_type(response) -> str:
    # Headers have lower-case keys and list values in schemathesis 4.
    values = response.headers.get("content-type") or [""]
    value = values[0] if isinstance(values, list) else values
    return value.split(";", 1)[0].strip().lower()


@schemathesis.check
def problem_json_on_4xx(ctx, response, case):
    """Every 4xx is application/problem+json with type, title, status and detail."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = _content_type(response)
    if content_type != PROBLEM_TYPE:
        raise AssertionError(
            f"{response.status_code} answered as {content_type or 'no Content-Type'}, "
            f"not {PROBLEM_TYPE}: {response.content[:200]!r}"
        )
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"{response.status_code} problem+json body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise AssertionError(f"{response.status_code} problem+json body is not an object")
    missing = [name for name in REQUIRED if name not in body]
    if missing:
        raise AssertionError(f"{response.status_code} problem lacks {', '.join(missing)}")
    if body.get("status") != response.status_code:
        raise AssertionError(
            f"problem status {body.get('status')!r} differs from the HTTP status {response.status_code}"
        )
    return None


# ------------------------------------------------------------------------------------------
# What the document does not say yet (see the module's doc)

IDEA_OPERATIONS = [
    ("get", "/api/v1/ideas/{id}"),
    ("post", "/api/v1/ideas/{id}/like"),
    ("delete", "/api/v1/ideas/{id}/like"),
    ("get", "/api/v1/ideas/{id}/comments"),
    ("post", "/api/v1/ideas/{id}/comments"),
    ("post", "/api/v1/ideas/{id}/reports"),
]
CAMPAIGN_OPERATIONS = [
    ("get", "/api/v1/campaigns/{slug}"),
    ("get", "/api/v1/campaigns/{slug}/ideas"),
    ("post", "/api/v1/campaigns/{slug}/ideas"),
    ("get", "/api/v1/campaigns/{slug}/results"),
    ("get", "/api/v1/campaigns/{slug}/news"),
    ("get", "/api/v1/campaigns/{slug}/survey"),
    ("get", "/api/v1/campaigns/{slug}/survey/response"),
    ("put", "/api/v1/campaigns/{slug}/survey/response"),
]
# (source method, source path, its success status, targets, parameter name, runtime expression)
LINKS = [
    ("get", "/api/v1/campaigns", "200", CAMPAIGN_OPERATIONS, "slug", "$response.body#/0/slug"),
    ("post", "/api/v1/campaigns/{slug}/ideas", "201", IDEA_OPERATIONS, "id", "$response.body#/id"),
    ("post", "/api/v1/ideas/{id}/comments", "201", IDEA_OPERATIONS, "id", "$request.path.id"),
    ("post", "/api/v1/ideas/{id}/like", "201", IDEA_OPERATIONS, "id", "$request.path.id"),
    ("put", "/api/v1/campaigns/{slug}/survey/response", "200", CAMPAIGN_OPERATIONS, "slug", "$request.path.slug"),
]
QUERY_PARAMETERS = {
    ("get", "/api/v1/campaigns/{slug}/ideas"): [
        ("order", {"type": "string", "enum": ["random", "most-liked", "newest", "most-commented"]}),
        ("page", {"type": "integer"}),
        ("seed", {"type": "string"}),
        ("q", {"type": "string"}),
    ],
    ("delete", "/api/v1/me"): [("contributions", {"type": "string", "enum": ["keep", "withdraw"]})],
}
ANSWER = {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "array", "items": {"type": "string"}}]}


def _operation_id(method, path):
    return method + path.replace("/api/v1", "").replace("/", "_").replace("{", "").replace("}", "")


@schemathesis.hook
def before_load_schema(context, raw_schema):
    if os.environ.get("FUZZ_AUGMENT", "1") == "0":
        return
    paths = raw_schema.get("paths", {})
    for path, item in paths.items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                operation.setdefault("operationId", _operation_id(method, path))
    for source_method, source_path, status, targets, name, expression in LINKS:
        source = paths.get(source_path, {}).get(source_method)
        if not source:
            continue
        response = source["responses"].setdefault(status, {"description": "Success"})
        links = response.setdefault("links", {})
        for method, path in targets:
            if method in paths.get(path, {}):
                links[_operation_id(method, path)] = {
                    "operationId": _operation_id(method, path),
                    "parameters": {name: expression},
                    "x-fuzz-added": True,
                }
    for (method, path), parameters in QUERY_PARAMETERS.items():
        operation = paths.get(path, {}).get(method)
        if operation:
            listed = operation.setdefault("parameters", [])
            for name, schema in parameters:
                listed.append({"name": name, "in": "query", "required": False, "schema": schema, "x-fuzz-added": True})
    questions = [q for q in os.environ.get("FUZZ_SURVEY_QUESTIONS", "").split(",") if q]
    answers = raw_schema.get("components", {}).get("schemas", {}).get("SurveyResponse", {}).get("properties", {}).get("answers")
    if questions and isinstance(answers, dict):
        answers["properties"] = {q: dict(ANSWER) for q in questions}
        answers["x-fuzz-added"] = True
