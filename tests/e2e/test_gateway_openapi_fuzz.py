"""Schemathesis fuzzes every operation of /api/openapi.json through the running gateway (2 api
replicas per service): zero 5xx, only documented statuses, bodies and headers as documented,
schema-valid input accepted and schema-invalid input refused (all of schemathesis's checks).

Requests carry the Bearer token of a registered user who owns a few books; another user owns
others and the fuzzed user has an order, so generated ids sometimes resolve to real resources
(own book, someone else's book, own order) and the 200/403/409 paths are reached, not only 404.

Adapted on purpose:
- Every case speaks for a client address of its own (X-Forwarded-For, believed from 127.0.0.1 in
  the e2e stack), so the fuzzed logins and registrations are judged on their input, not refused
  because the one address every e2e test shares was throttled.
- POST /api/auth/logout revokes the token it is sent: each call gets a fresh token of its own.

Reproducible: derandomized Hypothesis, no example database, a bounded number of examples per
operation (FUZZ_EXAMPLES, default 25).
"""

from __future__ import annotations

import itertools
import json
import os
from collections import Counter, defaultdict
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from api_gateway.openapi import document
from tests.e2e import fuzz_support as fuzz
from tests.support.system import System, auth_header, logs_dir

pytestmark = pytest.mark.timeout(600)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
ANSWERS: defaultdict[str, Counter[int]] = defaultdict(Counter)  # operation -> status -> count
# Operations on an id that must have reached a real resource at least once.
REACHES_REAL_RESOURCES = (
    "GET /api/books/{book_id}",
    "PATCH /api/books/{book_id}",
    "DELETE /api/books/{book_id}",
    "PUT /api/cart/items/{book_id}",
    "GET /api/books/{book_id}/cover",
    "PUT /api/books/{book_id}/cover",
    "GET /api/orders/{order_id}",
    "POST /api/orders/{order_id}/cancel",
)

schema = schemathesis.openapi.from_dict(document())
CLIENTS = itertools.count(1)  # a fresh client address per case (see the module docstring)
# The token is sent on every request (below); requests without it or with a bad one are the
# `ignored_auth` check's job, so generated cases do not mutate the security parameters.
schema.config.generation.update(with_security_parameters=False)


def _images(kind: str) -> st.SearchStrategy[bytes]:
    """Real images: a cover must decode, which no schema can say (random bytes are a 422)."""
    sizes = st.integers(min_value=1, max_value=64)
    return st.builds(lambda w, h: fuzz.image(kind, (w, h)), sizes, sizes)


for _media, _kind in (("image/png", "PNG"), ("image/jpeg", "JPEG"), ("image/webp", "WEBP")):
    schemathesis.openapi.media_type(_media, _images(_kind))


def _operations() -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _label(operation: Any) -> str:
    return f"{operation.method.upper()} {operation.path}"


@pytest.fixture(scope="module")
def fixtures(system: System) -> fuzz.Fixtures:
    user, token = system.register_and_login("Fuzz Seller")
    _, other = system.register_and_login("Other Seller")
    own = [fuzz.book(system, token, f"Fuzzed own book {n}") for n in range(4)]
    others = [fuzz.book(system, other, f"Someone else's book {n}", stock=10_000) for n in range(3)]
    orders = [fuzz.order(system.gateway_url, token, others[0])]
    fuzz.delivered_sale(system.gateway_url, other, own[1])  # money for the payouts
    for book_id in (own[0], others[2]):
        fuzz.cover(system, token if book_id in own else other, book_id)
    return fuzz.Fixtures(system.gateway_url, token, user["email"], own, others, orders)


def _token_for(case: Any, system: System, data: fuzz.Fixtures) -> str:
    """Logout revokes the token it is sent: it gets a fresh one of its own each call."""
    if case.operation.path != "/api/auth/logout":
        return data.token
    login = requests.post(
        system.api("/api/auth/login"),
        json={"email": data.email, "password": fuzz.PASSWORD},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    return str(login.json()["access_token"])


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(  # type: ignore[no-untyped-def]
    case, system: System, fixtures: fuzz.Fixtures
) -> None:
    fuzz.resolve_ids(case, fixtures)
    fuzz.repair_positive(case, fixtures)
    headers = auth_header(_token_for(case, system, fixtures))
    client = next(CLIENTS)
    headers["X-Forwarded-For"] = f"10.{client >> 16 & 255}.{client >> 8 & 255}.{client & 255}"
    response = case.call_and_validate(
        base_url=system.gateway_url, session=requests.Session(), headers=headers
    )
    ANSWERS[_label(case.operation)][response.status_code] += 1


def test_the_fuzzing_reached_every_operation_and_real_resources(
    request: pytest.FixtureRequest,
) -> None:
    """Runs after the fuzzing: every operation was called, and the id swapping reached real
    books and orders (2xx), not only 404s. The tally goes to the e2e log directory."""
    items = request.session.items
    fuzzing = items[: items.index(request.node)]
    fuzzed_items = [  # each item's name carries its operation: "...[GET /api/books]"
        i
        for i in fuzzing
        if i.originalname == "test_every_operation_answers_as_documented"  # type: ignore[attr-defined]
    ]
    if len(fuzzed_items) < len(_operations()):  # says so in the skip report, never passes empty
        pytest.skip("the tally needs every operation's fuzzing selected before it in this run")
    (logs_dir() / "openapi_fuzz.json").write_text(
        json.dumps({op: dict(sorted(c.items())) for op, c in sorted(ANSWERS.items())}, indent=1)
    )
    fuzzed = {_label(o) for o in _operations()}
    assert fuzzed == set(ANSWERS), "every operation got at least one validated answer"
    for op in REACHES_REAL_RESOURCES:
        assert any(200 <= code < 300 for code in ANSWERS[op]), (op, dict(ANSWERS[op]))


def test_the_served_document_is_the_one_the_route_table_is_checked_against(
    system: System,
) -> None:
    served = requests.get(system.api("/api/openapi.json"), timeout=10)
    assert served.status_code == 200 and served.json() == document()
