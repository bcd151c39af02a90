"""Read model, cart and checkout refusals against the real order processes."""

from __future__ import annotations

import json
import os
import subprocess
import time
from typing import Any

import requests

from scripts.stack import PYTHON, ROOT
from shared.events import new_event
from tests.support.order_harness import OrderStack


def book_event(stack: OrderStack, book_id: str, kind: str = "book.updated", **changes: Any) -> None:
    with stack.catalogue.lock:
        book = stack.catalogue.books[book_id]
        book.update(changes)
        data = dict(book)
    if kind == "book.deleted":
        data = {k: data[k] for k in ("book_id", "seller_id", "version")}
    stack.publish(new_event(kind, data, producer="catalog_service"))


def cart(stack: OrderStack, headers: dict[str, str]) -> dict:
    response = requests.get(f"{stack.api}/api/cart", headers=headers, timeout=5)
    assert response.status_code == 200
    return response.json()


def put(stack: OrderStack, headers: dict[str, str], book_id: str, body: Any) -> requests.Response:
    return requests.put(
        f"{stack.api}/api/cart/items/{book_id}", json=body, headers=headers, timeout=5
    )


def test_an_older_book_event_never_rolls_the_read_model_back(order_stack: OrderStack) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller, price="10.00")
    book_event(order_stack, book, price="20.00", version=3)
    order_stack.wait_for_book(book, lambda row: row["version"] == 3)
    book_event(order_stack, book, price="15.00", version=2)  # late, older
    book_event(order_stack, book, kind="book.deleted", version=2)  # late, older
    time.sleep(1.0)  # both consumers have long taken them
    row = order_stack.wait_for_book(book, lambda row: row["version"] == 3)
    assert str(row["price"]) == "20.00" and not row["deleted"]
    book_event(order_stack, book, title="Dune Messiah", price="21.00", version=4)
    row = order_stack.wait_for_book(book, lambda row: row["version"] == 4)
    assert (row["title"], str(row["price"])) == ("Dune Messiah", "21.00")


def test_the_cart_refuses_unknown_and_own_books_and_bad_quantities(
    order_stack: OrderStack,
) -> None:
    seller, seller_headers = order_stack.user()
    book = order_stack.list_book(seller)
    _, buyer = order_stack.user()
    assert (
        put(order_stack, buyer, "7d0f7a5e-0000-4000-8000-000000000000", {"quantity": 1}).status_code
        == 404
    )
    assert put(order_stack, seller_headers, book, {"quantity": 1}).status_code == 409
    for bad in ({"quantity": 0}, {"quantity": 100}, {"quantity": "2"}, {"quantity": 1, "x": 1}):
        refused = put(order_stack, buyer, book, bad)
        assert refused.status_code == 422, bad
        assert refused.json()["error"]["code"] == "validation_error"
    not_json = requests.put(
        f"{order_stack.api}/api/cart/items/{book}", data="quantity=1", headers=buyer, timeout=5
    )
    assert not_json.status_code == 415 and "error" in not_json.json()
    anonymous = requests.get(f"{order_stack.api}/api/cart", timeout=5)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"


def test_a_repriced_book_shows_its_new_price_with_a_notice(order_stack: OrderStack) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller, price="10.00", title="Emma")
    _, buyer = order_stack.user()
    assert put(order_stack, buyer, book, {"quantity": 2}).json()["total"] == "20.00"
    book_event(order_stack, book, price="12.00", version=2)
    order_stack.wait_for_book(book, lambda row: row["version"] == 2)
    seen = cart(order_stack, buyer)
    (item,) = seen["items"]
    assert item["unit_price"] == "12.00" and item["previous_unit_price"] == "10.00"
    assert item["subtotal"] == "24.00" and seen["total"] == "24.00"
    assert any("Emma" in notice and "12.00" in notice for notice in seen["notices"])


def test_a_sold_out_book_is_unavailable_and_cannot_be_checked_out(order_stack: OrderStack) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller, stock=1, title="Persuasion")
    _, buyer = order_stack.user()
    put(order_stack, buyer, book, {"quantity": 1})
    book_event(order_stack, book, stock=0, version=2)
    order_stack.wait_for_book(book, lambda row: row["stock"] == 0)
    seen = cart(order_stack, buyer)
    assert seen["items"][0]["available"] is False and seen["total"] == "0.00"
    assert any("sold out" in notice for notice in seen["notices"])
    refused = order_stack.order(buyer, from_cart=True)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "conflict"


def test_a_deleted_book_leaves_every_cart_with_a_visible_notice(order_stack: OrderStack) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller, title="Middlemarch")
    other = order_stack.list_book(seller, title="Ulysses")
    _, buyer = order_stack.user()
    put(order_stack, buyer, book, {"quantity": 1})
    put(order_stack, buyer, other, {"quantity": 1})
    book_event(order_stack, book, kind="book.deleted", version=2)
    order_stack.wait_for_book(book, lambda row: row["deleted"])
    seen = cart(order_stack, buyer)
    assert [i["title"] for i in seen["items"]] == ["Ulysses"]
    assert any("Middlemarch" in notice for notice in seen["notices"])
    assert put(order_stack, buyer, book, {"quantity": 1}).status_code == 404
    refused = order_stack.order(buyer, items=[{"book_id": book, "quantity": 1}])
    assert refused.status_code == 404
    after_change = requests.delete(
        f"{order_stack.api}/api/cart/items/{other}", headers=buyer, timeout=5
    ).json()
    assert after_change["items"] == [] and after_change["notices"] == []


def test_checkout_refusals_use_the_error_shape_with_per_field_messages(
    order_stack: OrderStack,
) -> None:
    seller, seller_headers = order_stack.user()
    book = order_stack.list_book(seller, stock=2)
    _, buyer = order_stack.user()
    bad = requests.post(
        f"{order_stack.api}/api/orders",
        json={
            "items": [{"book_id": book, "quantity": 1}],
            "shipping_address": {
                "name": "A",
                "line1": "B",
                "city": "C",
                "postal_code": "1",
                "country": "ZZ",
            },
            "payment": {
                "card_number": "4242424242424241",
                "exp_month": 1,
                "exp_year": 2020,
                "cvc": "1",
                "holder": "A",
            },
        },
        headers=buyer,
        timeout=5,
    )
    assert bad.status_code == 422
    fields = bad.json()["error"]["fields"]
    assert {
        "shipping_address.country",
        "payment.card_number",
        "payment.exp_year",
        "payment.cvc",
    } <= set(fields)
    assert bad.json()["request_id"] == bad.headers["X-Request-Id"]
    own = order_stack.order(seller_headers, items=[{"book_id": book, "quantity": 1}])
    assert own.status_code == 409
    too_many = order_stack.order(buyer, items=[{"book_id": book, "quantity": 3}])
    assert too_many.status_code == 409 and "only 2 left" in too_many.json()["error"]["message"]
    unknown = order_stack.order(
        buyer, items=[{"book_id": "7d0f7a5e-0000-4000-8000-000000000000", "quantity": 1}]
    )
    assert unknown.status_code == 404
    empty = order_stack.order(buyer, from_cart=True)
    assert empty.status_code == 422 and "from_cart" in empty.json()["error"]["fields"]
    assert (
        order_stack.scalar(
            "SELECT COUNT(*) FROM simulated_payments WHERE status = 'authorized' "
            "AND reference NOT IN (SELECT id FROM orders)"
        )
        == 0
    )


def test_orders_are_listed_newest_first_with_strict_paging(order_stack: OrderStack) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller, stock=5)
    _, buyer = order_stack.user()
    ids = [
        order_stack.order(buyer, items=[{"book_id": book, "quantity": 1}]).json()["id"]
        for _ in range(3)
    ]
    listed = requests.get(
        f"{order_stack.api}/api/orders?per_page=2", headers=buyer, timeout=5
    ).json()
    assert listed["total"] == 3 and [o["id"] for o in listed["items"]] == ids[::-1][:2]
    for query in ("per_page=0", "per_page=101", "page=0", "page=x"):
        refused = requests.get(f"{order_stack.api}/api/orders?{query}", headers=buyer, timeout=5)
        assert refused.status_code == 422, query


def test_the_read_model_is_rebuilt_from_a_catalogue_republish(
    order_stack: OrderStack, tmp_path: Any
) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller, price="9.99", stock=7)
    with order_stack.catalogue.lock:
        books = [dict(b) for b in order_stack.catalogue.books.values()]
    (tmp_path / "books.json").write_text(json.dumps(books))
    env = {
        **os.environ,
        "ORDER_DATABASE_URL": order_stack.database_url,
        "RABBITMQ_URL": order_stack.rabbitmq_url,
        "EVENT_PREFIX": order_stack.topology.prefix,
        "ORDER_REPUBLISH_COMMAND": "python -m tests.support.order_harness "
        + str(tmp_path / "books.json"),
    }
    done = subprocess.run(
        [PYTHON, "-m", "order_service.rebuild_read_model"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    expected = {b["book_id"]: (b["title"], b["price"], b["stock"], b["version"]) for b in books}
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with order_stack.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT book_id, title, price, stock, version FROM books"
            ).all()
        got = {r[0]: (r[1], f"{r[2]:.2f}", r[3], r[4]) for r in rows}
        if got == expected:
            break
        time.sleep(0.1)
    assert got == expected
    assert book in got
