"""The OpenAPI document says exactly what the services accept (regressions found by fuzzing):
every value a documented pattern allows, the service's own validator accepts too."""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs
import pytest

from api_gateway.openapi import document


def schema_of(name: str) -> dict[str, Any]:
    return document()["components"]["schemas"][name]  # type: ignore[no-any-return]


@pytest.mark.parametrize("blank", ["\x85", "\x1c\x1f", " \t\u3000 "])
def test_text_that_python_strips_to_nothing_is_outside_the_documented_patterns(blank: str) -> None:
    title = schema_of("BookCreate")["properties"]["title"]["pattern"]
    city = schema_of("ShippingAddress")["properties"]["city"]["pattern"]
    for pattern in (title, city):
        assert not jsonschema_rs.validator_for({"pattern": pattern}).is_valid(blank)
        assert not re.fullmatch(pattern, blank)


def test_every_operation_on_an_id_documents_404() -> None:
    """A malformed or unknown id in the path is a 404 wherever an id is taken."""
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            if "{" in path:
                assert "404" in operation["responses"], (method, path)
