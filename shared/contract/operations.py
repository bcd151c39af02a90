"""What each public operation takes and answers, by (method, path): the gateway's OpenAPI document
is generated from these, its route table (which says who serves a path and whether a token is
needed) and the models they name. Each contract module lists its own in `OPERATIONS`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, JsonValue

from shared.contract.model import Resource

# The error codes of docs/api.md by status.
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    402: "payment_declined",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "bad_request",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    502: "upstream_unavailable",
    503: "upstream_unavailable",
    504: "upstream_timeout",
}


@dataclass(frozen=True)
class Operation:
    method: str  # "GET", "POST"...
    path: str  # as in the gateway's route table: "/api/books/{book_id}"
    summary: str
    tag: str
    ok: int = 200
    response: type[BaseModel] | None = None  # the JSON body of `ok`; None: no JSON body
    body: type[BaseModel] | None = None  # the JSON request body
    query: type[BaseModel] | None = None  # each field is a query parameter
    errors: tuple[int, ...] = ()  # what it may answer besides `ok` and the statuses every
    # operation may answer (401 when protected; 400/413/415/422 with a JSON body; 405, 5xx)
    # Raw OpenAPI a model cannot say (an image upload, a CSV answer, a header): merged last.
    openapi: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path


_CODES: list[JsonValue] = [code for code in sorted(set(ERROR_CODES.values()))]


class ErrorDetail(Resource):
    code: str = Field(json_schema_extra={"enum": _CODES})
    message: str
    fields: dict[str, str] = Field(default_factory=dict)  # per field, when the input is at fault


class Error(Resource):
    """The one error shape of every answer that is not a success."""

    error: ErrorDetail
    request_id: str | None
