"""Bodies of the public API as pydantic models: one declaration is both what a service accepts
(`parse`) and what the gateway's OpenAPI document publishes (`model_json_schema`).

- `Body`: a request body. Strict (a quantity of "2" is not a number), closed (an unknown field
  is refused), every refusal named by field in the API's words (`Invalid`, a 422).
- `Resource`: a response body; its schema documents what presenters write.
- `rule(check, schema)`: a field whose rule goes beyond a type and bounds (trimming, a check
  digit, a choice matched in any letter case): `check` validates and normalizes, `schema` is
  the JSON Schema that accepts exactly the same values (the API fuzzing holds both to it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import ErrorDetails, core_schema

from shared.domain import Invalid

B = TypeVar("B", bound="Body")


class Body(BaseModel):
    """A request body: strict types, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, hide_input_in_errors=True)


class Resource(BaseModel):
    """A response body, as the service's presenters write it."""

    model_config = ConfigDict(frozen=True)


@dataclass(frozen=True)
class rule:  # noqa: N801 (reads as a function where it is used: `Annotated[str, rule(...)]`)
    """A field validated by `check` (a ValueError's message is the field's error; what it
    returns is the value, normalized) and published as `schema`."""

    check: Callable[[Any], Any]
    schema: dict[str, Any]

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_plain_validator_function(self.check)

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> Any:
        return dict(self.schema)


def whole(low: int, high: int, *, null: bool = False) -> rule:
    """A whole number from `low` to `high` (`null`: or null): a JSON number, 3.0 included (JSON
    Schema's integer: a client or a generator may write it so), never a string nor a boolean."""

    def check(value: Any) -> int | None:
        if value is None and null:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return value

    schema: dict[str, Any] = {"type": "integer", "minimum": low, "maximum": high}
    return rule(check, {"anyOf": [schema, {"type": "null"}]} if null else schema)


def parse(model: type[B], payload: Mapping[str, Any]) -> B:
    """`payload` as `model`, or Invalid naming every bad field (`items[0].quantity`,
    `shipping_address.city`)."""
    try:
        return model.model_validate(payload)
    except pydantic.ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            fields.setdefault(field_name(error["loc"]) or "body", message(error))
        raise Invalid("The request is not valid.", fields=fields) from None


def field_name(loc: tuple[int | str, ...]) -> str:
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        elif not part.startswith(("function-", "union[", "literal[", "nullable[")):
            name += f".{part}" if name else part
    return name


def message(error: ErrorDetails) -> str:
    """The API's phrasing of one pydantic error."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in _FIXED:
        return _FIXED[kind]
    if kind in _BOUNDED:
        return _BOUNDED[kind].format(**ctx)
    if kind in ("literal_error", "enum"):
        return f"must be one of: {ctx.get('expected', '')}".replace("'", "")
    return str(error["msg"][:1].lower() + error["msg"][1:])


_FIXED = {
    "missing": "is required",
    "extra_forbidden": "unknown field",
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "none_required": "must be null",
}
_BOUNDED = {
    "string_too_short": "must be at least {min_length} characters",
    "string_too_long": "must be at most {max_length} characters",
    "too_short": "must have at least {min_length} items",
    "too_long": "must have at most {max_length} items",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "greater_than": "must be more than {gt}",
    "less_than": "must be less than {lt}",
}


class Query(BaseModel):
    """Query parameters: each field is one (`?page=2`), documented from here; the service reads
    them from strings."""

    model_config = ConfigDict(frozen=True)
