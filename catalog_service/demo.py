"""`python -m catalog_service.demo`: load the demo catalogue once (`make run` calls it).

Books go through the service's own use case (create_book: validation, outbox), so book.created
events flow to every read model. Ids are derived from title and author, so a second run finds
every book there and does nothing. Demo sellers are registered through the auth API at
GATEWAY_URL when it answers (so one can sign in as them), with auto-ship on; otherwise fixed ids
are used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from catalog_service import service
from catalog_service.config import from_env
from catalog_service.db import Database
from catalog_service.models import Book
from catalog_service.validation import clean_book
from shared.web.tokens import User

log = logging.getLogger(__name__)
BOOKS_FILE = Path(__file__).with_name("demo_books.json")
NAMESPACE = uuid.UUID("6f1c2b1e-3f0e-4d8a-9a51-8d1b5cbd0b7e")
DEMO_PASSWORD = "demo-books-2026"
SELLERS = ["Riverside Secondhand", "Marta Kowalska", "Tom Okafor", "Priya Raman", "The Book Barn"]
CONDITIONS = [("like_new", 15), ("very_good", 30), ("good", 35), ("acceptable", 15), ("new", 5)]
FACTOR = {"new": "1.6", "like_new": "1.3", "very_good": "1.0", "good": "0.8", "acceptable": "0.55"}
BASE_PRICE = {
    "Computing": 24,
    "Cookery": 14,
    "Science & Nature": 11,
    "History": 12,
    "Children's": 6,
}


def book_id(entry: dict[str, Any]) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{entry['title']}|{entry['author']}"))


def listing_fields(entry: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A plausible used copy: condition, price and stock vary per book, the same every run."""
    condition = rng.choices([c for c, _ in CONDITIONS], [w for _, w in CONDITIONS])[0]
    base = Decimal(BASE_PRICE.get(entry["category"], 8)) + Decimal(rng.randint(0, 900)) / 100
    price = (base * Decimal(FACTOR[condition])).quantize(Decimal("0.01"))
    return clean_book(
        {
            "title": entry["title"],
            "author": entry["author"],
            "category": entry["category"],
            "description": entry["description"],
            "condition": condition,
            "price": str(max(price, Decimal("1.00"))),
            "stock": rng.choice([1, 1, 1, 1, 2, 2, 3, 5]),
            "language": "en",
            "published_year": entry["year"] if entry["year"] > 0 else None,
        },
        partial=False,
    )


def demo_seller(name: str, gateway_url: str) -> User:
    """The seller's account, registered (or signed in) through the gateway when it answers."""
    email = f"{name.lower().replace(' ', '.')}@demo.bookstore.example"
    fallback = User(id=str(uuid.uuid5(NAMESPACE, email)), email=email, name=name, jti="", exp=0)
    body = {"email": email, "password": DEMO_PASSWORD, "name": name}
    try:
        response = requests.post(f"{gateway_url}/api/auth/register", json=body, timeout=5)
        if response.status_code == 409:
            body.pop("name")
            response = requests.post(f"{gateway_url}/api/auth/login", json=body, timeout=5)
        response.raise_for_status()
        user_id = str(response.json()["user"]["id"])
    except (requests.RequestException, KeyError, ValueError) as exc:
        log.warning("demo seller %s: auth API not usable (%s); using a fixed id", name, exc)
        return fallback
    turn_on_auto_ship(gateway_url, email)
    return User(id=user_id, email=email, name=name, jti="", exp=0)


def turn_on_auto_ship(gateway_url: str, email: str) -> None:
    """Demo sellers let the simulated carrier ship for them, so `make run` shows whole journeys."""
    body = {"email": email, "password": DEMO_PASSWORD}
    try:
        login = requests.post(f"{gateway_url}/api/auth/login", json=body, timeout=5)
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        settings = {"auto_ship": True}
        put = requests.put(
            f"{gateway_url}/api/me/seller-settings", json=settings, headers=headers, timeout=5
        )
        put.raise_for_status()
    except (requests.RequestException, KeyError, ValueError) as exc:
        log.warning("demo seller %s: auto-ship not turned on (%s)", email, exc)


def load(*, sessions: service.Sessions, gateway_url: str) -> int:
    """Create every demo book that does not exist yet; returns how many were created."""
    entries = json.loads(BOOKS_FILE.read_text(encoding="utf-8"))
    ids = [book_id(entry) for entry in entries]
    with sessions() as session:
        existing = set(session.scalars(select(Book.id).where(Book.id.in_(ids))))
    sellers = [demo_seller(name, gateway_url) for name in SELLERS]  # auto-ship on, every run
    if len(existing) == len(ids):  # loaded before (perhaps by a release without auto-ship)
        return 0
    order = list(range(len(entries)))
    random.Random(7).shuffle(order)  # so the newest-first page mixes categories
    created = 0
    for position in order:
        entry, bid = entries[position], ids[position]
        if bid in existing:
            continue
        rng = random.Random(hashlib.sha256(bid.encode()).digest())
        seller = sellers[int(hashlib.sha256(bid.encode()).hexdigest(), 16) % len(sellers)]
        try:
            service.create_book(
                sessions=sessions,
                seller=seller,
                fields=listing_fields(entry, rng),
                correlation_id="demo-catalogue",
                book_id=bid,
            )
            created += 1
        except IntegrityError:  # another loader got there first
            continue
    return created


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = from_env()
    db = Database(config.database_url)
    created = load(sessions=db.session, gateway_url=config.gateway_url.rstrip("/"))
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(Book)) or 0
    print(f"demo catalogue: {created} book(s) created, {total} in the catalogue")
    db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
