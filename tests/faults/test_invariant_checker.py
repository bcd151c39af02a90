"""The invariant checker itself: it must be able to fail, or the fault tests prove nothing."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, insert, update

from catalog_service.models import Book
from order_service.models import LedgerEntry
from tests.faults.conftest import Shop
from tests.support.invariants import Scope, check

pytestmark = pytest.mark.faults


def test_the_checker_reports_a_copy_that_vanished_from_the_shelf(shop: Shop) -> None:
    book_id = shop.list_books([5])[0]
    scope = Scope({book_id: 5})
    assert shop.settle(timeout=30).ok
    with shop.dbs.catalog.begin() as conn:
        conn.execute(update(Book).where(Book.id == book_id).values(stock=Book.stock - 1))
    try:
        report = check(shop.dbs, scope)
        assert not report.ok
        assert any(
            f"book {book_id}: initial 5 - taken 0 != current 4" in v for v in report.violations
        )
        assert any("read model stock 5 != catalog 4" in v for v in report.violations)
    finally:
        with shop.dbs.catalog.begin() as conn:
            conn.execute(update(Book).where(Book.id == book_id).values(stock=Book.stock + 1))


def test_the_checker_reports_a_payout_no_delivery_earned(shop: Shop) -> None:
    seller_id = str(uuid.uuid4())
    with shop.dbs.order.begin() as conn:
        conn.execute(
            insert(LedgerEntry).values(
                seller_id=seller_id, kind="payout", amount=Decimal("-5.00"), at=datetime.now()
            )
        )
    try:
        report = check(shop.dbs, Scope({}))
        assert any(
            f"seller {seller_id} was paid out 5.00, more than the 0" in v for v in report.violations
        )
    finally:
        with shop.dbs.order.begin() as conn:
            conn.execute(delete(LedgerEntry).where(LedgerEntry.seller_id == seller_id))
