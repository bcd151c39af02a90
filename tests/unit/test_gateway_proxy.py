"""The gateway in-process with fake upstreams: routing, token checks, headers, limits, CORS."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jwt
import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from api_gateway import create_app
from api_gateway.clients import UpstreamBroken, UpstreamDown, UpstreamTimeout
from api_gateway.config import from_env
from api_gateway.proxy import Gateway
from scripts.keys import ensure_key_pair


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
def keys(tmp_path: Path) -> Path:
    ensure_key_pair(tmp_path / "private.pem", tmp_path / "public.pem")
    return tmp_path


def make_app(keys: Path, **env: str) -> Flask:
    config = from_env(
        {
            "JWT_PUBLIC_KEY_FILE": str(keys / "public.pem"),
            "GATEWAY_FOLLOW_REVOCATIONS": "false",
            **env,
        }
    )
    app = create_app(config)
    gw: Gateway = app.extensions["gateway"]
    gw.denylist.synced.set()
    gw.upstreams = {name: FakeUpstream() for name in ("auth", "catalog", "order")}  # type: ignore[misc]
    return app


@pytest.fixture
def app(keys: Path) -> Flask:
    return make_app(keys)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    yield app.test_client()


def upstream(app: Flask, name: str) -> FakeUpstream:
    return app.extensions["gateway"].upstreams[name]


def token(keys: Path, jti: str = "j1", **overrides: object) -> str:
    now = int(time.time())
    claims = {
        "sub": "u1",
        "email": "a@x.io",
        "name": "A",
        "jti": jti,
        "iat": now,
        "exp": now + 900,
        "iss": "bookstore-auth",
        "aud": "bookstore",
        "typ": "access",
    }
    claims.update(overrides)
    return jwt.encode(claims, (keys / "private.pem").read_text(), algorithm="EdDSA")


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
    app.extensions["gateway"].denylist.add("revoked-jti", int(time.time()) + 900)
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


def test_a_protected_request_waits_for_the_first_revocation_sync(keys) -> None:
    app = make_app(keys, GATEWAY_REVOCATION_SYNC_WAIT="0.1")
    app.extensions["gateway"].denylist.synced.clear()
    response = app.test_client().get("/api/cart", headers=bearer(token(keys)))
    assert response.status_code == 503


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
