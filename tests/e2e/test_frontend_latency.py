"""How fast the shop's pages answer through the whole stack (figures printed with -s)."""

from __future__ import annotations

import statistics
import time

import pytest
import requests

from tests.support.system import System, auth_header

pytestmark = pytest.mark.bench


def timings(session: requests.Session, url: str, n: int = 40) -> list[float]:
    session.get(url, timeout=10)  # warm the pools
    out = []
    for _ in range(n):
        started = time.perf_counter()
        assert session.get(url, timeout=10).status_code == 200
        out.append((time.perf_counter() - started) * 1000)
    return sorted(out)


def test_catalogue_and_book_pages_answer_within_a_fraction_of_a_second(system: System) -> None:
    _, token = system.register_and_login("Latency Seller")
    created = requests.post(
        system.api("/api/books"),
        headers=auth_header(token),
        timeout=10,
        json={
            "title": "Timing Is Everything",
            "author": "A. Clock",
            "category": "Science",
            "condition": "good",
            "price": "5.00",
            "stock": 5,
        },
    )
    assert created.status_code == 201, created.text
    session = requests.Session()
    for name, path in (
        ("home", "/"),
        ("search", "/?q=timing"),
        ("book", f"/books/{created.json()['id']}"),
    ):
        ms = timings(session, system.frontend_url + path)
        p50, p95 = statistics.median(ms), ms[int(len(ms) * 0.95) - 1]
        print(f"\nfrontend {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(ms)} requests")
        assert p95 < 1000
