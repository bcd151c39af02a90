"""The route table covers every route of docs/api.md, and the OpenAPI document matches it."""

from __future__ import annotations

import re
import time

import pytest
import schemathesis

from api_gateway import routes
from api_gateway.openapi import document
from shared.events import new_event
from shared.events.topology import Topology
from shared.web.errors import ApiError
from shared.web.revocations import Denylist, FollowerGuard, RevocationFollower

# Every row of docs/api.md (method, path, upstream, signed in?), written out as the contract.
API_MD = [
    ("POST", "/api/auth/register", "auth", False),
    ("POST", "/api/auth/login", "auth", False),
    ("POST", "/api/auth/logout", "auth", True),
    ("GET", "/api/auth/me", "auth", True),
    ("POST", "/api/auth/refresh", "auth", False),
    ("POST", "/api/auth/password-reset", "auth", False),
    ("POST", "/api/auth/password-reset/confirm", "auth", False),
    ("GET", "/api/books", "catalog", False),
    ("GET", "/api/books/{id}", "catalog", False),
    ("POST", "/api/books", "catalog", True),
    ("PATCH", "/api/books/{id}", "catalog", True),
    ("DELETE", "/api/books/{id}", "catalog", True),
    ("PUT", "/api/books/{id}/cover", "catalog", True),
    ("GET", "/api/books/{id}/cover", "catalog", False),
    ("GET", "/api/categories", "catalog", False),
    ("GET", "/api/me/books", "catalog", True),
    ("GET", "/api/cart", "order", True),
    ("PUT", "/api/cart/items/{id}", "order", True),
    ("DELETE", "/api/cart/items/{id}", "order", True),
    ("POST", "/api/orders", "order", True),
    ("GET", "/api/orders", "order", True),
    ("GET", "/api/orders/{id}", "order", True),
    ("POST", "/api/orders/{id}/cancel", "order", True),
    ("GET", "/api/me/sales", "order", True),
    ("GET", "/api/me/favourites", "notification", True),
    ("PUT", "/api/me/favourites/{id}", "notification", True),
    ("DELETE", "/api/me/favourites/{id}", "notification", True),
    ("GET", "/api/me/wants", "notification", True),
    ("POST", "/api/me/wants", "notification", True),
    ("DELETE", "/api/me/wants/{id}", "notification", True),
    ("GET", "/api/wants/demand", "notification", False),
    ("GET", "/api/me/notifications", "notification", True),
    ("GET", "/api/me/notifications/unread-count", "notification", True),
    ("POST", "/api/me/notifications/read", "notification", True),
    ("GET", "/api/me/preferences", "notification", True),
    ("PUT", "/api/me/preferences", "notification", True),
    ("GET", "/api/books/{id}/recommendations", "catalog", False),
    ("GET", "/api/books/suggest", "catalog", False),
    ("GET", "/api/me/sales/summary", "order", True),
    ("GET", "/api/me/sales.csv", "order", True),
    ("GET", "/api/me/shipments", "order", True),
    ("POST", "/api/shipments/{id}/ship", "order", True),
    ("POST", "/api/shipments/{id}/cancel", "order", True),
    ("POST", "/api/orders/{id}/shipments/{id}/received", "order", True),
    ("POST", "/api/orders/{id}/shipments/{id}/review", "order", True),
    ("GET", "/api/me/seller-settings", "order", True),
    ("PUT", "/api/me/seller-settings", "order", True),
    ("GET", "/api/sellers/{id}", "catalog", False),
    ("GET", "/api/sellers/{id}/reviews", "catalog", False),
    ("GET", "/api/me/balance", "order", True),
    ("GET", "/api/me/balance/entries", "order", True),
    ("POST", "/api/me/payouts", "order", True),
]


@pytest.mark.parametrize("method,path,upstream,protected", API_MD)
def test_every_api_md_route_is_in_the_table(method, path, upstream, protected) -> None:
    route = routes.resolve(method, path.replace("{id}", "0b1c7a56-5f0e-4a8e-9b44-3f7f2a1d9e10"))
    assert (route.upstream, route.protected) == (upstream, protected)


def test_the_table_holds_nothing_api_md_lacks() -> None:
    table = {(m, re.sub(r"\{[a-z_]+\}", "{id}", r.path)) for r in routes.ROUTES for m in r.methods}
    assert table == {(m, p) for m, p, _, _ in API_MD}


def test_head_is_answered_like_get_and_unknown_methods_are_405() -> None:
    assert routes.resolve("HEAD", "/api/books").upstream == "catalog"
    with pytest.raises(ApiError) as caught:
        routes.resolve("PUT", "/api/orders")
    assert caught.value.status == 405


def test_a_path_with_dot_segments_or_extra_segments_is_404() -> None:
    for path in ("/api/books/../orders", "/api/books/1/cover/extra", "/api/books/", "/api"):
        with pytest.raises(ApiError) as caught:
            routes.resolve("GET", path)
        assert caught.value.status == 404


def test_the_openapi_document_has_exactly_the_routes_of_the_table() -> None:
    documented = {(m.upper(), p) for p, ops in document()["paths"].items() for m in ops}
    table = {(m, r.path) for r in routes.ROUTES for m in r.methods} | set(routes.LOCAL_ROUTES)
    assert documented == table


def test_protected_operations_require_a_bearer_token_and_document_401() -> None:
    paths = document()["paths"]
    for route in routes.ROUTES:
        for method in route.methods:
            operation = paths[route.path][method.lower()]
            assert (operation["security"] == [{"bearer": []}]) is route.protected, route
            assert ("401" in operation["responses"]) or not route.protected, route


def test_every_error_response_uses_the_one_error_shape() -> None:
    doc = document()
    for name, response in doc["components"]["responses"].items():
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }, name
    for ops in doc["paths"].values():
        for operation in ops.values():
            for status in operation["responses"]:
                if status >= "400":
                    assert operation["responses"][status]["$ref"].endswith(f"E{status}")


def test_the_document_is_valid_openapi_that_schemathesis_can_fuzz() -> None:
    schema = schemathesis.openapi.from_dict(document())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(ops) for ops in document()["paths"].values())


def test_request_bodies_reject_unknown_fields_as_the_api_does() -> None:
    schemas = document()["components"]["schemas"]
    for name in (
        "RegisterRequest",
        "LoginRequest",
        "BookCreate",
        "BookPatch",
        "CartQuantity",
        "OrderCreate",
    ):
        assert schemas[name]["additionalProperties"] is False, name


def test_the_denylist_forgets_tokens_once_they_expired() -> None:
    denylist = Denylist()
    now = time.time()
    denylist.add_all([("old", int(now) - 3600), ("fresh", int(now) + 600)])
    assert "old" in denylist and denylist.purge(now) == 1
    assert "old" not in denylist and "fresh" in denylist


def test_the_follower_adds_each_broadcast_revocation_and_skips_malformed_ones() -> None:
    denylist = Denylist()
    follower = RevocationFollower(
        denylist=denylist, fetch=list, rabbitmq_url="amqp://unused", topology=Topology("t.")
    )
    event = new_event(
        "auth.token_revoked", {"jti": "j9", "exp": 2_000_000_000}, producer="auth_service"
    )
    follower._on_message(None, None, None, event.to_json().encode())
    follower._on_message(None, None, None, b"{not json")
    follower._on_message(None, None, None, b'{"id": "x", "type": "auth.token_revoked"}')
    assert "j9" in denylist and len(denylist) == 1


def test_the_follower_is_started_once_per_process() -> None:
    started: list[int] = []

    class Fake:
        def start(self) -> None:
            started.append(1)

    guard = FollowerGuard(lambda: Fake())  # type: ignore[arg-type, return-value]
    guard.ensure_started()
    guard.ensure_started()
    assert started == [1]


def test_a_literal_path_hides_the_template_it_also_fits() -> None:
    assert routes.allowed_methods("/api/books/suggest") == ["GET"]
    with pytest.raises(ApiError) as caught:
        routes.resolve("PATCH", "/api/books/suggest")
    assert caught.value.status == 405 and caught.value.headers["Allow"] == "GET"
    assert routes.resolve("PATCH", "/api/books/0b1c7a56-5f0e-4a8e-9b44-3f7f2a1d9e10").protected
