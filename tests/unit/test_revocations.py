"""Revocations as every verifying process applies them: the live denylist while the feed is up,
auth_service's answer while it is not, a 503 when neither can tell (no stale list)."""

from __future__ import annotations

import time

import pytest
from flask import Flask

from shared.events.topology import Topology
from shared.web.app import init_common
from shared.web.revocations import Revocations, RevocationsUnavailable
from shared.web.tokens import current_user
from tests.support.tokens import TokenMinter, access_claims


def revocations(ask, *, follow: bool = True) -> Revocations:  # type: ignore[no-untyped-def]
    made = Revocations(
        fetch=list,
        ask=ask,
        rabbitmq_url="amqp://unused",
        topology=Topology("t."),
        client_name="test",
        follow=follow,
    )
    made.start = lambda: None  # type: ignore[method-assign]  # never connects in this tier
    return made


def app_with(minter: TokenMinter, checker: Revocations) -> Flask:
    app = Flask(__name__)
    init_common(app, service="test", checks={}, verifier=minter.verifier(), log_level="WARNING")
    app.extensions["revocations"] = checker
    app.add_url_rule("/me", "me", lambda: {"id": current_user().id})
    return app


def get_me(app: Flask, minter: TokenMinter, jti: str) -> int:
    token = minter.sign(access_claims("u1", "A", email="a@x.io", jti=jti))
    return app.test_client().get("/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_with_the_feed_down_a_service_asks_auth_and_refuses_what_auth_revoked() -> None:
    minter = TokenMinter.create()
    asked: list[str] = []

    def ask(jti: str) -> bool:
        asked.append(jti)
        return jti == "gone"

    app = app_with(minter, revocations(ask))
    assert get_me(app, minter, "gone") == 401
    assert get_me(app, minter, "kept") == 200
    assert asked == ["gone", "kept"]


def test_with_the_feed_down_and_auth_unreachable_a_protected_request_is_503() -> None:
    minter = TokenMinter.create()

    def ask(jti: str) -> bool:
        raise ConnectionError("auth is down")

    app = app_with(minter, revocations(ask))
    assert get_me(app, minter, "any") == 503


def test_a_live_feed_answers_from_the_denylist_without_asking() -> None:
    def ask(jti: str) -> bool:
        raise AssertionError("asked although the feed is live")

    checker = revocations(ask, follow=False)
    checker.denylist.add("gone", int(time.time()) + 900)
    assert checker.live and checker.is_revoked("gone") and not checker.is_revoked("kept")


def test_an_answer_that_is_not_a_yes_or_no_is_unavailable_not_a_pass() -> None:
    def ask(jti: str) -> bool:
        raise KeyError("revoked")

    with pytest.raises(RevocationsUnavailable):
        revocations(ask).is_revoked("x")
