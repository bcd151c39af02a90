"""auth_service against the real MariaDB and RabbitMQ: every auth row of docs/api.md, throttling,
rehashing, revocation and the events it publishes through the outbox."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pika
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from auth_service import create_app
from auth_service.config import Config
from auth_service.models import User, outbox
from shared.events import OutboxRelay
from shared.events.topology import declare_broadcast_queue
from shared.web.keys import load_verifier
from tests.support.auth import auth_config

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def config(database_factory, rabbitmq_url, tmp_path_factory) -> Config:  # type: ignore[no-untyped-def]
    keys = tmp_path_factory.mktemp("auth_keys")
    return auth_config(database_factory, rabbitmq_url, keys, "auth_service")


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
    return f"reader{next(_counter)}.{time.monotonic_ns()}@Example.com"


def register(client: FlaskClient, email: str, password: str = PASSWORD, name: str = "Reader"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/auth/register", json={"email": email, "password": password, "name": name}
    )


def login(client: FlaskClient, email: str, password: str = PASSWORD, client_ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/auth/login",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": client_ip},
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_register_creates_an_account_with_a_normalized_email(client) -> None:
    email = new_email()
    response = register(client, f"  {email} ")
    assert response.status_code == 201
    user = response.json["user"]
    assert set(user) == {"id", "email", "name", "created_at"}
    assert user["email"] == email.lower() and user["created_at"].endswith("Z")


def test_an_email_is_taken_whatever_its_case(client) -> None:
    email = new_email()
    assert register(client, email).status_code == 201
    taken = register(client, email.upper())
    assert taken.status_code == 409 and taken.json["error"]["code"] == "conflict"


def test_concurrent_registrations_of_one_email_create_one_account(client, app) -> None:
    email = new_email()
    with ThreadPoolExecutor(6) as pool:
        statuses = list(
            pool.map(lambda _: register(app.test_client(), email).status_code, range(6))
        )
    assert sorted(statuses) == [201] + [409] * 5


@pytest.mark.parametrize(
    "body,fields",
    [
        ({"email": "nope", "password": PASSWORD, "name": "A"}, {"email"}),
        ({"email": "a@b.io", "password": "short", "name": "A"}, {"password"}),
        ({"email": "a@b.io", "password": PASSWORD, "name": ""}, {"name"}),
        ({"email": "a@b.io", "password": PASSWORD, "name": "n" * 101}, {"name"}),
        ({"email": "a@b.io", "password": PASSWORD, "name": "A", "admin": True}, {"admin"}),
    ],
)
def test_bad_registrations_are_422_with_per_field_messages(client, body, fields) -> None:
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == fields


def test_malformed_json_is_400_and_a_wrong_content_type_415(client) -> None:
    malformed = client.post("/api/auth/register", data="{", content_type="application/json")
    assert malformed.status_code == 400 and malformed.json["error"]["code"] == "bad_request"
    wrong = client.post("/api/auth/login", data="email=a", content_type="text/plain")
    assert wrong.status_code == 415 and wrong.json["error"]["code"] == "bad_request"


def test_login_returns_a_bearer_token_the_public_key_verifies(client, config) -> None:
    email = new_email()
    register(client, email)
    response = login(client, email.upper())
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer" and 0 < body["expires_in"] <= 900
    assert body["user"]["email"] == email.lower()
    verifier = load_verifier(
        config.jwt_public_key_file, issuer=config.jwt_issuer, audience=config.jwt_audience
    )
    assert verifier.verify(body["access_token"]).id == body["user"]["id"]


def test_an_unknown_email_and_a_wrong_password_get_the_same_401(client) -> None:
    email = new_email()
    register(client, email)
    wrong = login(client, email, "wrong password!", client_ip="10.1.0.1")
    unknown = login(client, new_email(), PASSWORD, client_ip="10.1.0.2")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["error"] == unknown.json["error"]


def test_me_returns_the_signed_in_user_and_refuses_no_or_bad_tokens(client) -> None:
    email = new_email()
    user = register(client, email).json["user"]
    token = login(client, email).json["access_token"]
    assert client.get("/api/auth/me", headers=bearer(token)).json == user
    assert client.get("/api/auth/me").status_code == 401
    assert client.get("/api/auth/me", headers=bearer(token[:-4] + "AAAA")).status_code == 401


def test_logout_revokes_the_token_here_and_lists_it_for_gateways(client) -> None:
    email = new_email()
    register(client, email)
    token = login(client, email).json["access_token"]
    other = login(client, email).json["access_token"]
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 204
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(other)).status_code == 200
    listed = client.get("/internal/revocations").json["items"]
    jti = load_jti(token)
    assert any(item["jti"] == jti and item["exp"] > time.time() for item in listed)


def load_jti(token: str) -> str:
    import jwt

    return str(jwt.decode(token, options={"verify_signature": False})["jti"])


def test_five_failures_from_one_client_throttle_it_on_that_email_even_for_the_right_password(
    client,
) -> None:
    email = new_email()
    register(client, email)
    for _ in range(5):
        assert login(client, email, "wrong password!", client_ip="10.2.0.1").status_code == 401
    throttled = login(client, email, PASSWORD, client_ip="10.2.0.1")
    assert throttled.status_code == 429
    assert throttled.json["error"]["code"] == "rate_limited"
    assert 0 < int(throttled.headers["Retry-After"]) <= 900


def test_a_stranger_failing_on_an_email_does_not_lock_its_owner_out(client) -> None:
    email = new_email()
    register(client, email)
    for _ in range(5):
        login(client, email, "wrong password!", client_ip="10.2.1.66")
    assert login(client, email, "wrong password!", client_ip="10.2.1.66").status_code == 429
    assert login(client, email, PASSWORD, client_ip="10.2.1.1").status_code == 200


def test_past_the_email_ceiling_only_a_client_that_never_failed_may_sign_in(config) -> None:
    client = create_app(config.replace(throttle_email_limit=6)).test_client()
    email = new_email()
    register(client, email)
    for i in range(6):  # six strangers, one guess each: the e-mail's ceiling
        assert login(client, email, "wrong password!", client_ip=f"10.2.2.{i}").status_code == 401
    assert login(client, email, PASSWORD, client_ip="10.2.2.0").status_code == 429
    assert login(client, email, "wrong password!", client_ip="10.2.2.50").status_code == 429
    assert login(client, email, "wrong password!", client_ip="10.2.2.50").status_code == 429
    assert login(client, email, PASSWORD, client_ip="10.2.2.99").status_code == 200


def test_concurrent_wrong_guesses_are_each_counted(app) -> None:
    email = new_email()
    register(app.test_client(), email)

    def guess(_: int) -> int:
        return int(login(app.test_client(), email, "wrong password!", "10.2.3.1").status_code)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(guess, range(20)))
    assert len(answers) == 20
    assert sorted(answers) == [401] * 5 + [429] * 15


def test_fifty_failures_from_one_address_throttle_that_address_only(client) -> None:
    address = "10.3.0.1"
    email = new_email()
    register(client, email)
    for i in range(50):
        assert login(client, f"nobody{i}.{email}", "x" * 8, client_ip=address).status_code == 401
    assert login(client, email, PASSWORD, client_ip=address).status_code == 429
    assert login(client, email, PASSWORD, client_ip="10.3.0.2").status_code == 200


def test_a_success_clears_that_clients_failures_on_the_email(client) -> None:
    email = new_email()
    register(client, email)
    for _ in range(4):
        login(client, email, "wrong password!", client_ip="10.4.0.1")
    assert login(client, email, client_ip="10.4.0.1").status_code == 200
    for _ in range(4):
        assert login(client, email, "wrong password!", client_ip="10.4.0.1").status_code == 401


def test_throttling_is_shared_by_every_replica(config) -> None:
    email = new_email()
    replicas = [create_app(config).test_client() for _ in range(2)]
    register(replicas[0], email)
    for i in range(5):
        login(replicas[i % 2], email, "wrong password!", client_ip="10.5.0.1")
    assert login(replicas[1], email, client_ip="10.5.0.1").status_code == 429


def test_a_login_rehashes_a_password_made_with_old_parameters(client, app, config) -> None:
    email = new_email()
    register(client, email)
    sessions = app.extensions["db"].session
    with sessions() as session:
        old = session.scalar(select(User.password_hash).where(User.email == email.lower()))
    stronger = create_app(config.replace(argon2_profile="production"))
    assert login(stronger.test_client(), email).status_code == 200
    with sessions() as session:
        new = session.scalar(select(User.password_hash).where(User.email == email.lower()))
    assert new != old and "m=65536" in new and "m=8," in old


def test_passwords_are_never_stored_or_returned_in_clear(client, app) -> None:
    email = new_email()
    body = register(client, email).get_data(as_text=True)
    assert PASSWORD not in body
    with app.extensions["db"].engine.connect() as conn:
        dump = json.dumps(
            [list(r) for r in conn.execute(text("SELECT * FROM users")).all()], default=str
        )
        events = " ".join(conn.execute(select(outbox.c.payload)).scalars())
    assert PASSWORD not in dump and PASSWORD not in events


def test_user_registered_and_token_revoked_reach_the_broker_through_the_outbox(
    client, app, rabbitmq_url, topology
) -> None:  # type: ignore[no-untyped-def]
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    channel = connection.channel()
    queue = declare_broadcast_queue(channel, topology, ["user.registered", "auth.token_revoked"])
    email = new_email()
    user = register(client, email).json["user"]
    token = login(client, email).json["access_token"]
    client.post("/api/auth/logout", headers=bearer(token))
    stop = threading.Event()
    relay = OutboxRelay(
        engine=app.extensions["db"].engine,
        outbox=outbox,
        rabbitmq_url=rabbitmq_url,
        topology=topology,
        stop=stop,
    )
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    seen: dict[str, dict] = {}
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline and not _has_both(seen, user["id"], load_jti(token)):
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                connection.sleep(0.1)
                continue
            event = json.loads(body)
            seen[f"{event['type']}:{event['data'].get('user_id', event['data'].get('jti'))}"] = (
                event | {"message_id": properties.message_id}
            )
    finally:
        stop.set()
        thread.join(10)
        connection.close()
    registered = seen[f"user.registered:{user['id']}"]
    assert registered["data"] == {"user_id": user["id"], "email": email.lower(), "name": "Reader"}
    assert registered["producer"] == "auth_service"
    assert registered["message_id"] == registered["id"]
    revoked = seen[f"auth.token_revoked:{load_jti(token)}"]
    assert isinstance(revoked["data"]["exp"], int)


def _has_both(seen: dict, user_id: str, jti: str) -> bool:
    return f"user.registered:{user_id}" in seen and f"auth.token_revoked:{jti}" in seen


def test_the_purge_forgets_expired_revocations_only(app) -> None:
    from datetime import UTC, datetime, timedelta

    from auth_service import service
    from auth_service.models import RevokedToken
    from auth_service.throttle import ThrottlePolicy

    sessions = app.extensions["db"].session
    past = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1)
    with sessions.begin() as session:
        session.add(RevokedToken(jti="long-gone", expires_at=past, revoked_at=past))
    service.purge_expired(sessions=sessions, policy=ThrottlePolicy())
    listed = {item["jti"] for item in service.unexpired_revocations(sessions=sessions)}
    with sessions() as session:
        assert session.get(RevokedToken, "long-gone") is None
    assert "long-gone" not in listed


def test_a_database_outage_is_a_503_in_the_error_shape(config: Config) -> None:
    closed = config.replace(database_url="mysql+pymysql://root@127.0.0.1:1/nowhere")
    client = create_app(closed).test_client()
    response = register(client, new_email())
    assert response.status_code == 503
    assert response.json["error"]["code"] == "upstream_unavailable"
    assert response.headers["Retry-After"] == "2"
