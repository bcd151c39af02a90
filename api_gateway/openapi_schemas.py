"""OpenAPI components: the schemas of docs/api.md (bodies, resources, the one error shape)."""

from __future__ import annotations

from typing import Any

from shared.contract import catalogue, paging
from shared.contract.patterns import (  # noqa: F401 (re-exported to the other legacy modules)
    MONEY,
    MULTILINE,
    SPACE,
    TIME,
    UUID,
    any_case,
    filled,
    line,
    trimmed,
)
from shared.web.errors import CODES

Schema = dict[str, Any]
ERROR_CODES = sorted(set(CODES.values()))
CONDITIONS = list(catalogue.CONDITIONS)


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(
    props: dict[str, Schema], required: list[str] | None = None, *, closed: bool = False
) -> Schema:
    """An object; `closed` ones (request bodies) reject unknown fields, as the API does (422)."""
    schema: Schema = {"type": "object", "properties": props}
    names = list(props) if required is None else required
    if names:  # OpenAPI 3.0 forbids an empty `required`; [] means nothing is required
        schema["required"] = names
    if closed:
        schema["additionalProperties"] = False
    return schema


def page_of(item: str) -> Schema:
    return obj(
        {
            "items": {"type": "array", "items": ref(item)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": paging.PER_PAGE_MAX},
            "total": {"type": "integer", "minimum": 0},
        }
    )


USD: Schema = {"type": "string", "enum": ["USD"]}


NULLABLE = lambda s: {**s, "nullable": True}  # noqa: E731

SCHEMAS: dict[str, Schema] = {}  # every body and resource is a shared/contract model now
