"""The catalogue's bodies and query parameters (shared/contract/catalogue.py, discovery.py)
publish exactly what catalog_service accepts: values drawn from the published schemas are
accepted, and what the document refuses is refused (the API fuzzing holds the service to both
directions)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, get_args

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api_gateway.openapi import document
from catalog_service.browse import parse_browse
from catalog_service.suggest import parse_prefix
from shared.contract import catalogue
from shared.contract.catalogue import BookCreate, BookPatch
from shared.contract.model import parse
from shared.domain import Invalid
from shared.web.errors import ValidationError

FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None)
BOOK = {"title": "Dune", "author": "Frank Herbert", "condition": "good", "price": "9.50"}


def published(name: str) -> dict[str, Any]:
    return document()["components"]["schemas"][name]  # type: ignore[no-any-return]


def field(name: str) -> dict[str, Any]:
    return published("BookPatch")["properties"][name]  # type: ignore[no-any-return]


def text_pattern(schema: dict[str, Any]) -> str:
    """The pattern of a text schema, nullable or not."""
    return str((schema["anyOf"][0] if "anyOf" in schema else schema)["pattern"])


def accepted(payload: dict[str, Any]) -> bool:
    try:
        parse(BookPatch, payload)
    except Invalid:
        return False
    return True


def parameters(path: str) -> dict[str, dict[str, Any]]:
    operation = document()["paths"][path]["get"]
    return {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}


def drawn(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """Query-string values a parameter's schema allows (the shapes the catalogue publishes)."""
    if "anyOf" in schema:
        return st.one_of([drawn(branch) for branch in schema["anyOf"]])
    if schema.get("type") == "integer":
        return st.integers(schema["minimum"], schema["maximum"]).map(str)
    if "pattern" in schema:
        values = st.from_regex(schema["pattern"], fullmatch=True)
        return values.filter(lambda v: len(v) <= schema.get("maxLength", len(v)))
    return st.text(max_size=schema["maxLength"])


# --- Bodies --------------------------------------------------------------------------------


def test_the_literal_choices_are_the_lists_pages_offer() -> None:
    assert get_args(catalogue.Condition) == tuple(catalogue.CONDITIONS)
    assert get_args(catalogue.SortName) == tuple(catalogue.SORTS)


@FAST
@given(st.from_regex(text_pattern(catalogue.PRICE_IN["oneOf"][0]), fullmatch=True))
def test_every_documented_price_string_is_a_price_the_catalogue_accepts(price: str) -> None:
    assert catalogue.PRICE_MIN <= parse(BookPatch, {"price": price}).price <= catalogue.PRICE_MAX


@FAST
@given(st.integers(1, 10_000_000))
def test_every_price_in_cents_sent_as_a_json_number_is_accepted(cents: int) -> None:
    assert parse(BookPatch, {"price": cents / 100}).price == Decimal(cents) / 100


@FAST
@given(st.data())
def test_every_documented_book_text_is_text_the_catalogue_accepts(data: st.DataObject) -> None:
    for name in ("title", "author", "category", "language"):
        value = data.draw(st.from_regex(text_pattern(field(name)), fullmatch=True))
        assert accepted({name: value}), (name, value)


# Values on both sides of each published rule: the document and the model must agree.
EDGES: list[tuple[str, Any]] = [
    *[("price", v) for v in ("12.50", " 3 ", "0.01", "100000.00", "100000.01", "0", "0.00")],
    *[("price", v) for v in ("00.01", "012.50", "1.234", "-1", "8,50", "1e2", "١٢", "", "NaN")],
    *[("price", v) for v in (7, 19.99, 0.01, 100000, 12.345, 0, -1, True, None, [])],
    *[("title", v) for v in ("  Émile  ", "", "   ", "x" * 200, "x" * 201, "a\nb", "a\x00b")],
    *[("title", v) for v in ("\x85", "\x1c\x1f", 42, None, " \t\u3000 ")],
    *[("category", v) for v in ("Drama", " DRAMA ", "drama\n", "Horror", "Coo\u212aery", "")],
    *[("category", v) for v in ("c" * 61, None, 3)],
    *[("language", v) for v in ("en", " EN ", "", "  ", None, "xx", "eng", "\u212ao", 1)],
    *[("isbn", v) for v in ("0-306-40615-2", "978 0 306 40615 7", "0-8044-2957-x", "", None)],
    *[("isbn", v) for v in ("9780306406157" + " " * 8, "\n9780306406157", 9780306406157)],
    *[("description", v) for v in ("", None, "d" * 5000, "d" * 5001, " " + "d" * 5000)],
    *[("description", v) for v in ("a\nb\tc", "\x0bab", "ab\x1f", "a\x00b", 1)],
    # (1999.0 is an integer to JSON Schema; the API, strict, refuses it as it always did.)
    *[("published_year", v) for v in (1, 1999, None, 0, "1999", True)],
    *[("published_year", v) for v in (catalogue.YEAR_MAX, catalogue.YEAR_MAX + 1)],
    *[("stock", v) for v in (0, 10_000, -1, 10_001, "3", 1.5, True, None)],
    *[("condition", v) for v in ("like_new", "mint", "Good", None)],
    *[("currency", v) for v in ("USD", "EUR", "usd", None)],
]


@pytest.mark.parametrize(("name", "value"), EDGES)
def test_the_published_schema_and_the_model_agree(name: str, value: Any) -> None:
    schema = jsonschema_rs.validator_for(published("BookPatch"))
    assert schema.is_valid({name: value}) == accepted({name: value}), (name, value)


def test_padding_around_a_book_title_does_not_count_towards_its_length() -> None:
    pattern = text_pattern(field("title"))
    assert re.fullmatch(pattern, "   " + "x" * 200 + "   ")
    assert not re.fullmatch(pattern, "x" * 201)
    assert not re.fullmatch(pattern, "   ")


def test_a_new_book_is_judged_whole_and_every_bad_field_named_at_once() -> None:
    with pytest.raises(Invalid) as caught:
        parse(BookCreate, {"title": "", "price": "0", "stock": -1, "extra": 1})
    assert set(caught.value.fields or {}) == {
        "title",
        "author",
        "condition",
        "price",
        "stock",
        "extra",
    }
    assert published("BookCreate")["required"] == ["title", "author", "condition", "price"]
    assert published("BookCreate")["additionalProperties"] is False


def test_a_book_patch_is_any_subset_of_the_fields_even_the_empty_one() -> None:
    patch = jsonschema_rs.validator_for(published("BookPatch"))
    assert patch.is_valid({}) and patch.is_valid({"stock": 3})
    assert not patch.is_valid({"seller_id": "x"}) and not patch.is_valid({"title": None})
    assert parse(BookPatch, {}).model_fields_set == set()
    assert parse(BookPatch, {"stock": 3}).model_fields_set == {"stock"}
    assert "required" not in published("BookPatch")
    assert not any("default" in f for f in published("BookPatch")["properties"].values())


def test_a_patch_may_clear_the_optional_fields_but_not_the_others() -> None:
    cleared = parse(BookPatch, dict.fromkeys(("isbn", "language", "published_year", "description")))
    assert (cleared.isbn, cleared.language, cleared.published_year) == (None, None, None)
    assert cleared.description == ""
    for name in ("title", "author", "condition", "price", "stock", "category", "currency"):
        assert not accepted({name: None}), name


def test_values_are_normalized() -> None:
    book = parse(
        BookCreate,
        {
            **BOOK,
            "title": "  E\u0301mile ",
            "category": "science fiction",
            "language": " FR",
            "isbn": "0-8044-2957-x",
            "price": 19.99,
        },
    )
    assert (book.title, book.category, book.language) == ("Émile", "Science Fiction", "fr")
    assert (book.isbn, book.price) == ("080442957X", Decimal("19.99"))


# --- Query parameters --------------------------------------------------------------------


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_every_documented_browse_parameter_is_one_the_catalogue_accepts(
    data: st.DataObject,
) -> None:
    for name, schema in parameters("/api/books").items():
        value = data.draw(drawn(schema), label=name)
        parse_browse({name: value})


BROWSE_EDGES = [
    *[("min_price", v) for v in ("10", " 9.99 ", "", "-0", "-1", "1.005", "cheap", "١٢", "1e2")],
    *[("category", v) for v in ("drama", " DRAMA ", "", "Horror", "Coo\u212aery")],
    *[("condition", v) for v in ("new", " new ", "", "mint", "NEW")],
    *[("sort", v) for v in ("price_asc", " newest", "", "random")],
    *[("seller_id", v) for v in ("", " 7972A0BB-A201-4760-B2A5-0FB87AFEF54C ", "not-an-id")],
    *[("seller_id", v) for v in ("{7972a0bb-a201-4760-b2a5-0fb87afef54c}",)],
    *[("include_sold_out", v) for v in ("true", "TRUE", " yes ", "0", "", "maybe", "2")],
    *[("facets", v) for v in ("false", "No", "1", "on")],
    *[("q", v) for v in ("dune", "q" * 500, "q" * 501, " " * 501)],
    *[("author", v) for v in ("le guin", "a" * 200, "a" * 201)],
]


@pytest.mark.parametrize(("name", "value"), BROWSE_EDGES)
def test_the_published_filters_and_the_browse_parser_agree(name: str, value: str) -> None:
    documented = jsonschema_rs.validator_for(parameters("/api/books")[name]).is_valid(value)
    try:
        parse_browse({name: value})
        taken = True
    except ValidationError:
        taken = False
    assert documented == taken, (name, value)


def test_a_price_range_upside_down_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_browse({"min_price": "9", "max_price": "3"})
    assert set(caught.value.fields or {}) == {"max_price"}


@FAST
@given(st.data())
def test_every_documented_prefix_is_one_suggestions_accept(data: st.DataObject) -> None:
    assert parse_prefix(data.draw(drawn(parameters("/api/books/suggest")["q"])))


@pytest.mark.parametrize("value", ["ha", " h a ", "  h  ", "h", "", "x" * 100, "x" * 101, "\x85a"])
def test_the_published_prefix_and_the_suggest_parser_agree(value: str) -> None:
    documented = jsonschema_rs.validator_for(parameters("/api/books/suggest")["q"])
    try:
        parse_prefix(value)
        taken = True
    except ValidationError:
        taken = False
    assert documented.is_valid(value) == taken, value
