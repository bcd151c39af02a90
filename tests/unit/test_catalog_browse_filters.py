"""Filters of GET /api/books as OpenAPI documents them (regressions found by API fuzzing)."""

from __future__ import annotations

import pytest

from catalog_service.browse import parse_browse
from shared.web.errors import ValidationError

SELLER = "7972a0bb-a201-4760-b2a5-0fb87afef54c"


@pytest.mark.parametrize("raw", ["not-an-id", "1", SELLER + "x", "{" + SELLER + "}"])
def test_a_seller_id_that_is_not_a_uuid_is_a_bad_filter(raw: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_browse({"seller_id": raw})
    assert set(refused.value.fields or {}) == {"seller_id"}


@pytest.mark.parametrize("raw", ["", "  "])
def test_a_blank_seller_id_is_no_filter_like_every_blank_filter(raw: str) -> None:
    assert parse_browse({"seller_id": raw}).seller_id is None


def test_a_seller_id_is_matched_in_its_lower_case_form() -> None:
    assert parse_browse({"seller_id": f" {SELLER.upper()} "}).seller_id == SELLER
