"""What a hostile user sent to auth_service, sent again: padded e-mails that the database's
collation would have taken for the victim's, parallel guesses, weak passwords, account floods."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from auth_service import create_app
from auth_service.config import Config
from auth_service.models import LoginFailure, User
from shared.db import utcnow
from tests.support.auth import auth_config

PASSWORD = "correct horse battery"
VICTIM = "victim@example.com"
# Strings utf8mb4_unicode_ci compares equal to the victim's e-mail (or that strip() would not
# remove): each must be refused, never counted as the victim's, never logged in.
PADDINGS = ["\u0000" * 300, "\u0000", "\u200b", "\ufeff", "\u00ad" * 3, "\u0001"]


@pytest.fixture(scope="module")
def config(database_factory, rabbitmq_url, tmp_path_factory) -> Config:  # type: ignore[no-untyped-def]
    keys = tmp_path_factory.mktemp("auth_hostile_keys")
    return auth_config(database_factory, rabbitmq_url, keys, "auth_hostile")


@pytest.fixture(scope="module")
def app(config: Config) -> Iterator[Flask]:
    app = create_app(config)
    client = app.test_client()
    body = {"email": VICTIM, "password": PASSWORD, "name": "Victim"}
    assert client.post("/api/auth/register", json=body).status_code == 201
    yield app
    app.extensions["db"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def login(client: FlaskClient, email: str, password: str, address: str = "10.66.0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/auth/login",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
    )


def failures(app: Flask) -> int:
    with app.extensions["db"].session() as session:
        return int(session.scalar(select(func.count()).select_from(LoginFailure)) or 0)


@pytest.mark.parametrize("padding", PADDINGS, ids=[repr(p[:2]) for p in PADDINGS])
def test_a_padded_email_is_refused_with_the_right_password_too(app, client, padding) -> None:
    before = failures(app)
    for password in ("a guess!", PASSWORD):
        answer = login(client, VICTIM + padding, password)
        assert answer.status_code == 422, answer.json
        assert answer.json["error"]["fields"]["email"] == "must be a valid email address"
        assert "access_token" not in answer.json
    assert failures(app) == before  # nothing reached the throttle's table either


def test_the_database_no_longer_takes_a_padded_email_for_the_victims(app) -> None:
    with app.extensions["db"].session() as session:
        assert session.scalar(select(User.id).where(User.email == VICTIM)) is not None
        for padded in (VICTIM + "\u0000", VICTIM + " ", VICTIM.upper()):
            assert session.scalar(select(User.id).where(User.email == padded)) is None


def test_an_overlong_password_at_login_is_a_422_not_a_guess(app, client) -> None:
    before = failures(app)
    answer = login(client, VICTIM, "x" * 1025)
    assert answer.status_code == 422 and set(answer.json["error"]["fields"]) == {"password"}
    assert failures(app) == before


def test_hostile_login_bodies_never_answer_500(client) -> None:
    bodies = [
        {"email": 7, "password": PASSWORD},
        {"email": VICTIM, "password": None},
        {"email": "x" * 10_000 + "@example.com", "password": PASSWORD},
        {"email": VICTIM, "password": "\u0000" * 2000},
        {"email": "\ud800@example.com", "password": PASSWORD},
    ]
    for body in bodies:
        assert client.post("/api/auth/login", json=body).status_code == 422, body


@pytest.mark.parametrize("password", ["password1", "qwertyuiop", "Iloveyou1", "  superman1  "])
def test_common_passwords_are_refused_at_registration(client, password) -> None:
    body = {"email": "common@example.com", "password": password, "name": "Common"}
    answer = client.post("/api/auth/register", json=body)
    assert answer.status_code == 422
    assert "too common" in answer.json["error"]["fields"]["password"]


def test_a_password_equal_to_the_email_is_refused(client) -> None:
    body = {"email": "Same@Example.com", "password": "same@example.COM", "name": "Same"}
    answer = client.post("/api/auth/register", json=body)
    assert answer.status_code == 422
    assert answer.json["error"]["fields"]["password"] == "must not be your email address"


def test_registrations_are_limited_per_client_address_per_hour(config) -> None:
    client = create_app(config.replace(registration_limit_per_client=3)).test_client()

    def register(i: int, address: str):  # type: ignore[no-untyped-def]
        body = {"email": f"flood{i}.{address}@example.com", "password": PASSWORD, "name": "F"}
        return client.post("/api/auth/register", json=body, headers={"X-Forwarded-For": address})

    assert [register(i, "10.77.0.1").status_code for i in range(3)] == [201] * 3
    refused = register(3, "10.77.0.1")
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert register(4, "10.77.0.2").status_code == 201


def test_database_errors_never_carry_the_bound_values(app) -> None:
    secret = "hidden.address@example.com"
    with app.extensions["db"].session() as session:
        victim_id = session.scalar(select(User.id).where(User.email == VICTIM))
        duplicate = User(
            id=victim_id, email=secret, name="X", password_hash="h", created_at=utcnow()
        )
        session.add(duplicate)
        with pytest.raises(IntegrityError) as caught:
            session.flush()
    assert secret not in str(caught.value) and "hidden" not in repr(caught.value)


def test_a_value_the_database_refuses_is_a_422_not_a_500(config) -> None:
    app = create_app(config)

    def too_long() -> None:
        with app.extensions["db"].session() as session, session.begin():
            session.execute(update(User).values(name="n" * 1000).where(User.email == VICTIM))

    app.add_url_rule("/test-only/too-long", "too_long", too_long, methods=["POST"])
    answer = app.test_client().post("/test-only/too-long")
    assert answer.status_code == 422
    assert answer.json["error"]["code"] == "validation_error"
