"""JSON Schema fragments for text rules the services apply after trimming, so that a published
pattern accepts exactly what the service accepts (JSON Schema has no "strip first" and no
case-insensitive flag; these write it out)."""

from __future__ import annotations

import re
from typing import Any

Schema = dict[str, Any]
# What Python's str.strip() removes: ECMA's \s (the patterns' dialect) lacks \x1c-\x1f and \x85.
SPACE = r"[\s\x1c-\x1f\x85]"
MULTILINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
UUID: Schema = {"type": "string", "format": "uuid"}
# A canonical UUID, in either letter case (ids are compared lower-cased).
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_UUID = re.compile(UUID_PATTERN)


def is_uuid(value: Any) -> bool:
    """An id as the API writes them (the whole value: no trailing newline either)."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


TIME: Schema = {"type": "string", "format": "date-time"}
MONEY: Schema = {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "example": "12.50"}


def any_case(words: list[str]) -> str:
    """A pattern matching one of `words` in any letter case, as the services compare them."""

    def letters(word: str) -> str:
        return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)

    return "|".join(letters(word) for word in words)


def trimmed(pattern: str) -> str:
    """A whole-value pattern that, like the services, ignores surrounding whitespace."""
    return rf"^\s*{pattern}\s*$"


def line(high: int) -> Schema:
    """One line of text as catalog_service checks it: no control characters, 1 to `high`
    characters once the surrounding whitespace is stripped (so the pattern holds the length)."""
    char, edge = r"[^\x00-\x1f\x7f]", r"[^\s\x00-\x1f\x7f\x85]"
    return {
        "type": "string",
        "pattern": rf"^{SPACE}*{edge}({char}{{0,{high - 2}}}{edge})?{SPACE}*$",
    }


def filled(high: int) -> Schema:
    """Text as order_service checks it: 1 to `high` characters once stripped."""
    edge = r"[^\s\x1c-\x1f\x85]"
    return {
        "type": "string",
        "pattern": rf"^{SPACE}*{edge}([\s\S]{{0,{high - 2}}}{edge})?{SPACE}*$",
    }


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}
