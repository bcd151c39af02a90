"""The invariants "nothing lost, nothing twice" holds the whole system to, read from its databases.

    .venv/bin/python -m tests.support.invariants [--catalog-url URL] [--order-url URL]

Checked against the real tables of catalog_service and order_service (never through the API,
which could hide a difference):
- stock: for every book, initial stock - sold - reserved = current stock (catalog), and the order
  read model ends at the same stock;
- every accepted order reaches a final state (delivered, rejected or cancelled), its catalog
  reservation agrees with it (sold, rejected, released), and it holds exactly one;
- payments: no authorization captured twice nor refunded more than it took (partial refunds add
  up, one per reference); a delivered order captured once, a rejected one never, a cancelled one
  refunded in full;
- shipments: a paid order holds one per seller, a delivered order's are each delivered or
  cancelled (one at least delivered), a cancelled order's are all cancelled;
- the seller ledger: a shipment's sale equals its subtotal, a cancelled shipment's entries sum to
  zero, and no seller was paid out more than their delivered shipments earned (no money created);
- nothing left behind: both outboxes drained (every event published).

Without `initial` stock (the command line, against a running system) the stock rule is checked
as "no book below zero and the read model agrees": the starting stock is not known there.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, func, select

from catalog_service.models import Book as CatalogBook
from catalog_service.models import Reservation
from catalog_service.models import outbox as catalog_outbox
from order_service.models import Book as ReadBook
from order_service.models import (
    LedgerEntry,
    Order,
    OrderItem,
    Shipment,
    SimulatedPayment,
    SimulatedRefund,
)
from order_service.models import outbox as order_outbox

FINAL = ("delivered", "rejected", "cancelled")
# What catalog's reservation must say once an order is final.
# A cancelled order either had its stock given back (released), was cancelled before catalog saw
# it (cancelled), or was cancelled while pending and catalog then found no stock (rejected).
RESERVATION_FOR = {
    "delivered": {"sold"},
    "rejected": {"rejected"},
    "cancelled": {"released", "cancelled", "rejected"},
}
TAKEN = ("reserved", "sold")  # reservation statuses that hold stock off the shelf


@dataclass
class Scope:
    """Which books (and so which orders) to check; None means every one in the databases."""

    initial: dict[str, int] | None = None

    @property
    def book_ids(self) -> list[str] | None:
        return None if self.initial is None else list(self.initial)


@dataclass
class Report:
    orders: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def __str__(self) -> str:
        head = f"orders by status: {dict(self.orders)}"
        return "\n".join([head, *(f"VIOLATION: {v}" for v in self.violations)])


class Databases:
    """Engines on the catalog and order databases, disposed by close()."""

    def __init__(self, catalog_url: str, order_url: str) -> None:
        self.catalog: Engine = create_engine(catalog_url, pool_pre_ping=True)
        self.order: Engine = create_engine(order_url, pool_pre_ping=True)

    def close(self) -> None:
        self.catalog.dispose()
        self.order.dispose()


def stock_of(engine: Engine, book_ids: Iterable[str]) -> dict[str, int]:
    """Current catalog stock of the given books (the `initial` of a later check)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(CatalogBook.id, CatalogBook.stock).where(CatalogBook.id.in_(list(book_ids)))
        )
        return {book_id: stock for book_id, stock in rows}


def orders_in_scope(dbs: Databases, scope: Scope) -> dict[str, Any]:
    """Orders (with items) touching the scope's books: {order id: status row}."""
    query = select(Order.id, Order.status, Order.authorization_id)
    if scope.book_ids is not None:
        touching = select(OrderItem.order_id).where(OrderItem.book_id.in_(scope.book_ids))
        query = query.where(Order.id.in_(touching))
    with dbs.order.connect() as conn:
        return {row.id: row for row in conn.execute(query)}


def check_orders(dbs: Databases, scope: Scope, report: Report) -> dict[str, Any]:
    orders = orders_in_scope(dbs, scope)
    report.orders.update(row.status for row in orders.values())
    for order_id, row in orders.items():
        if row.status not in FINAL:
            report.violations.append(f"order {order_id} stuck in {row.status!r}")
    with dbs.catalog.connect() as conn:
        reservations = dict(
            conn.execute(
                select(Reservation.order_id, Reservation.status).where(
                    Reservation.order_id.in_(list(orders))
                )
            ).all()
        )
    for order_id, row in orders.items():
        wanted = RESERVATION_FOR.get(row.status)
        held = reservations.get(order_id)
        if wanted is not None and held not in wanted:
            report.violations.append(
                f"order {order_id} is {row.status} but its reservation is {held!r}"
            )
    return orders


def check_stock(dbs: Databases, scope: Scope, report: Report) -> None:
    """initial - (reserved + sold) = current, per book; the read model ends on the same stock."""
    with dbs.catalog.connect() as conn:
        books = dict(conn.execute(select(CatalogBook.id, CatalogBook.stock)).all())
        taken: dict[str, int] = defaultdict(int)
        for (items,) in conn.execute(
            select(Reservation.items).where(Reservation.status.in_(TAKEN))
        ):
            for item in items:
                taken[item["book_id"]] += int(item["quantity"])
    with dbs.order.connect() as conn:
        read = dict(conn.execute(select(ReadBook.book_id, ReadBook.stock)).all())
    for book_id in scope.book_ids if scope.book_ids is not None else list(books):
        current = books.get(book_id)
        if current is None:
            report.violations.append(f"book {book_id} missing from the catalog")
            continue
        if current < 0:
            report.violations.append(f"book {book_id} has negative stock {current}")
        if scope.initial is not None and scope.initial[book_id] - taken[book_id] != current:
            report.violations.append(
                f"book {book_id}: initial {scope.initial[book_id]} - taken {taken[book_id]}"
                f" != current {current}"
            )
        if read.get(book_id) != current:
            report.violations.append(
                f"book {book_id}: read model stock {read.get(book_id)} != catalog {current}"
            )


def check_payments(dbs: Databases, orders: dict[str, Any], report: Report) -> None:
    """No capture twice nor refund beyond the capture; delivered orders captured once; rejected
    never captured; cancelled ones refunded in full."""
    with dbs.order.connect() as conn:
        payments = {
            row.id: row
            for row in conn.execute(
                select(
                    SimulatedPayment.id,
                    SimulatedPayment.payment_id,
                    SimulatedPayment.amount,
                    SimulatedPayment.captures,
                    SimulatedPayment.refunds,
                    SimulatedPayment.refunded_amount,
                )
            )
        }
        refunded = dict(
            conn.execute(
                select(SimulatedRefund.payment_id, func.sum(SimulatedRefund.amount)).group_by(
                    SimulatedRefund.payment_id
                )
            ).all()
        )
    for each in payments.values():
        if each.captures > 1 or each.refunded_amount > each.amount:
            report.violations.append(
                f"payment {each.id} captured {each.captures}x, refunded {each.refunded_amount}"
                f" of {each.amount}"
            )
        if each.refunded_amount != refunded.get(each.payment_id, 0):
            report.violations.append(
                f"payment {each.id}: refunded {each.refunded_amount} but its refunds sum to"
                f" {refunded.get(each.payment_id, 0)}"
            )
    for order_id, row in orders.items():
        payment = payments.get(row.authorization_id)
        captures = payment.captures if payment is not None else 0
        if row.status == "delivered" and captures != 1:
            report.violations.append(f"delivered order {order_id} captured {captures}x")
        if row.status == "rejected" and captures != 0:
            report.violations.append(f"rejected order {order_id} captured {captures}x")
        given_back = payment.refunded_amount if payment is not None else 0
        if row.status == "cancelled" and captures and given_back != payment.amount:
            report.violations.append(
                f"cancelled order {order_id} captured but refunded {given_back} only"
            )


def check_shipments(dbs: Databases, orders: dict[str, Any], report: Report) -> None:
    """One shipment per seller of a paid order, each in a status its order's status allows."""
    with dbs.order.connect() as conn:
        sellers: dict[str, set[str]] = defaultdict(set)
        for order_id, seller_id in conn.execute(
            select(OrderItem.order_id, OrderItem.seller_id).where(
                OrderItem.order_id.in_(list(orders))
            )
        ):
            sellers[order_id].add(seller_id)
        shipments: dict[str, list[Any]] = defaultdict(list)
        for row in conn.execute(
            select(Shipment.order_id, Shipment.seller_id, Shipment.status).where(
                Shipment.order_id.in_(list(orders))
            )
        ):
            shipments[row.order_id].append(row)
    for order_id, row in orders.items():
        held = shipments.get(order_id, [])
        if not held:
            continue  # never paid (or paid before shipments existed)
        if sorted(s.seller_id for s in held) != sorted(sellers[order_id]):
            report.violations.append(f"order {order_id}: not one shipment per seller")
        statuses = {s.status for s in held}
        if row.status == "delivered" and (
            not statuses <= {"delivered", "cancelled"} or "delivered" not in statuses
        ):
            report.violations.append(f"delivered order {order_id} has shipments {statuses}")
        if row.status == "cancelled" and statuses != {"cancelled"}:
            report.violations.append(f"cancelled order {order_id} has shipments {statuses}")


def check_ledger(dbs: Databases, report: Report) -> None:
    """Sales equal subtotals, a cancelled shipment nets zero, payouts never exceed earnings."""
    with dbs.order.connect() as conn:
        shipments = {
            row.id: row
            for row in conn.execute(
                select(Shipment.id, Shipment.seller_id, Shipment.status, Shipment.subtotal)
            )
        }
        entries = conn.execute(
            select(
                LedgerEntry.seller_id, LedgerEntry.kind, LedgerEntry.amount, LedgerEntry.shipment_id
            )
        ).all()
    net: dict[str, Any] = defaultdict(int)
    earned: dict[str, Any] = defaultdict(int)
    paid_out: dict[str, Any] = defaultdict(int)
    for entry in entries:
        if entry.kind == "payout":
            paid_out[entry.seller_id] -= entry.amount
            continue
        shipment = shipments.get(entry.shipment_id)
        if shipment is None:
            report.violations.append(f"ledger entry for unknown shipment {entry.shipment_id}")
            continue
        net[entry.shipment_id] += entry.amount
        if entry.kind == "sale" and entry.amount != shipment.subtotal:
            report.violations.append(f"shipment {shipment.id}: sale {entry.amount} != subtotal")
        if shipment.status == "delivered":
            earned[entry.seller_id] += entry.amount
    for shipment in shipments.values():
        if shipment.status == "cancelled" and net.get(shipment.id, 0) != 0:
            report.violations.append(f"cancelled shipment {shipment.id} nets {net[shipment.id]}")
    for seller_id, amount in paid_out.items():
        if amount > earned.get(seller_id, 0):
            report.violations.append(
                f"seller {seller_id} was paid out {amount}, more than the"
                f" {earned.get(seller_id, 0)} their delivered shipments earned"
            )


def check_outboxes(dbs: Databases, report: Report) -> None:
    for name, engine, table in (
        ("catalog", dbs.catalog, catalog_outbox),
        ("order", dbs.order, order_outbox),
    ):
        with engine.connect() as conn:
            unsent = conn.scalar(select(func.count()).where(table.c.sent_at.is_(None)))
        if unsent:
            report.violations.append(f"{name} outbox still holds {unsent} unsent event(s)")


def check(dbs: Databases, scope: Scope) -> Report:
    """Every invariant, once (call `settle` first: the saga and the relays are asynchronous)."""
    report = Report()
    orders = check_orders(dbs, scope, report)
    check_stock(dbs, scope, report)
    check_payments(dbs, orders, report)
    check_shipments(dbs, orders, report)
    check_ledger(dbs, report)
    check_outboxes(dbs, report)
    return report


def settle(dbs: Databases, scope: Scope, timeout: float = 120.0) -> Report:
    """Check until every invariant holds or `timeout` passes; the last report either way."""
    deadline = time.monotonic() + timeout
    while True:
        report = check(dbs, scope)
        if report.ok or time.monotonic() > deadline:
            return report
        time.sleep(1.0)


def main() -> int:
    from shared.events.config import from_env  # the lead's config: the only env reader

    urls = from_env().database_urls
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog-url", default=urls["catalog"])
    parser.add_argument("--order-url", default=urls["order"])
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    dbs = Databases(args.catalog_url, args.order_url)
    try:
        report = settle(dbs, Scope(), args.timeout)
    finally:
        dbs.close()
    print(report)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
