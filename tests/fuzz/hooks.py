"""Schemathesis hooks for tests/fuzz/run.sh (loaded through SCHEMATHESIS_HOOKS).

- A custom check, `problem_json_on_4xx`: every 4xx answer of the API is RFC 9457 problem
  details (`application/problem+json`) whose body has `type`, `title`, `status` and `detail`,
  with `status` equal to the HTTP status. The built-in checks cover the rest (no 5xx, the
  response schemas of the document, success bodies and problems, on the answers it describes).
- `before_load_schema`: adds to the served document, in memory and for the fuzzer only, the
  survey's question ids as properties of `answers` (from FUZZ_SURVEY_QUESTIONS, set by run.sh):
  they are data of the demo, not of the API. The document itself serves the operation ids, the
  query parameters and the links that the stateful phase follows (post an idea, then like,
  comment and report it). FUZZ_AUGMENT=0 turns this off. What is added is marked
  `x-fuzz-added`.
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
# What the document cannot say: the demo's survey questions (see the module's doc)

ANSWER = {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "array", "items": {"type": "string"}}]}


@schemathesis.hook
def before_load_schema(context, raw_schema):
    if os.environ.get("FUZZ_AUGMENT", "1") == "0":
        return
    questions = [q for q in os.environ.get("FUZZ_SURVEY_QUESTIONS", "").split(",") if q]
    answers = raw_schema.get("components", {}).get("schemas", {}).get("SurveyResponse", {}).get("properties", {}).get("answers")
    if questions and isinstance(answers, dict):
        answers["properties"] = {q: dict(ANSWER) for q in questions}
        answers["x-fuzz-added"] = True
