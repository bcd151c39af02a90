"""Request plumbing shared by every HTTP process: request ids and strict JSON bodies."""

from __future__ import annotations

import re
import uuid
from typing import Any, TypeVar

from flask import Flask, Response, g, request

from shared.contract.model import Body, parse
from shared.logs import request_id_var
from shared.web.errors import ApiError, ValidationError

B = TypeVar("B", bound=Body)
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")


def sane_request_id(value: str | None) -> str:
    """The client's request id if it is reasonable, else a fresh one."""
    return value if value and _SANE_REQUEST_ID.match(value) else str(uuid.uuid4())


def init_request_ids(app: Flask) -> None:
    @app.before_request
    def _take_request_id() -> None:
        g.request_id = sane_request_id(request.headers.get("X-Request-Id"))
        request_id_var.set(g.request_id)

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id") or sane_request_id(None)
        return response


def body(model: type[B]) -> B:
    """The request's JSON body as `model` (a shared/contract Body): 415 if not JSON, 400 if
    malformed, 422 naming every field the model refuses."""
    return parse(model, json_body())


def json_body() -> dict[str, Any]:
    """The request's JSON object: 415 if not JSON, 400 if malformed, 422 if not an object (its
    fields are judged by the caller's contract model)."""
    if not request.is_json:
        raise ApiError(415, "Content-Type must be application/json.")
    payload = request.get_json(silent=True)
    if payload is None:
        raise ApiError(400, "The body is not valid JSON.")
    if not isinstance(payload, dict):
        raise ValidationError({"body": "must be a JSON object"})
    return payload
