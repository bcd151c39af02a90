"""Public reads carry an ETag and Cache-Control; a client holding the current copy gets a 304."""

from __future__ import annotations

from flask import Flask, Response

from shared.web.caching import PUBLIC_READ, fresh_or_304


def make_app(state: dict[str, int]) -> Flask:
    app = Flask(__name__)

    @app.get("/book")
    def book() -> Response:
        return fresh_or_304({"id": "b1", "stock": state["stock"]})

    return app


def test_a_client_with_the_current_copy_gets_a_304_without_a_body() -> None:
    client = make_app({"stock": 3}).test_client()
    first = client.get("/book")
    assert first.status_code == 200 and first.headers["Cache-Control"] == PUBLIC_READ
    again = client.get("/book", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_a_changed_book_answers_in_full_with_a_new_etag() -> None:
    state = {"stock": 3}
    client = make_app(state).test_client()
    first = client.get("/book")
    state["stock"] = 2
    after = client.get("/book", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.json == {"id": "b1", "stock": 2}
    assert after.headers["ETag"] != first.headers["ETag"]
