"""The OpenAPI document says exactly what the services accept (regressions found by fuzzing):
every value a documented pattern allows, the service's own validator accepts too."""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api_gateway import openapi_schemas as docs
from api_gateway.openapi import document
from catalog_service import validation as catalog

FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None)


def schema_of(name: str) -> dict[str, Any]:
    return document()["components"]["schemas"][name]  # type: ignore[no-any-return]


@FAST
@given(st.from_regex(docs.PRICE_PATTERN, fullmatch=True))
def test_every_documented_price_string_is_a_price_the_catalogue_accepts(price: str) -> None:
    assert catalog.clean_book({"price": price}, partial=True)["price"] > 0


def test_prices_out_of_range_are_outside_the_documented_pattern() -> None:
    for price in ("0", "0.00", "00.01", "100000.01", "100001", "123456", "1.234", "-1"):
        assert not re.fullmatch(docs.PRICE_PATTERN, price), price


@FAST
@given(st.data())
def test_every_documented_book_text_is_text_the_catalogue_accepts(data: st.DataObject) -> None:
    book = schema_of("BookCreate")["properties"]
    for name in ("title", "author", "category"):
        value = data.draw(st.from_regex(book[name]["pattern"], fullmatch=True))
        assert catalog.clean_book({name: value}, partial=True)[name]


def test_padding_around_a_book_title_does_not_count_towards_its_length() -> None:
    pattern = schema_of("BookCreate")["properties"]["title"]["pattern"]
    assert re.fullmatch(pattern, "   " + "x" * 200 + "   ")
    assert not re.fullmatch(pattern, "x" * 201)
    assert not re.fullmatch(pattern, "   ")


def test_a_book_patch_is_any_subset_of_the_fields_even_the_empty_one() -> None:
    patch = jsonschema_rs.validator_for(schema_of("BookPatch"))
    assert patch.is_valid({}) and patch.is_valid({"stock": 3})
    assert not patch.is_valid({"seller_id": "x"})


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
