"""Document the problem+json error responses every operation can give in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

PROBLEM = {
    "title": "Problem",
    "description": "RFC 9457 problem details; switch on `code`, which is stable.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "description": "urn:problem-type:<code>"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "instance": {"type": "string", "description": "The request path"},
        "request_id": {"type": "string", "description": "Quote it when reporting a problem"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemFieldError"}},
    },
    "required": ["type", "title", "status", "detail", "code"],
}
PROBLEM_FIELD_ERROR = {
    "title": "ProblemFieldError",
    "type": "object",
    "properties": {
        "field": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "message": {"type": "string"},
        "code": {"type": "string"},
    },
    "required": ["field", "message", "code"],
}
_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _error_statuses(path: str, operation: dict[str, Any]) -> dict[str, str]:
    statuses = {}
    if operation.get("security"):
        statuses["401"] = "Not authenticated (`not_authenticated`, `invalid_token`)"
        statuses["403"] = "Not allowed (`permission_denied`, `csrf_failed`, ...)"
    if "{" in path:
        statuses["404"] = "Not found, or belongs to another tenant (`not_found`)"
    if operation.get("requestBody") or operation.get("parameters"):
        statuses["422"] = "Invalid input (`validation_error` with `errors`)"
    statuses["429"] = "Rate limited (`rate_limited`); see Retry-After"
    statuses["default"] = "Any other error, as problem+json"
    return statuses


def add_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the Problem schema and the error responses of every operation (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM
    components["ProblemFieldError"] = PROBLEM_FIELD_ERROR
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for status, description in _error_statuses(path, operation).items():
                responses.setdefault(status, {"description": description, "content": _CONTENT})
    return schema
