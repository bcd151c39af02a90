"""A checkout load that keeps buying through the gateway while a test breaks something.

Each client thread behaves like a careful shop client: every checkout carries an
Idempotency-Key, and a request that fails for want of an answer (connection error, timeout,
5xx) is sent again with the same key until it gets a definite one (202, 402, 404, 409, 422) or
`patience` seconds pass. So "nothing lost" is checkable from the outside: every checkout the
load started ends with an answer, and every 202 names an order the database holds.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

ADDRESS = {
    "name": "F. Aults",
    "line1": "1 Chaos Lane",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}
CARD_OK, CARD_CAPTURE_FAILS = "4242424242424242", "4000000000000341"
DEFINITE = {200, 202, 402, 404, 409, 422}


def checkout_body(items: list[dict[str, Any]], card: str = CARD_OK) -> dict[str, Any]:
    return {
        "items": items,
        "shipping_address": ADDRESS,
        "payment": {
            "card_number": card,
            "exp_month": 12,
            "exp_year": 2031,
            "cvc": "123",
            "holder": "F. Aults",
        },
    }


def in_error_shape(response: requests.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("error"), dict)


@dataclass
class Outcomes:
    """What the load saw, shared by its threads (guarded by `lock`)."""

    accepted: list[str] = field(default_factory=list)
    answers: Counter[int] = field(default_factory=Counter)
    retries: int = 0
    unresolved: list[str] = field(default_factory=list)
    bad_shape: list[str] = field(default_factory=list)  # refusals not in the API error shape
    lock: threading.Lock = field(default_factory=threading.Lock)


class CheckoutLoad:
    """`clients` threads placing (and now and then cancelling) orders until the block exits."""

    def __init__(
        self,
        gateway_url: str,
        tokens: list[str],
        book_ids: list[str],
        *,
        pause: float = 0.05,
        patience: float = 60.0,
    ) -> None:
        self.gateway_url, self.tokens, self.book_ids = gateway_url, tokens, book_ids
        self.pause, self.patience = pause, patience
        self.outcomes = Outcomes()
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._client, args=(i,), daemon=True)
            for i in range(len(tokens))
        ]

    def __enter__(self) -> CheckoutLoad:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(self.patience + 15)

    def _client(self, index: int) -> None:
        rng = random.Random(index)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.tokens[index]}"
        while not self.stop.is_set():
            chosen = rng.sample(self.book_ids, k=rng.choice([1, 1, 2]))
            items = [{"book_id": b, "quantity": rng.choice([1, 1, 2])} for b in chosen]
            card = CARD_CAPTURE_FAILS if rng.random() < 0.1 else CARD_OK
            order = self._checkout(session, checkout_body(items, card))
            if order is not None and rng.random() < 0.1:
                self._send(session, f"/api/orders/{order['id']}/cancel", None, {})
            time.sleep(self.pause)

    def _checkout(self, session: requests.Session, body: dict[str, Any]) -> dict[str, Any] | None:
        key = str(uuid.uuid4())
        response = self._send(session, "/api/orders", body, {"Idempotency-Key": key})
        if response is None:
            with self.outcomes.lock:
                self.outcomes.unresolved.append(key)
            return None
        if response.status_code != 202:
            return None
        order: dict[str, Any] = response.json()
        with self.outcomes.lock:
            self.outcomes.accepted.append(order["id"])
        return order

    def _send(
        self,
        session: requests.Session,
        path: str,
        body: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> requests.Response | None:
        """POST until a definite answer; None if `patience` ran out first."""
        deadline = time.monotonic() + self.patience
        while time.monotonic() < deadline:
            try:
                response = session.post(
                    self.gateway_url + path, json=body, headers=headers, timeout=15
                )
            except requests.RequestException:
                response = None
            if response is not None:
                with self.outcomes.lock:
                    self.outcomes.answers[response.status_code] += 1
                    if response.status_code >= 400 and not in_error_shape(response):
                        self.outcomes.bad_shape.append(f"{response.status_code} {response.text}")
                if response.status_code in DEFINITE:
                    return response
            with self.outcomes.lock:
                self.outcomes.retries += 1
            time.sleep(0.5)
        return None
