"""Favourites, wants and notifications through the gateway, on the whole stack: the events come
from the real catalogue and order services, the e-mails go to the stack's mail catcher."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

from tests.e2e.test_order_journey import checkout
from tests.support.system import System, auth_header

ISBN13 = "9780441172719"


def wait_for(check: Callable[[], Any], timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.1)
    return result


def mails(system: System, to: str) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{system.ports.mail_http}/api/messages"
    return requests.get(url, params={"to": to}, timeout=5).json()["items"]


def inbox(system: System, token: str) -> list[dict[str, Any]]:
    page = requests.get(system.api("/api/me/notifications"), headers=auth_header(token), timeout=10)
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


def sell(system: System, token: str, **fields: Any) -> dict[str, Any]:
    body = {
        "title": f"Dune {uuid.uuid4().hex[:6]}",
        "author": "Frank Herbert",
        "condition": "very_good",
        "price": "20.00",
        "stock": 2,
        "category": "Science Fiction",
        **fields,
    }
    created = requests.post(
        system.api("/api/books"), json=body, headers=auth_header(token), timeout=10
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_a_want_a_favourite_and_an_order_notify_in_the_inbox_and_by_mail(system: System) -> None:
    seller, seller_token = system.register_and_login("Seller")
    buyer, buyer_token = system.register_and_login("Buyer")
    buyer_auth = auth_header(buyer_token)
    demand = lambda: requests.get(  # noqa: E731
        system.api("/api/wants/demand"), params={"isbn": ISBN13}, timeout=10
    ).json()["wanting"]
    before = demand()
    want = requests.post(
        system.api("/api/me/wants"),
        json={"isbn": "0-441-17271-7", "max_price": "25"},
        headers=buyer_auth,
        timeout=10,
    )
    assert want.status_code == 201, want.text
    assert demand() == before + 1

    book = sell(system, seller_token, isbn=ISBN13)
    wait_for(lambda: [n for n in inbox(system, buyer_token) if n["kind"] == "want_matched"])
    match = next(n for n in inbox(system, buyer_token) if n["kind"] == "want_matched")
    assert match["link"] == f"/books/{book['id']}"
    wants = requests.get(system.api("/api/me/wants"), headers=buyer_auth, timeout=10).json()
    assert [m["book_id"] for m in wants["items"][0]["matches"]] == [book["id"]]

    hearted = requests.put(
        system.api(f"/api/me/favourites/{book['id']}"), headers=buyer_auth, timeout=10
    )
    assert hearted.status_code == 200 and hearted.json()["price_when_added"] == "20.00"
    cheaper = requests.patch(
        system.api(f"/api/books/{book['id']}"),
        json={"price": "15.00"},
        headers=auth_header(seller_token),
        timeout=10,
    )
    assert cheaper.status_code == 200
    wait_for(
        lambda: [n for n in inbox(system, buyer_token) if n["kind"] == "favourite_price_dropped"]
    )

    order = requests.post(
        system.api("/api/orders"),
        json=checkout(items=[{"book_id": book["id"], "quantity": 1}]),
        headers=buyer_auth,
        timeout=10,
    )
    assert order.status_code == 202, order.text
    kinds = lambda: {n["kind"] for n in inbox(system, buyer_token)}  # noqa: E731
    wait_for(lambda: {"order_placed", "order_paid"} <= kinds())
    seller_inbox = wait_for(lambda: inbox(system, seller_token))
    assert [n["kind"] for n in seller_inbox] == ["sale_made"]
    # Each notification by e-mail, once: want match, price drop, placed, paid (and later ones).
    wait_for(lambda: len(mails(system, buyer["email"])) >= 4)
    seen = [(m["subject"], m["text"]) for m in mails(system, buyer["email"])]
    assert len(seen) == len(set(seen))  # never the same notification twice
    assert any(f"/books/{book['id']}" in m["text"] for m in mails(system, buyer["email"]))
    assert mails(system, seller["email"])


def test_the_inbox_counts_unread_and_marks_read(system: System) -> None:
    seller, seller_token = system.register_and_login("Seller")
    _, buyer_token = system.register_and_login("Reader")
    book = sell(system, seller_token)
    auth = auth_header(buyer_token)
    wait_for(
        lambda: (
            requests.put(
                system.api(f"/api/me/favourites/{book['id']}"), headers=auth, timeout=10
            ).status_code
            == 200
        )
    )
    for price in ("18.00", "17.00"):
        requests.patch(
            system.api(f"/api/books/{book['id']}"),
            json={"price": price},
            headers=auth_header(seller_token),
            timeout=10,
        )
    count = lambda: requests.get(  # noqa: E731
        system.api("/api/me/notifications/unread-count"), headers=auth, timeout=10
    ).json()["unread"]
    wait_for(lambda: count() == 2)
    read = requests.post(
        system.api("/api/me/notifications/read"), json={"all": True}, headers=auth, timeout=10
    )
    assert read.json() == {"unread": 0}
    assert (
        requests.post(
            system.api("/api/me/notifications/read"), json={}, headers=auth, timeout=10
        ).status_code
        == 422
    )
    assert requests.get(system.api("/api/me/notifications"), timeout=10).status_code == 401


def test_favourites_wants_and_preferences_answer_their_errors(system: System) -> None:
    seller, seller_token = system.register_and_login("Seller")
    _, token = system.register_and_login("Shopper")
    auth = auth_header(token)
    book = sell(system, seller_token)
    unknown = requests.put(
        system.api(f"/api/me/favourites/{uuid.uuid4()}"), headers=auth, timeout=10
    )
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"

    def own_refused() -> list[requests.Response]:
        answer = requests.put(
            system.api(f"/api/me/favourites/{book['id']}"),
            headers=auth_header(seller_token),
            timeout=10,
        )
        return [answer] if answer.status_code == 409 else []

    own = wait_for(own_refused)[0]
    assert own.json()["error"]["code"] == "conflict"
    gone = requests.delete(system.api(f"/api/me/favourites/{book['id']}"), headers=auth, timeout=10)
    assert gone.status_code == 204
    bad = requests.post(system.api("/api/me/wants"), json={"isbn": "123"}, headers=auth, timeout=10)
    assert bad.status_code == 422 and "isbn" in bad.json()["error"]["fields"]
    missing = requests.delete(system.api(f"/api/me/wants/{uuid.uuid4()}"), headers=auth, timeout=10)
    assert missing.status_code == 404
    prefs = requests.get(system.api("/api/me/preferences"), headers=auth, timeout=10).json()
    assert prefs == {"email": {"orders": True, "sales": True, "wants": True, "favourites": True}}
    off = requests.put(
        system.api("/api/me/preferences"),
        json={"email": {"favourites": False}},
        headers=auth,
        timeout=10,
    )
    assert off.status_code == 200 and off.json()["email"]["favourites"] is False
    assert (
        requests.get(system.api("/api/wants/demand"), params={"isbn": "x"}, timeout=10).status_code
        == 422
    )
