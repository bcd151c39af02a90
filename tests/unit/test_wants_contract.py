"""The bodies of favourites, wants and notifications (shared/contract/wants.py, notifications.py):
what their published schemas allow is what the models accept, and the other way round."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api_gateway.openapi import document
from shared.contract.model import parse
from shared.contract.notifications import MarkRead, PreferencesUpdate
from shared.contract.wants import (
    ISBN_PATTERN,
    PRICE_PATTERN,
    WANT_TEXT_PATTERN,
    WantCreate,
    required_isbn,
)
from shared.domain import Invalid

FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None)


def _schema(name: str) -> dict[str, Any]:
    return document()["components"]["schemas"][name]  # type: ignore[no-any-return]


def _valid(name: str) -> Any:
    return jsonschema_rs.validator_for({**_schema(name), "components": document()["components"]})


def _refused(model: Any, payload: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        parse(model, payload)
    return caught.value.fields or {}


@FAST
@given(st.from_regex(WANT_TEXT_PATTERN, fullmatch=True))
def test_every_documented_title_is_one_a_want_accepts(title: str) -> None:
    want = parse(WantCreate, {"title": title, "author": title})
    assert want.title and 1 <= len(want.title) <= 200 and want.title == want.author


@FAST
@given(st.text(max_size=210))
def test_a_title_the_pattern_refuses_is_refused(title: str) -> None:
    if title and not re.fullmatch(WANT_TEXT_PATTERN, title):
        assert "title" in _refused(WantCreate, {"title": title, "isbn": "0441172717"})


@FAST
@given(st.from_regex(PRICE_PATTERN, fullmatch=True))
def test_every_documented_price_is_one_a_want_accepts(price: str) -> None:
    assert Decimal("0.01") <= (
        parse(WantCreate, {"title": "Dune", "max_price": price}).max_price or 0
    )


@FAST
@given(st.from_regex(r"^ ?[0-9]{1,7}(\.[0-9]{1,3})? ?$", fullmatch=True))
def test_a_price_string_is_accepted_exactly_when_the_pattern_allows_it(price: str) -> None:
    payload = {"title": "Dune", "max_price": price}
    if re.fullmatch(PRICE_PATTERN, price):
        assert parse(WantCreate, payload).max_price == Decimal(price.strip())
    else:
        assert "max_price" in _refused(WantCreate, payload)


@pytest.mark.parametrize("isbn", ["0441172717", "0-441-17271-7", " 978 0441172719 ", "080442957x"])
def test_isbns_in_either_form_with_spaces_and_hyphens_are_accepted(isbn: str) -> None:
    assert re.fullmatch(ISBN_PATTERN, isbn)
    assert parse(WantCreate, {"isbn": isbn}).isbn == required_isbn(isbn)


@pytest.mark.parametrize(
    "isbn,message",
    [
        ("0441172718", "has a wrong check digit"),
        ("04411727X7", "must be an ISBN-10 or ISBN-13"),
        ("978044117271X", "must be an ISBN-10 or ISBN-13"),
        ("٠٤٤١١٧٢٧١٧", "must be an ISBN-10 or ISBN-13"),
        (9780441172719, "must be a string"),
    ],
)
def test_a_bad_isbn_is_refused_in_the_api_s_words(isbn: Any, message: str) -> None:
    assert _refused(WantCreate, {"isbn": isbn}) == {"isbn": message}


def test_blank_fields_are_none_and_a_want_must_still_name_a_book() -> None:
    blank = {"isbn": " - ", "title": "", "author": None, "max_price": "", "min_condition": ""}
    assert _refused(WantCreate, blank) == {"isbn": "give an isbn, or a title and/or an author"}
    want = parse(WantCreate, {**blank, "author": "  Ursula   K. Le Guin "})
    assert (want.isbn, want.title, want.author, want.max_price, want.min_condition) == (
        None,
        None,
        "Ursula K. Le Guin",
        None,
        None,
    )
    assert _valid("WantCreate").is_valid(blank)


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "Dune", "max_price": "1.234"},
        {"title": "Dune", "max_price": True},
        {"title": "Dune", "min_condition": "mint"},
        {"title": "Dune", "colour": "red"},
        {"title": " x "},
        {"title": "x" * 201},
    ],
)
def test_what_the_want_schema_refuses_the_service_refuses(payload: dict[str, Any]) -> None:
    assert not _valid("WantCreate").is_valid(payload)
    assert _refused(WantCreate, payload)


def test_mark_read_takes_ids_or_all() -> None:
    ids = ["0B1C7A56-5F0E-4A8E-9B44-3F7F2A1D9E10"]
    assert parse(MarkRead, {"ids": ids}).which == [ids[0].lower()]
    assert parse(MarkRead, {"all": True}).which is None
    valid = _valid("MarkRead").is_valid
    for good in ({"ids": ids}, {"all": True}, {"ids": ids, "all": True}):
        assert valid(good) and parse(MarkRead, good)
    for bad, field in (
        ({}, "ids"),
        ({"ids": "x"}, "ids"),
        ({"ids": []}, "ids"),
        ({"ids": None}, "ids"),
        ({"ids": ["0b1c7a56-5f0e-4a8e-9b44-3f7f2a1d9e1"]}, "ids"),
        ({"ids": ["-" * 36]}, "ids"),
        ({"all": False}, "all"),
        ({"all": None}, "all"),
    ):
        assert not valid(bad), bad
        assert field in _refused(MarkRead, bad), bad


def test_preferences_change_only_what_is_given_as_booleans() -> None:
    assert parse(PreferencesUpdate, {"email": {"orders": False}}).changes() == {"orders": False}
    assert parse(PreferencesUpdate, {"email": {}}).changes() == {}
    assert _refused(PreferencesUpdate, {"email": {"orders": "no", "colour": True}}) == {
        "email.orders": "must be true or false",
        "email.colour": "unknown field",
    }
    assert _refused(PreferencesUpdate, {"email": None}) == {"email": "must be an object"}
    assert not _valid("PreferencesUpdate").is_valid({"email": {"orders": None}})


def test_the_demand_isbn_is_required() -> None:
    for blank in (None, "", " - "):
        with pytest.raises(ValueError, match="is required"):
            required_isbn(blank)
    parameter = document()["paths"]["/api/wants/demand"]["get"]["parameters"][0]
    assert parameter["required"] and not re.fullmatch(parameter["schema"]["pattern"], " ")
