"""Discovery and insight through the gateway with every process running: recommendations
learnt from a real paid order, suggestions, search that forgives, facets, and the seller's
summary and CSV agreeing with /api/me/sales."""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal

import requests

from tests.e2e.test_order_journey import SOLD, checkout, list_book, wait_for, wait_status
from tests.support.system import System, auth_header


def get(system: System, path: str, **kw: object) -> requests.Response:
    return requests.get(system.api(path), timeout=10, **kw)  # type: ignore[arg-type]


def test_a_paid_order_makes_its_books_bought_together_and_shows_in_the_sellers_figures(
    system: System,
) -> None:
    _, seller_token = system.register_and_login("Discovery Seller")
    _, buyer_token = system.register_and_login("Discovery Buyer")
    word = f"zq{uuid.uuid4().hex[:6]}"
    first = list_book(system, seller_token, stock=5, title=f"{word} Alpha", price="10.00")
    second = list_book(system, seller_token, stock=5, title=f"{word} Beta", price="4.50")
    items = [{"book_id": first, "quantity": 2}, {"book_id": second, "quantity": 1}]
    placed = requests.post(
        system.api("/api/orders"),
        json=checkout(items=items),
        headers=auth_header(buyer_token),
        timeout=10,
    )
    assert placed.status_code == 202, placed.text
    wait_status(system, buyer_token, placed.json()["id"], SOLD)

    def bought_with_first() -> list[str]:
        rows = get(system, f"/api/books/{first}/recommendations").json()
        return [b["id"] for b in rows["also_bought"]]

    wait_for(lambda: bought_with_first() == [second], "catalogue learnt the purchase")
    back = get(system, f"/api/books/{second}/recommendations").json()
    assert [b["id"] for b in back["also_bought"]] == [first]
    own = get(system, f"/api/books/{second}/recommendations", headers=auth_header(seller_token))
    assert own.json()["also_bought"] == []  # never the viewer's own listings

    headers = auth_header(seller_token)
    figures = get(system, "/api/me/sales/summary?days=1", headers=headers).json()
    assert (figures["revenue"], figures["orders"], figures["items_sold"]) == ("24.50", 1, 3)
    sales = get(system, "/api/me/sales", headers=headers).json()["items"]
    assert sum(Decimal(s["subtotal"]) for s in sales if s["status"] in SOLD) == Decimal("24.50")
    exported = get(system, "/api/me/sales.csv", headers=headers)
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert len(rows) == 1 + 2 and rows[0][0] == "order_id"


def test_suggestions_search_and_facets_through_the_gateway(system: System) -> None:
    _, token = system.register_and_login("Discovery Lister")
    word = f"Quorvath{uuid.uuid4().hex[:4]}"
    made = requests.post(
        system.api("/api/books"),
        json={
            "title": f"{word} Chronicles",
            "author": "Ilse Tolkien",
            "condition": "good",
            "price": "6.00",
            "category": "fantasy",
        },
        headers=auth_header(token),
        timeout=10,
    ).json()
    suggested = get(system, "/api/books/suggest", params={"q": word[:6]}).json()["items"]
    assert any(s["book_id"] == made["id"] and s["kind"] == "title" for s in suggested)
    assert get(system, "/api/books/suggest?q=a").status_code == 422
    found = get(system, "/api/books", params={"q": word, "facets": "true"}).json()
    assert found["items"][0]["id"] == made["id"]
    assert {"name": "Fantasy", "count": 1} in found["facets"]["category"]
    assert get(system, f"/api/books/{uuid.uuid4()}/recommendations").status_code == 404
