"""The catalogue through the gateway, with every process running (two replicas of each)."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
from PIL import Image

from catalog_service import demo
from tests.support.system import System, auth_header

ADDRESS = {
    "name": "B. Buyer",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}
CARD_OK, CARD_CAPTURE_FAILS = "4242424242424242", "4000000000000341"


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.3)
    raise TimeoutError("condition not met in time")


@pytest.fixture(scope="module")
def seller(system: System) -> tuple[dict, dict[str, str]]:
    user, token = system.register_and_login("Gateway Seller")
    return user, auth_header(token)


def list_book(system: System, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {
        "title": "Gateway Book",
        "author": "E. Tester",
        "condition": "good",
        "price": "7.25",
        **fields,
    }
    response = requests.post(system.api("/api/books"), json=body, headers=headers, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def book(system: System, book_id: str) -> dict[str, Any]:
    return requests.get(system.api(f"/api/books/{book_id}"), timeout=10).json()


def test_a_seller_lists_edits_covers_and_deletes_a_book(system: System, seller: tuple) -> None:
    user, headers = seller
    created = list_book(system, headers, isbn="978-0-306-40615-7")
    assert created["seller_id"] == user["id"] and created["seller_name"] == "Gateway Seller"
    patched = requests.patch(
        system.api(f"/api/books/{created['id']}"), json={"price": 9}, headers=headers, timeout=10
    )
    assert patched.status_code == 200 and patched.json()["price"] == "9.00"
    image = io.BytesIO()
    Image.new("RGB", (30, 40), "navy").save(image, "PNG")
    covered = requests.put(
        system.api(f"/api/books/{created['id']}/cover"),
        data=image.getvalue(),
        headers={**headers, "Content-Type": "image/png"},
        timeout=30,
    )
    assert covered.status_code == 200, covered.text
    served = requests.get(system.api(covered.json()["cover_url"]), timeout=10)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
    _, intruder = system.register_and_login("Intruder")
    denied = requests.delete(
        system.api(f"/api/books/{created['id']}"), headers=auth_header(intruder), timeout=10
    )
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    deleted = requests.delete(
        system.api(f"/api/books/{created['id']}"), headers=headers, timeout=10
    )
    assert deleted.status_code == 204
    assert requests.get(system.api(f"/api/books/{created['id']}"), timeout=10).status_code == 404


def test_search_finds_a_new_listing_and_survives_hostile_text(
    system: System, seller: tuple
) -> None:
    word = f"zyx{uuid.uuid4().hex[:8]}"
    created = list_book(system, seller[1], title=f"The {word} Chronicles")
    found = requests.get(system.api("/api/books"), params={"q": word}, timeout=10).json()
    assert [b["id"] for b in found["items"]] == [created["id"]]
    for hostile in ("*", '"', "' OR 1=1 --", "+-<>()~", "x" * 2000, "📚" * 100):
        response = requests.get(system.api("/api/books"), params={"q": hostile}, timeout=10)
        assert response.status_code in (200, 422), response.text


def place_order(system: System, book_id: str, quantity: int, card: str) -> dict[str, Any]:
    _, token = system.register_and_login("Buyer")
    body = {
        "items": [{"book_id": book_id, "quantity": quantity}],
        "shipping_address": ADDRESS,
        "payment": {
            "card_number": card,
            "exp_month": 12,
            "exp_year": 2030,
            "cvc": "123",
            "holder": "B. Buyer",
        },
    }
    headers = {**auth_header(token), "Idempotency-Key": str(uuid.uuid4())}

    def accepted() -> requests.Response | None:  # the order read model learns the book async
        response = requests.post(system.api("/api/orders"), json=body, headers=headers, timeout=10)
        return response if response.status_code == 202 else None

    return wait_for(accepted).json()


def test_a_paid_order_takes_stock_and_a_failed_capture_gives_it_back(
    system: System, seller: tuple
) -> None:
    listed = list_book(system, seller[1], stock=3)
    place_order(system, listed["id"], 2, CARD_OK)
    wait_for(lambda: book(system, listed["id"])["stock"] == 1)
    assert book(system, listed["id"])["version"] == listed["version"] + 1
    place_order(system, listed["id"], 1, CARD_CAPTURE_FAILS)
    # reserved (stock 0), then the capture fails, the order is cancelled and catalog releases it
    wait_for(lambda: book(system, listed["id"])["version"] >= listed["version"] + 3)
    assert book(system, listed["id"])["stock"] == 1


def test_demo_sellers_get_real_accounts_through_the_auth_api(system: System) -> None:
    name = f"Demo Seller {uuid.uuid4().hex[:6]}"
    first = demo.demo_seller(name, system.gateway_url)
    again = demo.demo_seller(name, system.gateway_url)  # already registered: signs in instead
    offline = demo.demo_seller(name, "http://127.0.0.1:9")
    assert first.id == again.id != offline.id
    login = requests.post(
        system.api("/api/auth/login"),
        json={"email": first.email, "password": demo.DEMO_PASSWORD},
        timeout=10,
    )
    assert login.status_code == 200 and login.json()["user"]["id"] == first.id


def test_covers_over_5_mb_are_413_through_the_gateway(system: System, seller: tuple) -> None:
    created = list_book(system, seller[1])
    url = system.api(f"/api/books/{created['id']}/cover")
    headers = {**seller[1], "Content-Type": "image/png"}
    for size in (5 * 1024 * 1024 + 1, 7 * 1024 * 1024):  # caught by catalog, then by gateway
        response = requests.put(url, data=b"\0" * size, headers=headers, timeout=30)
        assert response.status_code == 413, (size, response.text)
        assert response.json()["error"]["code"] == "payload_too_large"
    not_image = requests.put(url, data=b"hello", headers=headers, timeout=30)
    assert not_image.status_code == 422 and not_image.json()["error"]["fields"]
