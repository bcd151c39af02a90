"""Data and repairs for the API fuzzing (test_gateway_openapi_fuzz.py): the real resources that
generated ids are swapped for, and the rules beyond a JSON Schema that schema-valid (positive)
cases are made to follow so that the services may accept them."""

from __future__ import annotations

import hashlib
import io
import itertools
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests
from PIL import Image
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation

from tests.support.system import System, auth_header

PASSWORD = "correct horse battery"  # System.register_and_login's
TODAY = datetime.now(UTC)
_KEYS = itertools.count(1)


@dataclass
class Fixtures:
    """The fuzzed user and the real resources generated ids are sometimes swapped for."""

    gateway_url: str
    token: str
    email: str
    own_books: list[str]
    other_books: list[str]
    orders: list[str]


def book(system: System, token: str, title: str, stock: int = 5) -> str:
    created = requests.post(
        system.api("/api/books"),
        headers=auth_header(token),
        timeout=10,
        json={
            "title": title,
            "author": "Fuzz Author",
            "condition": "good",
            "price": "9.99",
            "stock": stock,
            "category": "Reference",
            "isbn": "978-0-306-40615-7",
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def image(kind: str = "PNG", size: tuple[int, int] = (60, 90)) -> bytes:
    image = io.BytesIO()
    Image.new("RGB", size, "navy").save(image, kind)
    return image.getvalue()


def cover(system: System, token: str, book_id: str) -> None:
    uploaded = requests.put(
        system.api(f"/api/books/{book_id}/cover"),
        data=image(),
        headers={**auth_header(token), "Content-Type": "image/png"},
        timeout=10,
    )
    assert uploaded.status_code == 200, uploaded.text


def order(gateway_url: str, token: str, book_id: str) -> str:
    """An order of `book_id`, placed once order_service's read model knows the book."""
    body = {
        "items": [{"book_id": book_id, "quantity": 1}],
        "shipping_address": {
            "name": "Fuzz Buyer",
            "line1": "1 Random Road",
            "city": "Lyon",
            "postal_code": "69001",
            "country": "FR",
        },
        "payment": {
            "card_number": "4242424242424242",
            "exp_month": 12,
            "exp_year": 2030,
            "cvc": "123",
            "holder": "Fuzz Buyer",
        },
    }
    deadline = time.monotonic() + 30
    while True:
        placed = requests.post(
            f"{gateway_url}/api/orders", json=body, headers=auth_header(token), timeout=10
        )
        if placed.status_code == 202 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert placed.status_code == 202, placed.text
    return str(placed.json()["id"])


def _pick(generated: str, real: list[str]) -> str:
    """A real id for about 3/4 of the generated values (deterministically), else the value."""
    digest = hashlib.sha256(generated.encode("utf-8", "surrogatepass")).digest()
    if digest[0] % 4 == 0:
        return generated
    return real[digest[1] % len(real)]


def _path_is_negative(case: Any) -> bool:
    """A deliberately invalid path parameter stays as generated (the case must stay invalid)."""
    if case.meta is None:
        return False
    path = case.meta.components.get(ParameterLocation.PATH)
    return path is not None and path.mode is GenerationMode.NEGATIVE


def resolve_ids(case: Any, data: Fixtures) -> None:
    params = case.path_parameters or {}
    if _path_is_negative(case):
        return
    if isinstance(params.get("book_id"), str):
        # Own books twice as likely: editing, deleting and covers need one to succeed; the
        # first two are never deleted, so the operations after DELETE still find some.
        deleting = case.operation.method.upper() == "DELETE" and "/cart/" not in case.path
        own = data.own_books[2:] if deleting else data.own_books
        params["book_id"] = _pick(params["book_id"], own * 2 + data.other_books)
    if isinstance(params.get("order_id"), str):
        params["order_id"] = _pick(params["order_id"], data.orders)
        if params["order_id"] in data.orders and case.operation.path.endswith("/cancel"):
            # The fixture's order ships within seconds: cancelling needs a fresh one.
            params["order_id"] = order(data.gateway_url, data.token, data.other_books[0])


def _luhn_fixed(number: str) -> str:
    """`number` with its last digit replaced so that the digits pass the Luhn check."""
    digits = [int(c) for c in number if c.isdigit()]
    total = sum(
        (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
        for i, d in enumerate(reversed(digits[:-1] + [0]))
    )
    check = str((10 - total % 10) % 10)
    last = max(i for i, c in enumerate(number) if c.isdigit())
    return number[:last] + check + number[last + 1 :]


def _repair_payment(payment: dict[str, Any]) -> None:
    """A generated card that passes the Luhn check and has not expired (no schema can say so)."""
    if isinstance(payment.get("card_number"), str):
        payment["card_number"] = _luhn_fixed(payment["card_number"])
    year = payment.get("exp_year")
    if isinstance(year, int) and (year + 2000 if year < 100 else year) <= TODAY.year:
        payment["exp_year"] = 2100


def repair_positive(case: Any, data: Fixtures) -> None:
    """Schema-valid values that break rules beyond a JSON Schema, made valid: ISBN check digits,
    card numbers (Luhn) and expiry, min_price <= max_price, a cart to order from, a fresh
    Idempotency-Key, a registration password that is not on the common list nor the e-mail, a
    payout no larger than the money the fixture made available."""
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return
    body, query = case.body, case.query or {}
    if isinstance(body, dict):
        if isinstance(body.get("isbn"), str) and body["isbn"].strip(" \t-"):
            body["isbn"] = "978-0-306-40615-7"
        if isinstance(body.get("payment"), dict):
            _repair_payment(body["payment"])
        _resolve_items(body.get("items") or [], data)
        if body.get("from_cart") is True:
            _fill_cart(data)
        if case.operation.path == "/api/me/payouts":  # a cent: the fixture's sale covers it
            body["amount"] = "0.01"
        if case.operation.path == "/api/me/wants" and not any(
            isinstance(body.get(k), str) and body[k].strip(" \t-")
            for k in ("isbn", "title", "author")
        ):  # a want names something (a rule across fields no schema states)
            body["title"] = "Dune"
        if case.operation.path == "/api/auth/register" and isinstance(body.get("password"), str):
            body["password"] = f"{body['password'][:1000]} #{next(_KEYS)} not common"
    if isinstance(query.get("isbn"), str):  # a check digit no schema can say (demand)
        query["isbn"] = "978-0-306-40615-7"
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str):  # a key reused with another body is a 422, as the IETF draft says
        case.headers["Idempotency-Key"] = f"{key[:240]}-{next(_KEYS)}"
    low, high = query.get("min_price"), query.get("max_price")
    if isinstance(low, str) and isinstance(high, str) and low.strip() and high.strip():
        if Decimal(low) > Decimal(high):
            query["min_price"], query["max_price"] = high, low


def delivered_sale(gateway_url: str, buyer_token: str, book_id: str) -> None:
    """A sale of `book_id` delivered to `buyer_token`'s user, so its seller has money available
    (its seller ships automatically: System.register_and_login turns auto-ship on)."""
    order_id = order(gateway_url, buyer_token, book_id)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = requests.get(
            f"{gateway_url}/api/orders/{order_id}", headers=auth_header(buyer_token), timeout=10
        ).json()
        if found.get("status") == "delivered":
            return
        time.sleep(0.2)
    raise AssertionError(f"order {order_id} never delivered")


def _resolve_items(items: list[Any], data: Fixtures) -> None:
    """Some ordered books made real ones; each book still once (a repeated one is a 422)."""
    seen: set[str] = set()
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("book_id"), str):
            real = _pick(item["book_id"], data.own_books + data.other_books * 2)
            item["book_id"] = real if real not in seen else item["book_id"]
            seen.add(item["book_id"])


def _fill_cart(data: Fixtures) -> None:
    """Ordering from the cart needs something in it (an empty cart is a 422)."""
    requests.put(
        f"{data.gateway_url}/api/cart/items/{data.other_books[1]}",
        json={"quantity": 1},
        headers=auth_header(data.token),
        timeout=10,
    ).raise_for_status()
