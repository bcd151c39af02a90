"""CORS: off unless CORS_ORIGINS lists the browser origins allowed to call the API."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from shared.web.errors import ApiError

ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Request-Id"
EXPOSED_HEADERS = "X-Request-Id, Retry-After, Location"


def _origins() -> tuple[str, ...]:
    return current_app.extensions["config"].cors_origins  # type: ignore[no-any-return]


def _allowed_origin() -> str | None:
    origin = request.headers.get("Origin")
    origins = _origins()
    if origin and (origin in origins or "*" in origins):
        return origin
    return None


def preflight(methods: list[str]) -> Response:
    """Answer an OPTIONS request: a CORS preflight when enabled, else 405 (or 404)."""
    if not methods:
        raise ApiError(404, "No such resource.")
    if _allowed_origin() is None or not request.headers.get("Access-Control-Request-Method"):
        raise ApiError(
            405, "Method not allowed on this resource.", headers={"Allow": ", ".join(methods)}
        )
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
    response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response.headers["Access-Control-Max-Age"] = "600"
    return response


def init_cors(app: Flask) -> None:
    @app.after_request
    def _cors_headers(response: Response) -> Response:
        if _origins() and (origin := _allowed_origin()):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            response.headers.add("Vary", "Origin")
        return response
