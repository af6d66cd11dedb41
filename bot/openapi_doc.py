"""The OpenAPI document as the server behaves: every error an operation can answer is listed,
in the shape it has ({"detail": "…"}, a string, also for 422), with Retry-After where sent.

FastAPI documents a 422 as its own array of validation errors and knows nothing of what the
middleware answers (400 for a bad Host or body bytes, 413, 429, the timeout's 503); this fills
that in once, when /openapi.json is first asked for.
"""
from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI

ERROR = {"title": "Error", "type": "object", "required": ["detail"],
         "properties": {"detail": {"type": "string", "description": "What was wrong, readable"}}}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again",
                               "schema": {"type": "string"}}}
WHY = {
    400: "Malformed request: a body that is not UTF-8 JSON, a bad Content-Length, or a Host "
         "header this server does not answer for",
    413: "Request body over 64 KB",
    422: "Invalid parameters or body; `detail` says which and why",
    429: "Too many requests from this client (or from all together); see Retry-After",
    503: "No answer within the request timeout; see Retry-After",
}
NO_TIMEOUT = ("/healthz", "/readyz", "/metrics")  # exempt from the timeout (bot/guard.py)


def document_errors(app: FastAPI, limited_posts: Iterable[str], question_pages: Iterable[str]) -> None:
    """Make app.openapi() list the errors of every operation (see the module docstring)."""
    build = app.openapi
    posts, pages = set(limited_posts), set(question_pages)

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        for path, operations in schema.get("paths", {}).items():
            for method, op in operations.items():
                responses = op.setdefault("responses", {})
                codes = {400}
                if path not in NO_TIMEOUT:
                    codes.add(503)
                if "requestBody" in op:
                    codes |= {413, 422}
                if op.get("parameters"):
                    codes.add(422)
                if (method == "post" and path in posts) or (method == "get" and path in pages):
                    codes.add(429)
                for code in sorted(codes):
                    responses.setdefault(str(code), {"description": WHY[code]})
                for code, response in responses.items():
                    if code.isdigit() and int(code) >= 400:
                        response["content"] = {"application/json": {"schema": ERROR}}
                        if code in ("429", "503"):
                            response["headers"] = RETRY_AFTER
        _link_feedback_to_ask(schema)
        components = schema.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422, never sent
            components.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi


def _link_feedback_to_ask(schema: dict) -> None:
    """An ask reply's `id` is what feedback names (an OpenAPI link: clients and testing tools
    can follow it from one to the other)."""
    paths = schema.get("paths", {})
    ask = paths.get("/api/v1/ask", {}).get("post")
    feedback = paths.get("/api/v1/feedback", {}).get("post")
    if not ask or not feedback or "200" not in ask.get("responses", {}):
        return
    ask["responses"]["200"]["links"] = {"Feedback": {
        "operationId": feedback["operationId"],
        "requestBody": {"question_id": "$response.body#/id", "vote": "down"},
        "description": "Vote on this reply"}}
