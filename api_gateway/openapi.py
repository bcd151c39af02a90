"""GET /api/openapi.json: the OpenAPI 3.1 document of the public API (docs/api.md), generated
from the route table and the contract's operations and models (shared/contract/).

tests/unit/test_gateway_routes.py keeps its paths and methods equal to the route table.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from api_gateway.routes import ROUTES
from shared.contract import (
    accounts,
    catalogue,
    discovery,
    fulfilment,
    notifications,
    orders,
    sales,
    wants,
)
from shared.contract.operations import Error, Operation

Schema = dict[str, Any]
# The contract modules whose OPERATIONS document the routes.
CONTRACTS = (accounts, orders, sales, fulfilment, catalogue, discovery, wants, notifications)

ERROR_TEXT = {
    400: "Malformed JSON or wrong content type",
    401: "Missing, invalid, expired or revoked token",
    402: "Payment declined",
    403: "Not allowed",
    404: "No such resource",
    405: "Method not allowed",
    409: "Conflict",
    413: "Body too large",
    415: "Unsupported media type",
    422: "Validation error with per-field messages",
    429: "Too many attempts",
    502: "Upstream answered badly",
    503: "Upstream unavailable",
    504: "Upstream timeout",
}
ALWAYS = (405, 502, 503, 504)
JSON_ERRORS = (400, 413, 415, 422)


def _id(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def local_paths() -> dict[str, dict[str, Any]]:
    """What the gateway serves itself."""
    return {
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI document",
                        "content": {"application/json": {"schema": {}}},
                    }
                },
            }
        },
    }


def _error_responses() -> dict[str, Any]:
    content = {"application/json": {"schema": ref("Error")}}
    responses: dict[str, Any] = {
        f"E{c}": {"description": text, "content": content} for c, text in ERROR_TEXT.items()
    }
    retry_after = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}
    responses["E429"]["headers"] = retry_after
    return responses


@cache
def document() -> dict[str, Any]:
    """The whole document (built once per process): each route of the gateway's table, with
    what its contract operation says it takes and answers."""
    contracted = {o.key: o for module in CONTRACTS for o in module.OPERATIONS}
    refs, schemas = components([o for o in contracted.values()])
    generated: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        for method in sorted(route.methods):
            if (method, route.path) in contracted:
                operation = contracted[method, route.path]
                generated.setdefault(route.path, {})[method.lower()] = build_operation(
                    operation, protected=route.protected, refs=refs
                )
    for path, methods in local_paths().items():
        generated.setdefault(path, {}).update(methods)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "BookStore API",
            "version": "1.0.0",
            "description": "The public API of BookStore, through the gateway (docs/api.md).",
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": n}
            for n in ("auth", "catalogue", "orders", "notifications", "fulfilment", "meta")
        ],
        "paths": generated,
        "components": {
            "schemas": schemas,
            "responses": _error_responses(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def build_operation(
    operation: Operation, *, protected: bool, refs: dict[type[BaseModel], Schema]
) -> dict[str, Any]:
    """One operation: its success answer and every error it may give (the route table says
    whether a token is needed)."""
    success: dict[str, Any] = {"description": operation.summary}
    if operation.response is not None:
        success["content"] = {"application/json": {"schema": refs[operation.response]}}
    codes = set(operation.errors) | set(ALWAYS) | ({401} if protected else set())
    codes |= set(JSON_ERRORS) if operation.body is not None else set()
    responses = {str(operation.ok): success} | {
        str(c): {"$ref": f"#/components/responses/E{c}"} for c in sorted(codes)
    }
    built: dict[str, Any] = {
        "summary": operation.summary,
        "tags": [operation.tag],
        "responses": responses,
        "security": [{"bearer": []}] if protected else [],
    }
    parameters = [_id(name) for name in re.findall(r"\{([a-z_]+)\}", operation.path)]
    if operation.query is not None:
        parameters += query_parameters(operation.query)
    if parameters:
        built["parameters"] = parameters
    if operation.body is not None:
        content = {"application/json": {"schema": refs[operation.body]}}
        built["requestBody"] = {"required": True, "content": content}
    return merged(built, operation.openapi)


def query_parameters(model: type[BaseModel]) -> list[Schema]:
    schema = without_titles(model.model_json_schema())
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": field}
        for name, field in schema["properties"].items()
    ]


def components(
    operations: list[Operation],
) -> tuple[dict[type[BaseModel], Schema], dict[str, Schema]]:
    """Every model the operations name, under its class name, with the refs to use for each
    (request bodies as they are read, answers as they are written)."""
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(Error, "serialization"): None}
    for operation in operations:
        if operation.body is not None:
            wanted[operation.body, "validation"] = None
        if operation.response is not None:
            wanted[operation.response, "serialization"] = None
    keys, top = models_json_schema(list(wanted), ref_template="#/components/schemas/{model}")
    refs: dict[type[BaseModel], Schema] = {
        model: schema for (model, _), schema in keys.items() if issubclass(model, BaseModel)
    }
    defs: dict[str, Schema] = without_titles(top.get("$defs", {}))
    return refs, defs


def without_titles(schema: Any) -> Any:
    """pydantic's generated titles ("Created At") dropped: the names say it already."""
    if isinstance(schema, list):
        return [without_titles(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    cleaned = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in ("properties", "$defs", "patternProperties"):
            cleaned[key] = {name: without_titles(sub) for name, sub in value.items()}
        else:
            cleaned[key] = without_titles(value)
    return cleaned


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out
