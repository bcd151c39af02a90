"""Paging of the order lists: bounded like the catalogue's (regressions found by API fuzzing)."""

from __future__ import annotations

import pytest
import requests

from tests.support.order_harness import OrderStack


@pytest.mark.parametrize("path", ["/api/orders", "/api/me/sales"])
@pytest.mark.parametrize("page", ["100001", "99999999999999999999999999"])
def test_a_page_beyond_the_documented_maximum_is_a_validation_error(
    order_stack: OrderStack, path: str, page: str
) -> None:
    _, buyer = order_stack.user()
    refused = requests.get(f"{order_stack.api}{path}?page={page}", headers=buyer, timeout=5)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["fields"] == {"page": "must be a whole number from 1 to 100000"}


def test_the_last_documented_page_is_answered_empty(order_stack: OrderStack) -> None:
    _, buyer = order_stack.user()
    last = requests.get(f"{order_stack.api}/api/orders?page=100000", headers=buyer, timeout=5)
    assert last.status_code == 200 and last.json()["items"] == []
