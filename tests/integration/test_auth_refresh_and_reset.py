"""Refresh tokens and password reset against the real MariaDB (docs/api.md, Accounts):
rotation, reuse detection revoking the family, logout revoking the family, hashed storage,
sliding expiry; the reset's 202 without enumeration, its single-use one-hour token, throttling,
and the revocation of every access and refresh token of the account."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from auth_service import create_app
from auth_service.config import Config
from auth_service.models import PasswordReset, RefreshToken, outbox
from tests.support.auth import auth_config

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(scope="module")
def config(database_factory, rabbitmq_url, tmp_path_factory) -> Config:  # type: ignore[no-untyped-def]
    keys = tmp_path_factory.mktemp("auth_refresh_keys")
    return auth_config(database_factory, rabbitmq_url, keys, "auth_refresh")


@pytest.fixture(scope="module")
def app(config: Config) -> Iterator[Flask]:
    app = create_app(config)
    yield app
    app.extensions["db"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_counter = iter(range(1_000_000))


def new_email() -> str:
    return f"refresher{next(_counter)}.{time.monotonic_ns()}@example.com"


def signed_up(client: FlaskClient, ip: str = "10.9.0.1") -> tuple[str, dict]:  # type: ignore[type-arg]
    email = new_email()
    body = {"email": email, "password": PASSWORD, "name": "Reader"}
    assert client.post("/api/auth/register", json=body).status_code == 201
    login = client.post(
        "/api/auth/login",
        json={"email": email, "password": PASSWORD},
        headers={"X-Forwarded-For": ip},
    )
    assert login.status_code == 200
    return email, login.json  # type: ignore[return-value]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refresh(client: FlaskClient, token: str):  # type: ignore[no-untyped-def]
    return client.post("/api/auth/refresh", json={"refresh_token": token})


def me(client: FlaskClient, access: str) -> int:
    return client.get("/api/auth/me", headers=bearer(access)).status_code


def test_login_returns_a_refresh_token_that_rotates_into_a_new_pair(client) -> None:
    _, login = signed_up(client)
    assert isinstance(login["refresh_token"], str) and len(login["refresh_token"]) >= 32
    response = refresh(client, login["refresh_token"])
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and 0 < body["expires_in"] <= 900
    assert body["refresh_token"] != login["refresh_token"]
    assert me(client, body["access_token"]) == 200
    assert refresh(client, body["refresh_token"]).status_code == 200  # the next one works too


def test_a_spent_refresh_token_presented_again_revokes_its_whole_family(client) -> None:
    _, login = signed_up(client)
    first = refresh(client, login["refresh_token"]).json
    second = refresh(client, first["refresh_token"]).json
    replay = refresh(client, login["refresh_token"])  # stolen and replayed
    assert replay.status_code == 401 and replay.json["error"]["code"] == "unauthorized"
    assert refresh(client, second["refresh_token"]).status_code == 401  # the family is revoked
    for access in (login["access_token"], first["access_token"], second["access_token"]):
        assert me(client, access) == 401


def test_other_sign_ins_survive_a_family_revocation(client) -> None:
    email, login = signed_up(client)
    other = client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json
    refresh(client, login["refresh_token"])
    refresh(client, login["refresh_token"])  # reuse: only this sign-in's family goes
    assert me(client, other["access_token"]) == 200
    assert refresh(client, other["refresh_token"]).status_code == 200


@pytest.mark.parametrize(
    "body, status",
    [
        ({"refresh_token": "not-a-token-we-issued"}, 401),
        ({"refresh_token": ""}, 422),
        ({"refresh_token": 42}, 422),
        ({"refresh_token": "x" * 500}, 422),
        ({}, 422),
        ({"refresh_token": "abc", "extra": 1}, 422),
    ],
)
def test_unknown_or_malformed_refresh_tokens_are_refused(client, body, status) -> None:
    response = client.post("/api/auth/refresh", json=body)
    assert response.status_code == status
    assert "error" in response.json


def test_logout_revokes_the_refresh_token_family_too(client) -> None:
    _, login = signed_up(client)
    rotated = refresh(client, login["refresh_token"]).json
    assert (
        client.post("/api/auth/logout", headers=bearer(rotated["access_token"])).status_code == 204
    )
    assert refresh(client, rotated["refresh_token"]).status_code == 401
    assert me(client, login["access_token"]) == 401  # the family's earlier access token too


def test_refresh_tokens_are_stored_hashed_and_expire_slidingly(client, app, config) -> None:
    _, login = signed_up(client)
    sessions = app.extensions["db"].session
    with sessions() as session:
        rows = session.scalars(select(RefreshToken)).all()
        assert all(login["refresh_token"] not in row.token_hash for row in rows)
    now = datetime.now(UTC).replace(tzinfo=None)
    rotated = refresh(client, login["refresh_token"]).json
    with sessions() as session:
        newest = session.scalars(
            select(RefreshToken).order_by(RefreshToken.issued_at.desc()).limit(1)
        ).one()
    ttl = timedelta(seconds=config.refresh_token_ttl)
    assert config.refresh_token_ttl == 14 * 24 * 3600
    assert abs((newest.expires_at - now) - ttl) < timedelta(seconds=30)
    with sessions.begin() as session:  # let it expire
        session.execute(update(RefreshToken).values(expires_at=now - timedelta(seconds=1)))
    assert refresh(client, rotated["refresh_token"]).status_code == 401


def reset_events(app: Flask, email: str) -> list[dict]:  # type: ignore[type-arg]
    with app.extensions["db"].engine.connect() as connection:
        rows = connection.execute(
            select(outbox.c.payload).where(outbox.c.event_type == "auth.password_reset_requested")
        ).all()
    events = [json.loads(row[0]) for row in rows]
    return [e["data"] for e in events if e["data"]["email"] == email]


def test_a_reset_is_202_for_known_and_unknown_emails_alike(client, app) -> None:
    email, _ = signed_up(client)
    known = client.post(
        "/api/auth/password-reset",
        json={"email": email.upper()},
        headers={"X-Forwarded-For": "10.8.0.1"},
    )
    unknown = client.post(
        "/api/auth/password-reset",
        json={"email": new_email()},
        headers={"X-Forwarded-For": "10.8.0.2"},
    )
    assert known.status_code == unknown.status_code == 202
    assert known.data == unknown.data == b""
    [event] = reset_events(app, email)
    assert set(event) == {"user_id", "email", "name", "token", "link", "expires_at"}
    assert event["link"] == "/reset-password?token=" + event["token"]  # a frontend path
    with app.extensions["db"].session() as session:
        stored = session.scalars(select(PasswordReset.token_hash)).all()
    assert event["token"] not in stored  # only its hash


def test_a_reset_sets_the_password_once_and_revokes_every_token(client, app) -> None:
    email, login = signed_up(client, ip="10.8.1.1")
    other = client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json
    client.post(
        "/api/auth/password-reset", json={"email": email}, headers={"X-Forwarded-For": "10.8.1.2"}
    )
    [event] = reset_events(app, email)
    weak = client.post(
        "/api/auth/password-reset/confirm", json={"token": event["token"], "password": "short"}
    )
    assert weak.status_code == 422 and "password" in weak.json["error"]["fields"]
    body = {"token": event["token"], "password": NEW_PASSWORD}
    assert client.post("/api/auth/password-reset/confirm", json=body).status_code == 204
    for pair in (login, other):
        assert me(client, pair["access_token"]) == 401
        assert refresh(client, pair["refresh_token"]).status_code == 401
    used = client.post("/api/auth/password-reset/confirm", json=body)
    assert used.status_code == 401 and used.json["error"]["code"] == "unauthorized"
    old = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    new = client.post("/api/auth/login", json={"email": email, "password": NEW_PASSWORD})
    assert old.status_code == 401 and new.status_code == 200


def test_a_reset_token_expires_after_an_hour_and_unknown_ones_are_refused(client, app) -> None:
    email, _ = signed_up(client, ip="10.8.2.1")
    client.post(
        "/api/auth/password-reset", json={"email": email}, headers={"X-Forwarded-For": "10.8.2.2"}
    )
    [event] = reset_events(app, email)
    with app.extensions["db"].session() as session:
        row = session.scalars(
            select(PasswordReset).where(PasswordReset.user_id == event["user_id"])
        ).one()
    assert timedelta(minutes=59) < row.expires_at - row.created_at <= timedelta(hours=1)
    with app.extensions["db"].session.begin() as session:
        session.execute(
            update(PasswordReset)
            .where(PasswordReset.user_id == event["user_id"])
            .values(expires_at=datetime(2000, 1, 1))
        )
    body = {"token": event["token"], "password": NEW_PASSWORD}
    assert client.post("/api/auth/password-reset/confirm", json=body).status_code == 401
    unknown = {"token": "made-up", "password": NEW_PASSWORD}
    assert client.post("/api/auth/password-reset/confirm", json=unknown).status_code == 401
    # An unknown token is a 401 even with a weak password: the link is what is wrong.
    weak = {"token": "made-up", "password": "short"}
    assert client.post("/api/auth/password-reset/confirm", json=weak).status_code == 401
    assert client.post("/api/auth/password-reset/confirm", json={"token": 3}).status_code == 422


def test_reset_requests_are_throttled_per_email_with_retry_after(client) -> None:
    email = new_email()
    statuses = [
        client.post(
            "/api/auth/password-reset",
            json={"email": email},
            headers={"X-Forwarded-For": f"10.8.3.{i}"},
        )
        for i in range(4)
    ]
    assert [r.status_code for r in statuses] == [202, 202, 202, 429]
    assert int(statuses[-1].headers["Retry-After"]) > 0
    bad = client.post("/api/auth/password-reset", json={"email": "nope"})
    assert bad.status_code == 422


def test_a_throttled_login_says_when_to_retry(client) -> None:
    email, _ = signed_up(client, ip="10.8.4.1")
    for _ in range(5):
        client.post(
            "/api/auth/login",
            json={"email": email, "password": "wrong password!"},
            headers={"X-Forwarded-For": "10.8.4.2"},
        )
    throttled = client.post(
        "/api/auth/login",
        json={"email": email, "password": PASSWORD},
        headers={"X-Forwarded-For": "10.8.4.2"},
    )
    assert throttled.status_code == 429
    assert "try again in 15 minutes" in throttled.json["error"]["message"]
    assert 0 < int(throttled.headers["Retry-After"]) <= 900
