"""One error shape everywhere: {"error": {code, message, fields?}, "request_id"}."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify
from werkzeug.exceptions import HTTPException

from shared.contract.operations import ERROR_CODES
from shared.domain import DomainError

log = logging.getLogger(__name__)

CODES = ERROR_CODES  # by status (shared/contract/operations.py)


class ApiError(Exception):
    """An error a view or use case returns to the client as-is."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.message = status, message
        self.code = code or CODES.get(status, "error")
        self.fields, self.headers = fields, headers or {}


class ValidationError(ApiError):
    def __init__(self, fields: dict[str, str], message: str = "The request is not valid."):
        super().__init__(422, message, fields=fields)


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error, "request_id": g.get("request_id")}


def error_response(
    status: int, message: str, *, code: str | None = None, fields: dict[str, str] | None = None
) -> Response:
    response = jsonify(error_body(code or CODES.get(status, "error"), message, fields))
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        response = error_response(exc.status, exc.message, code=exc.code, fields=exc.fields)
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError) -> Response:
        return error_response(exc.status, exc.message, fields=exc.fields)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        messages = {
            404: "No such resource.",
            405: "Method not allowed on this resource.",
            413: "The request body is too large.",
        }
        response = error_response(status, messages.get(status, exc.description or exc.name))
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "Something went wrong on our side.")
