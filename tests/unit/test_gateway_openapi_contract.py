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
from order_service import validation as orders

FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None)


def _text(schema: dict[str, Any]) -> dict[str, Any]:
    """The text schema of a field, nullable or not."""
    return schema["anyOf"][0] if "anyOf" in schema else schema


def schema_of(name: str) -> dict[str, Any]:
    return document()["components"]["schemas"][name]  # type: ignore[no-any-return]


def test_the_documented_countries_are_the_ones_order_service_accepts() -> None:
    assert set(docs.COUNTRIES) == orders.COUNTRIES


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


@FAST
@given(st.data())
def test_every_documented_address_is_one_order_service_accepts(data: st.DataObject) -> None:
    fields = schema_of("ShippingAddress")["properties"]
    address = {
        name: data.draw(st.from_regex(_text(fields[name])["pattern"], fullmatch=True))
        for name in ("name", "line1", "line2", "city", "postal_code")
    }
    address["country"] = data.draw(st.sampled_from(docs.COUNTRIES))
    errors: dict[str, str] = {}
    assert orders._address(address, errors) is not None and errors == {}


def test_an_order_names_either_items_or_the_cart() -> None:
    base = {"shipping_address": {}, "payment": {}}
    one_of = {"oneOf": schema_of("OrderCreate")["oneOf"]}
    valid = jsonschema_rs.validator_for(one_of).is_valid
    assert valid({**base, "items": [{}]}) and valid({**base, "items": [{}], "from_cart": False})
    assert valid({**base, "from_cart": True})
    assert not valid({**base, "items": [{}], "from_cart": True}) and not valid(base)


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
