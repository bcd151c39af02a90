"""`make load`: shoppers with a realistic mix, through the gateway of a running system.

    .venv/bin/locust -f bench/locustfile.py --headless -u 20 -r 4 -t 60s \\
        --host http://127.0.0.1:8080 --csv bench/results/load --only-summary

Weights: browse 10, search 4, view a book 6, cart 2, checkout 1. Each simulated shopper
registers and signs in once, browses what is in stock, puts books in a cart and checks out
with the approving test card (an Idempotency-Key on every checkout). Answers the shop gives on
purpose (a book sold out meanwhile: 409; a book the order read model has not seen yet: 404)
count as successes; anything else, 5xx above all, as a failure.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from locust import HttpUser, between, task

WORDS = ["history", "war", "love", "murder", "science", "magic", "rome", "poems", "sea", "city"]
CARD = {
    "card_number": "4242424242424242",
    "exp_month": 12,
    "exp_year": 2031,
    "cvc": "123",
    "holder": "Load Shopper",
}
ADDRESS = {
    "name": "Load Shopper",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}


class Shopper(HttpUser):
    host = "http://127.0.0.1:8080"
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.book_ids: list[str] = []
        email = f"load.{uuid.uuid4().hex[:12]}@example.com"
        body = {"email": email, "password": "correct horse battery", "name": "Load Shopper"}
        self.client.post("/api/auth/register", json=body, name="/api/auth/register")
        answer = self.client.post(
            "/api/auth/login", json={"email": email, "password": body["password"]}
        )
        token = answer.json().get("access_token", "") if answer.ok else ""
        self.auth = {"Authorization": f"Bearer {token}"}
        self.browse()

    def _remember(self, page: dict[str, Any]) -> None:
        fresh = [b["id"] for b in page.get("items", []) if b.get("stock", 0) > 0]
        self.book_ids = (fresh + self.book_ids)[:200]

    @task(10)
    def browse(self) -> None:
        page = random.randint(1, 10)
        answer = self.client.get(f"/api/books?page={page}&per_page=20", name="/api/books?page")
        if answer.ok:
            self._remember(answer.json())

    @task(4)
    def search(self) -> None:
        answer = self.client.get(f"/api/books?q={random.choice(WORDS)}", name="/api/books?q")
        if answer.ok:
            self._remember(answer.json())

    @task(6)
    def view_book(self) -> None:
        if self.book_ids:
            self.client.get(f"/api/books/{random.choice(self.book_ids)}", name="/api/books/{id}")

    @task(2)
    def cart(self) -> None:
        if not self.book_ids:
            return
        book_id = random.choice(self.book_ids)
        with self.client.put(
            f"/api/cart/items/{book_id}",
            json={"quantity": 1},
            headers=self.auth,
            name="/api/cart/items/{id}",
            catch_response=True,
        ) as answer:
            if answer.status_code in (200, 404, 409):
                answer.success()
        self.client.get("/api/cart", headers=self.auth, name="/api/cart")

    @task(1)
    def checkout(self) -> None:
        if not self.book_ids:
            return
        body = {
            "items": [{"book_id": random.choice(self.book_ids), "quantity": 1}],
            "shipping_address": ADDRESS,
            "payment": CARD,
        }
        headers = {**self.auth, "Idempotency-Key": str(uuid.uuid4())}
        with self.client.post(
            "/api/orders", json=body, headers=headers, name="/api/orders", catch_response=True
        ) as answer:
            if answer.status_code in (202, 404, 409):
                answer.success()
