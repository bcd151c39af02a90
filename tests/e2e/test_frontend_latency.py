"""How fast the shop's pages answer through the whole stack: figures, not verdicts.

The percentiles are printed (run with -s) for the record; what is asserted is that every one of
the timed requests answered the page it asked for. A wall-clock bound here would test the
machine (2 shared cores in CI), not the code; `make bench` is where speed is measured.
"""

from __future__ import annotations

import statistics
import time

import pytest
import requests

from tests.support.system import System, auth_header

pytestmark = pytest.mark.bench


def timings(session: requests.Session, url: str, expected: str, n: int = 40) -> list[float]:
    session.get(url, timeout=10)  # warm the pools
    out = []
    for _ in range(n):
        started = time.perf_counter()
        page = session.get(url, timeout=10)
        out.append((time.perf_counter() - started) * 1000)
        assert page.status_code == 200 and expected in page.text, url
    return sorted(out)


def test_catalogue_search_and_book_pages_are_timed_over_forty_requests_each(
    system: System,
) -> None:
    _, token = system.register_and_login("Latency Seller")
    created = requests.post(
        system.api("/api/books"),
        headers=auth_header(token),
        timeout=10,
        json={
            "title": "Timing Is Everything",
            "author": "A. Clock",
            "category": "Science & Nature",
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
        ms = timings(session, system.frontend_url + path, "Timing Is Everything")
        p50, p95 = statistics.median(ms), ms[int(len(ms) * 0.95) - 1]
        print(f"\nfrontend {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(ms)} requests")
