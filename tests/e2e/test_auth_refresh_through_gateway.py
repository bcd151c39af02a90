"""Refresh tokens and password reset through the running system (gateway -> auth), the reset
e-mail sent by notification_service through the mail catcher, revocations honoured by the
gateway."""

from __future__ import annotations

import re
import time
import uuid

import pytest
import requests

from tests.support.system import System, auth_header

pytestmark = pytest.mark.timeout(300)
PASSWORD = "correct horse battery"


def sign_up(system: System) -> tuple[str, dict]:  # type: ignore[type-arg]
    email = f"refresh.{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "name": "Rita Refresh"}
    assert requests.post(system.api("/api/auth/register"), json=body, timeout=10).status_code == 201
    login = requests.post(
        system.api("/api/auth/login"), json={"email": email, "password": PASSWORD}, timeout=10
    )
    assert login.status_code == 200
    return email, login.json()


def me(system: System, token: str) -> int:
    response = requests.get(system.api("/api/auth/me"), headers=auth_header(token), timeout=10)
    return response.status_code


def refresh(system: System, token: str) -> requests.Response:
    return requests.post(system.api("/api/auth/refresh"), json={"refresh_token": token}, timeout=10)


def test_refresh_rotates_and_a_replayed_token_revokes_the_family_at_the_gateway(
    system: System,
) -> None:
    _, login = sign_up(system)
    rotated = refresh(system, login["refresh_token"])
    assert rotated.status_code == 200
    pair = rotated.json()
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert me(system, pair["access_token"]) == 200
    assert refresh(system, login["refresh_token"]).status_code == 401  # replayed
    assert refresh(system, pair["refresh_token"]).status_code == 401
    # the gateway refuses the family's access tokens once auth.token_revoked reaches it
    assert eventually_refused(system, pair["access_token"])
    orders = requests.get(
        system.api("/api/orders"), headers=auth_header(pair["access_token"]), timeout=10
    )
    assert orders.status_code == 401


def test_logout_revokes_the_refresh_token_too(system: System) -> None:
    _, login = sign_up(system)
    out = requests.post(
        system.api("/api/auth/logout"), headers=auth_header(login["access_token"]), timeout=10
    )
    assert out.status_code == 204
    assert refresh(system, login["refresh_token"]).status_code == 401


def test_a_password_reset_is_emailed_and_revokes_every_token(system: System) -> None:
    email, login = sign_up(system)
    unknown = requests.post(
        system.api("/api/auth/password-reset"),
        json={"email": f"nobody.{uuid.uuid4().hex[:8]}@example.com"},
        timeout=10,
    )
    known = requests.post(system.api("/api/auth/password-reset"), json={"email": email}, timeout=10)
    assert known.status_code == unknown.status_code == 202
    token = _emailed_token(system, email)
    weak = requests.post(
        system.api("/api/auth/password-reset/confirm"),
        json={"token": token, "password": "password"},
        timeout=10,
    )
    assert weak.status_code == 422
    body = {"token": token, "password": "a brand new passphrase"}
    done = requests.post(system.api("/api/auth/password-reset/confirm"), json=body, timeout=10)
    assert done.status_code == 204
    assert refresh(system, login["refresh_token"]).status_code == 401
    assert eventually_refused(system, login["access_token"])
    again = requests.post(system.api("/api/auth/password-reset/confirm"), json=body, timeout=10)
    assert again.status_code == 401
    new = requests.post(
        system.api("/api/auth/login"),
        json={"email": email, "password": "a brand new passphrase"},
        timeout=10,
    )
    assert new.status_code == 200 and new.json()["refresh_token"]


def _emailed_token(system: System, email: str) -> str:
    url = f"http://127.0.0.1:{system.ports.mail_http}/api/messages"
    deadline = time.monotonic() + 30  # a bound for a wedged run, not a latency assertion
    while time.monotonic() < deadline:
        for item in requests.get(url, params={"to": email}, timeout=5).json()["items"]:
            if found := re.search(r"/reset-password\?token=([\w%-]+)", item["text"]):
                return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no reset e-mail for {email}")


def eventually_refused(system: System, token: str) -> bool:
    """auth.token_revoked reaches every gateway process (docs/api.md: within about a second)."""
    deadline = time.monotonic() + 30  # a bound for a wedged run, not a latency assertion
    while time.monotonic() < deadline:
        if me(system, token) == 401:
            return True
        time.sleep(0.05)
    return False
