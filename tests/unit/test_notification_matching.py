"""Want matching rules (notification_service/matching.py, shared/contract): pure, no I/O."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from notification_service.matching import Listing, WantRule, fold, matches, matching
from shared.contract.isbn import isbn13, normalize_isbn
from shared.contract.model import parse
from shared.contract.wants import CONDITION_ORDER, WantCreate, condition_at_least
from shared.domain import Invalid

LISTING = Listing(
    book_id="b1",
    seller_id="seller",
    title="Cien años de soledad",
    author="Gabriel García Márquez",
    isbn13="9780060883287",
    condition="very_good",
    price=Decimal("12.00"),
    stock=1,
)
TEXT_WANT = WantRule("w1", "wanter", None, fold("AÑOS de"), fold("garcia marquez"), None, None)
ISBN_WANT = WantRule("w2", "wanter", "9780060883287", None, None, None, None)


def test_fold_ignores_case_accents_and_runs_of_spaces() -> None:
    assert fold("  García   MÁRQUEZ ") == "garcia marquez"
    assert fold("Straße") == fold("STRASSE")


def test_an_isbn_10_and_its_978_isbn_13_are_one_book() -> None:
    assert isbn13(normalize_isbn("0-441-17271-7") or "") == "9780441172719"
    assert isbn13("9780441172719") == "9780441172719"
    with pytest.raises(ValueError):
        normalize_isbn("0-441-17271-8")


def test_a_text_want_matches_case_and_accent_insensitively() -> None:
    assert matches(TEXT_WANT, LISTING)
    assert not matches(replace(TEXT_WANT, title_key=fold("otoño")), LISTING)


def test_an_isbn_want_matches_only_that_isbn() -> None:
    assert matches(ISBN_WANT, LISTING)
    assert not matches(ISBN_WANT, replace(LISTING, isbn13="9780441172719"))
    assert not matches(ISBN_WANT, replace(LISTING, isbn13=None))


def test_the_price_bound_is_inclusive() -> None:
    assert matches(replace(TEXT_WANT, max_price=Decimal("12.00")), LISTING)
    assert not matches(replace(TEXT_WANT, max_price=Decimal("11.99")), LISTING)


@pytest.mark.parametrize("minimum", CONDITION_ORDER)
def test_conditions_are_ordered_from_acceptable_to_new(minimum: str) -> None:
    expected = CONDITION_ORDER.index("very_good") >= CONDITION_ORDER.index(minimum)
    assert matches(replace(TEXT_WANT, min_condition=minimum), LISTING) is expected
    assert condition_at_least("new", minimum) and condition_at_least("acceptable", None)


def test_own_and_sold_out_listings_never_match() -> None:
    assert not matches(TEXT_WANT, replace(LISTING, seller_id="wanter"))
    assert not matches(TEXT_WANT, replace(LISTING, stock=0))


def test_matching_keeps_only_the_matching_wants() -> None:
    other = replace(TEXT_WANT, want_id="w3", author_key=fold("Tolkien"))
    assert [w.want_id for w in matching([TEXT_WANT, other, ISBN_WANT], LISTING)] == ["w1", "w2"]


def test_a_want_needs_an_isbn_or_a_title_or_an_author_of_two_characters_or_more() -> None:
    with pytest.raises(Invalid) as caught:
        parse(WantCreate, {})
    assert "isbn" in (caught.value.fields or {})
    with pytest.raises(Invalid) as caught:
        parse(WantCreate, {"title": " x ", "max_price": "0", "min_condition": "mint"})
    assert set(caught.value.fields or {}) == {"title", "max_price", "min_condition"}
    want = parse(WantCreate, {"isbn": "0441172717", "max_price": 9.5})
    assert (want.isbn, want.max_price) == ("0441172717", Decimal("9.5"))
