"""Every auth row of docs/api.md through the running system, and logout honoured by every gateway
process (the stack's own, a second one with two gunicorn workers, and one started afterwards)."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from scripts.stack import ProcessGroup, ProcessSpec, gunicorn
from tests.support.ports import free_port
from tests.support.system import System, auth_header, logs_dir

pytestmark = pytest.mark.timeout(300)
PASSWORD = "correct horse battery"


def start_gateway(system: System, name: str, workers: int = 1) -> tuple[ProcessGroup, str]:
    """One more gateway process on the system's upstreams and broker (a `scale` by one)."""
    port = free_port()
    env = {**system.env, "WEB_CONCURRENCY": str(workers)}
    spec = ProcessSpec(
        name, gunicorn("api_gateway", port), env, f"http://127.0.0.1:{port}/health/live"
    )
    group = ProcessGroup([spec], log_dir=logs_dir())
    group.start(timeout=60)
    return group, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def second_gateway(system: System) -> Iterator[str]:
    group, url = start_gateway(system, "gateway-b", workers=2)
    wait_ready(url)
    yield url
    group.stop()


def wait_ready(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        checks = requests.get(f"{url}/health/ready", timeout=5).json().get("checks", {})
        if checks.get("revocations") == "ok":
            return
        time.sleep(0.1)
    raise TimeoutError(f"{url} never synced its denylist")


def new_email() -> str:
    return f"Reader.{uuid.uuid4().hex[:10]}@Example.com"


def register(system: System, email: str, name: str = "Reader") -> requests.Response:
    return requests.post(
        system.api("/api/auth/register"),
        json={"email": email, "password": PASSWORD, "name": name},
        timeout=10,
    )


def login(system: System, email: str, password: str = PASSWORD) -> requests.Response:
    return requests.post(
        system.api("/api/auth/login"), json={"email": email, "password": password}, timeout=10
    )


def me(base_url: str, token: str) -> int:
    return requests.get(
        f"{base_url}/api/auth/me", headers=auth_header(token), timeout=10
    ).status_code


def test_register_login_me_and_logout_through_the_gateway(system: System) -> None:
    email = new_email()
    created = register(system, email)
    assert created.status_code == 201
    user = created.json()["user"]
    assert user["email"] == email.lower() and user["created_at"].endswith("Z")
    signed_in = login(system, email.upper())
    assert signed_in.status_code == 200
    body = signed_in.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] <= 900
    assert body["user"] == user
    token = body["access_token"]
    got = requests.get(system.api("/api/auth/me"), headers=auth_header(token), timeout=10)
    assert got.status_code == 200 and got.json() == user
    out = requests.post(system.api("/api/auth/logout"), headers=auth_header(token), timeout=10)
    assert out.status_code == 204


def test_register_refusals_through_the_gateway(system: System) -> None:
    email = new_email()
    register(system, email)
    assert register(system, email.lower()).status_code == 409
    bad = requests.post(
        system.api("/api/auth/register"),
        json={"email": "x", "password": "short", "name": ""},
        timeout=10,
    )
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"email", "password", "name"}
    malformed = requests.post(
        system.api("/api/auth/register"),
        data="{",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "bad_request"
    wrong_type = requests.post(
        system.api("/api/auth/register"),
        data="email=x",
        headers={"Content-Type": "text/plain"},
        timeout=10,
    )
    assert wrong_type.status_code == 415
    assert requests.get(system.api("/api/auth/register"), timeout=10).status_code == 405


def test_wrong_credentials_are_one_401_whether_or_not_the_email_exists(system: System) -> None:
    email = new_email()
    register(system, email)
    wrong, unknown = login(system, email, "not the password"), login(system, new_email())
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


def test_five_failed_logins_for_an_email_are_throttled_with_retry_after(system: System) -> None:
    email = new_email()
    register(system, email)
    for _ in range(5):
        assert login(system, email, "not the password").status_code == 401
    throttled = login(system, email)
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "rate_limited"
    assert int(throttled.headers["Retry-After"]) > 0


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_forged_tokens_are_refused_at_the_gateway(system: System) -> None:
    _, token = system.register_and_login("Forger")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = [
        f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        f"{header}.{_b64(claims | {'sub': str(uuid.uuid4())})}.{signature}",
        token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        "garbage",
    ]
    for value in forged:
        assert me(system.gateway_url, value) == 401, value
    missing = requests.get(system.api("/api/auth/me"), timeout=10)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"


def test_every_response_carries_the_request_id(system: System) -> None:
    sent = requests.get(
        system.api("/api/auth/me"), headers={"X-Request-Id": "e2e-auth-00001"}, timeout=10
    )
    assert sent.headers["X-Request-Id"] == "e2e-auth-00001"
    assert sent.json()["request_id"] == "e2e-auth-00001"
    fresh = requests.get(system.api("/api/auth/me"), timeout=10)
    assert len(fresh.headers["X-Request-Id"]) >= 8


def test_logout_is_honoured_by_every_gateway_process_while_the_token_is_still_valid(
    system: System, second_gateway: str
) -> None:
    """The behaviour is propagation (every process's own denylist), not its speed: the bound is
    generous on purpose (a shared CI machine stalls for seconds) yet far below the token's
    900 s lifetime, which is what a gateway without revocation would honour it for. The time
    each process took is printed for the record."""
    _, token = system.register_and_login("Leaver")
    gateways = [system.gateway_url, second_gateway]
    assert all(me(url, token) == 200 for url in gateways for _ in range(4))
    out = requests.post(system.api("/api/auth/logout"), headers=auth_header(token), timeout=10)
    assert out.status_code == 204
    logged_out_at = time.monotonic()
    refused_after: dict[str, float] = {}
    while len(refused_after) < len(gateways) and time.monotonic() - logged_out_at < 30:
        for url in gateways:
            # several requests: the second gateway has two gunicorn workers, each its own list
            if url not in refused_after and all(me(url, token) == 401 for _ in range(4)):
                refused_after[url] = time.monotonic() - logged_out_at
        time.sleep(0.02)
    print(f"revocation seen after: {refused_after}")
    assert set(refused_after) == set(gateways), refused_after


def test_a_gateway_started_after_a_logout_refuses_the_token_at_once(system: System) -> None:
    _, token = system.register_and_login("Early Leaver")
    requests.post(system.api("/api/auth/logout"), headers=auth_header(token), timeout=10)
    group, url = start_gateway(system, "gateway-late")
    try:
        assert me(url, token) == 401  # its very first protected request
        _, fresh = system.register_and_login("Stayer")
        assert me(url, fresh) == 200
    finally:
        group.stop()


def test_the_internal_revocation_list_is_not_reachable_through_the_gateway(
    system: System,
) -> None:
    for path in (
        "/internal/revocations",
        "/api/internal/revocations",
        "/api/auth/../../internal/revocations",
    ):
        assert requests.get(system.api(path), timeout=10).status_code == 404


def test_a_revoked_token_is_refused_by_the_services_called_directly_too(system: System) -> None:
    """A caller inside the network can skip the gateway: each catalogue and order api replica
    keeps its own denylist from the same broadcast (shared/web/revocations.py)."""
    _, token = system.register_and_login("Insider")
    replicas = int(os.environ.get("E2E_REPLICAS", "2"))
    direct = [
        f"http://127.0.0.1:{system.ports.apis[service] + 100 * i}{path}"
        for service, path in (("catalog", "/api/me/books"), ("order", "/api/cart"))
        for i in range(replicas)
    ]

    def status(url: str) -> int:
        return requests.get(url, headers=auth_header(token), timeout=10).status_code

    assert [status(url) for url in direct] == [200] * len(direct)
    out = requests.post(system.api("/api/auth/logout"), headers=auth_header(token), timeout=10)
    assert out.status_code == 204
    refused: set[str] = set()
    deadline = time.monotonic() + 30  # propagation, not speed: see the gateway test above
    while len(refused) < len(direct) and time.monotonic() < deadline:
        refused |= {url for url in direct if url not in refused and status(url) == 401}
        time.sleep(0.02)
    assert refused == set(direct)
