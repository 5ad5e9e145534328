"""The API reference at /api/docs, rendered on the server from the OpenAPI schema.

ninja's Swagger and Redoc pages run inline script or load their bundles from a CDN, which
our CSP (script-src 'self' + nonce) forbids and which production hosts cannot reach. This
page needs no script at all: operations, parameters, request bodies, responses and every
component schema are rendered as HTML, and /api/openapi.json stays the machine contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_label(schema: dict[str, Any]) -> dict[str, Any]:
    """A short human label for a JSON schema plus the component it links to, if any."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return {"label": name, "link": name}
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            parts = [type_label(option) for option in schema[key]]
            links = [p["link"] for p in parts if p["link"]]
            label = " | ".join(p["label"] for p in parts)
            return {"label": label, "link": links[0] if links else None}
    kind = schema.get("type", "any")
    if kind == "array":
        inner = type_label(schema.get("items", {}))
        return {"label": f"array of {inner['label']}", "link": inner["link"]}
    label = str(kind)
    if "format" in schema:
        label += f" ({schema['format']})"
    if "enum" in schema:
        label += ": " + ", ".join(str(v) for v in schema["enum"])
    return {"label": label, "link": None}


def _fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "required": name in required,
            "description": prop.get("description", ""),
            "max_length": prop.get("maxLength"),
            **type_label(prop),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _body(content: dict[str, Any]) -> dict[str, Any] | None:
    for media_type, entry in content.items():
        return {"media_type": media_type, **type_label(entry.get("schema", {}))}
    return None


def _operation(path: str, method: str, spec: dict[str, Any]) -> dict[str, Any]:
    request_body = spec.get("requestBody", {}).get("content", {})
    return {
        "anchor": spec.get("operationId", f"{method}-{path}"),
        "method": method.upper(),
        "path": path,
        "summary": spec.get("summary", ""),
        "description": spec.get("description", ""),
        "tags": spec.get("tags", []),
        "secured": bool(spec.get("security")),
        "parameters": [
            {
                "name": p["name"],
                "where": p.get("in", ""),
                "required": p.get("required", False),
                "description": p.get("description", ""),
                **type_label(p.get("schema", {})),
            }
            for p in spec.get("parameters", [])
        ],
        "body": _body(request_body),
        "responses": [
            {
                "status": status,
                "description": r.get("description", ""),
                "body": _body(r.get("content", {})),
            }
            for status, r in spec.get("responses", {}).items()
        ],
    }


def reference_context(schema: dict[str, Any]) -> dict[str, Any]:
    """Turn an OpenAPI document into the template's operations and schemas."""
    operations = [
        _operation(path, method, spec)
        for path, item in schema.get("paths", {}).items()
        for method, spec in item.items()
        if method in METHODS
    ]
    groups: dict[str, list[dict[str, Any]]] = {}
    for op in operations:
        groups.setdefault(op["tags"][0] if op["tags"] else "other", []).append(op)
    components = schema.get("components", {}).get("schemas", {})
    return {
        "info": schema.get("info", {}),
        "groups": sorted(groups.items()),
        "schemas": [
            {
                "name": name,
                "description": s.get("description", ""),
                "fields": _fields(s),
                **type_label(s),
            }
            for name, s in sorted(components.items())
        ],
        "security_schemes": schema.get("components", {}).get("securitySchemes", {}),
    }


class ReferenceDocs(DocsBase):
    """A script-free HTML API reference, safe under a strict Content Security Policy."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        schema = api.get_openapi_schema(path_params=kwargs)
        context = reference_context(dict(schema))
        context["openapi_url"] = reverse(f"{api.urls_namespace}:openapi-json", kwargs=kwargs)
        return render(request, "api/docs.html", context)
