"""The gateway in-process with fake upstreams: routing, token checks, headers, limits, CORS."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

import api_gateway
from api_gateway import create_app
from api_gateway.clients import UpstreamBroken, UpstreamDown, UpstreamTimeout
from api_gateway.config import from_env
from api_gateway.proxy import Gateway
from shared.events.topology import Topology
from shared.web.revocations import Revocations
from tests.support.tokens import TokenMinter, access_claims


@dataclass
class FakeUpstream:
    """Records what the gateway sends and answers with a canned response (or raises)."""

    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    raises: Exception | None = None
    sent: list[dict] = field(default_factory=list)

    def send(
        self, method: str, path_and_query: str, *, headers, body, timeout
    ) -> requests.Response:
        self.sent.append(
            {
                "method": method,
                "path": path_and_query,
                "headers": dict(headers),
                "body": body,
                "timeout": timeout,
            }
        )
        if self.raises is not None:
            raise self.raises
        response = requests.Response()
        response.status_code, response._content = self.status, self.body
        response.headers.update(self.headers)
        return response


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> TokenMinter:
    """An in-memory key pair the gateway trusts: its public key file is the one file it would
    read at start, so the loader is handed the verifier directly and the tier stays I/O-free."""
    minter = TokenMinter.create()
    monkeypatch.setattr(api_gateway, "load_verifier", lambda *_, **__: minter.verifier())
    return minter


def make_app(keys: TokenMinter, **env: str) -> Flask:
    config = from_env({"GATEWAY_FOLLOW_REVOCATIONS": "false", **env})
    app = create_app(config)
    gw: Gateway = app.extensions["gateway"]
    gw.upstreams.update({name: FakeUpstream() for name in ("auth", "catalog", "order")})  # type: ignore[misc]
    return app


@pytest.fixture
def app(keys: TokenMinter) -> Flask:
    return make_app(keys)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    yield app.test_client()


def upstream(app: Flask, name: str) -> FakeUpstream:
    return app.extensions["gateway"].upstreams[name]


def token(keys: TokenMinter, jti: str = "j1", **overrides: object) -> str:
    return keys.sign(access_claims("u1", "A", email="a@x.io", jti=jti, **overrides))


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def test_a_public_route_goes_to_its_upstream_with_path_and_query_unchanged(app, client) -> None:
    response = client.get("/api/books?q=dune&page=2")
    assert response.status_code == 200 and response.json == {"ok": True}
    assert upstream(app, "catalog").sent[0]["path"] == "/api/books?q=dune&page=2"


@pytest.mark.parametrize(
    "method,path,name",
    [
        ("GET", "/api/cart", "order"),
        ("GET", "/api/me/sales", "order"),
        ("GET", "/api/me/books", "catalog"),
        ("GET", "/api/auth/me", "auth"),
    ],
)
def test_protected_routes_forward_a_valid_token(app, client, keys, method, path, name) -> None:
    good = token(keys)
    assert client.open(path, method=method, headers=bearer(good)).status_code == 200
    assert upstream(app, name).sent[0]["headers"]["Authorization"] == f"Bearer {good}"


def test_a_protected_route_without_a_token_is_401_and_never_forwarded(app, client) -> None:
    response = client.get("/api/orders")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert upstream(app, "order").sent == []


def test_a_revoked_token_is_refused_locally(app, client, keys) -> None:
    app.extensions["gateway"].revocations.denylist.add("revoked-jti", int(time.time()) + 900)
    response = client.get("/api/auth/me", headers=bearer(token(keys, jti="revoked-jti")))
    assert response.status_code == 401 and upstream(app, "auth").sent == []


@pytest.mark.parametrize(
    "bad",
    [
        "not-a-jwt",
        "Basic abc",
    ],
)
def test_malformed_authorization_on_a_protected_route_is_401(client, bad) -> None:
    assert client.get("/api/cart", headers={"Authorization": bad}).status_code == 401


def test_an_expired_token_is_401(client, keys) -> None:
    expired = token(keys, exp=int(time.time()) - 60)
    assert client.get("/api/cart", headers=bearer(expired)).status_code == 401


def test_an_invalid_token_on_a_public_route_is_dropped_not_forwarded(app, client) -> None:
    assert client.get("/api/books", headers=bearer("forged")).status_code == 200
    assert "Authorization" not in upstream(app, "catalog").sent[0]["headers"]


def test_client_identity_and_hop_by_hop_headers_are_not_forwarded(app, client, keys) -> None:
    client.get(
        "/api/cart",
        headers={
            **bearer(token(keys)),
            "X-User-Id": "admin",
            "X-Forwarded-For": "6.6.6.6",
            "Connection": "close",
            "X-Request-Id": "client-request-0001",
        },
    )
    sent = upstream(app, "order").sent[0]["headers"]
    assert "X-User-Id" not in sent and "Connection" not in sent
    assert sent["X-Forwarded-For"] == "127.0.0.1"
    assert sent["X-Request-Id"] == "client-request-0001"


def test_a_missing_or_unreasonable_request_id_is_replaced(app, client) -> None:
    response = client.get("/api/books", headers={"X-Request-Id": "bad id with spaces\x01"})
    forwarded = upstream(app, "catalog").sent[0]["headers"]["X-Request-Id"]
    assert forwarded != "bad id with spaces\x01"
    assert response.headers["X-Request-Id"] == forwarded


def test_hop_by_hop_response_headers_are_stripped(app, client) -> None:
    upstream(app, "catalog").headers.update(
        {"Connection": "close", "Keep-Alive": "timeout=5", "ETag": '"v3"'}
    )
    response = client.get("/api/books")
    assert "Keep-Alive" not in response.headers and response.headers["ETag"] == '"v3"'


def test_an_upstream_error_passes_through_with_its_status(app, client) -> None:
    upstream(app, "catalog").status, upstream(app, "catalog").body = 422, b'{"error": {}}'
    assert client.post("/api/books", headers=bearer("x")).status_code == 401  # token first
    assert client.get("/api/books").status_code == 422


@pytest.mark.parametrize(
    "failure,status,code",
    [
        (UpstreamDown("down"), 503, "upstream_unavailable"),
        (UpstreamTimeout("slow"), 504, "upstream_timeout"),
        (UpstreamBroken("bad"), 502, "upstream_unavailable"),
    ],
)
def test_upstream_failures_answer_in_the_error_shape(app, client, failure, status, code) -> None:
    upstream(app, "catalog").raises = failure
    response = client.get("/api/books")
    assert response.status_code == status
    assert response.json["error"]["code"] == code and response.json["request_id"]


def test_unknown_routes_are_404_and_wrong_methods_405_in_the_error_shape(client) -> None:
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    wrong = client.delete("/api/books")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET, POST"
    assert client.get("/api/books/../auth/me").status_code == 404
    assert client.put("/api/openapi.json").status_code == 405
    assert client.options("/api/openapi.json").headers["Allow"] == "GET"
    assert client.get("/internal/revocations").status_code == 404


def test_a_body_over_the_route_limit_is_413(app, client, keys) -> None:
    response = client.post(
        "/api/books",
        data=b"x" * (1024 * 1024 + 1),
        headers={**bearer(token(keys)), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert upstream(app, "catalog").sent == []


def test_a_cover_may_be_larger_than_a_json_body(app, client, keys) -> None:
    response = client.put(
        "/api/books/b1/cover",
        data=b"x" * (3 * 1024 * 1024),
        headers={**bearer(token(keys)), "Content-Type": "image/png"},
    )
    assert response.status_code == 200
    assert upstream(app, "catalog").sent[0]["timeout"] == 30.0


def test_cors_is_off_unless_configured(client) -> None:
    response = client.get("/api/books", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert (
        client.options(
            "/api/books",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        ).status_code
        == 405
    )


def test_a_configured_origin_gets_cors_headers_and_preflights(keys) -> None:
    client = make_app(keys, CORS_ORIGINS="https://shop.example").test_client()
    preflight = client.options(
        "/api/books",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    other = client.get("/api/books", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def feed_down(app: Flask) -> None:
    """Revocations whose broker feed is not live (never started here: the tier does no I/O)."""
    gw: Gateway = app.extensions["gateway"]
    old = gw.revocations
    gw.revocations = Revocations(
        fetch=list,
        ask=old.ask,
        rabbitmq_url="amqp://unused",
        topology=Topology("t."),
        client_name="test",
    )
    gw.revocations.start = lambda: None  # type: ignore[method-assign]
    assert not gw.revocations.live


def test_while_the_feed_is_down_auth_is_asked_and_a_revoked_token_refused(keys) -> None:
    app = make_app(keys)
    feed_down(app)
    upstream(app, "auth").body = b'{"revoked": true}'
    response = app.test_client().get("/api/me/books", headers=bearer(token(keys, jti="j-77")))
    assert response.status_code == 401
    assert upstream(app, "auth").sent[0]["path"] == "/internal/revocations/j-77"
    assert upstream(app, "catalog").sent == []


def test_while_the_feed_is_down_a_token_auth_knows_as_live_is_forwarded(keys) -> None:
    app = make_app(keys)
    feed_down(app)
    upstream(app, "auth").body = b'{"revoked": false}'
    response = app.test_client().get("/api/me/books", headers=bearer(token(keys)))
    assert response.status_code == 200 and len(upstream(app, "catalog").sent) == 1


def test_when_neither_the_feed_nor_auth_can_answer_protected_routes_are_503(keys) -> None:
    app = make_app(keys)
    feed_down(app)
    upstream(app, "auth").raises = UpstreamDown("auth is down")
    client = app.test_client()
    refused = client.get("/api/cart", headers=bearer(token(keys)))
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
    assert upstream(app, "order").sent == []
    public = client.get("/api/books", headers=bearer(token(keys)))  # goes on anonymously
    assert public.status_code == 200
    assert "Authorization" not in upstream(app, "catalog").sent[0]["headers"]


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(keys) -> None:
    app = make_app(keys, GATEWAY_TRUSTED_PROXIES="127.0.0.0/8, 10.0.0.0/8")
    client = app.test_client()
    sent = upstream(app, "catalog").sent
    client.get("/api/books", headers={"X-Forwarded-For": "6.6.6.6, 9.9.9.9, 10.0.0.2"})
    client.get("/api/books", headers={"X-Forwarded-For": "not-an-ip"})
    client.get("/api/books")
    client.get("/api/books", headers={"X-Forwarded-For": "10.0.0.7"})
    assert [s["headers"]["X-Forwarded-For"] for s in sent] == [
        "9.9.9.9",
        "not-an-ip",
        "127.0.0.1",
        "10.0.0.7",
    ]
