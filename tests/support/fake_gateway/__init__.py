"""An in-memory stand-in for the public API (docs/api.md), for the frontend's own tests.

It is a fake, not a mock: a small working implementation of the contract (users, tokens,
books, covers, cart, orders whose status moves on when asked, sales) with the API's error
shape. `WSGITransport` lets the frontend's pooled requests.Session talk to it without a socket.
"""

from __future__ import annotations

import io
from typing import Any

import requests
from flask import Flask
from requests.adapters import BaseAdapter
from werkzeug.test import Client

from tests.support.fake_gateway.routes import create_fake_gateway
from tests.support.fake_gateway.store import Store


class WSGITransport(BaseAdapter):
    """A requests adapter that hands each request to a WSGI app in-process (no socket)."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.client = Client(app)

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        body = request.body.encode() if isinstance(request.body, str) else request.body
        answer = self.client.open(
            request.path_url, method=request.method, headers=dict(request.headers), data=body or b""
        )
        response = requests.Response()
        response.status_code, response.reason = answer.status_code, answer.status
        response.headers.update(answer.headers)
        response.raw, response.url = io.BytesIO(answer.data), request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def attach(frontend: Flask, store: Store | None = None) -> Store:
    """Point a frontend app at a fresh fake gateway; returns the fake's store."""
    fake = create_fake_gateway(store)
    gateway = frontend.extensions["gateway"]
    gateway.session.mount(gateway.base_url, WSGITransport(fake))
    return fake.extensions["store"]  # type: ignore[no-any-return]


__all__ = ["Store", "WSGITransport", "attach", "create_fake_gateway"]
