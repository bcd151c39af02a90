"""What the frontend tells the gateway about the shopper behind each call."""

from __future__ import annotations

import json
from typing import Any

import requests
from requests.adapters import BaseAdapter

from web_frontend import create_app
from web_frontend.config import from_env


class RecordingTransport(BaseAdapter):
    """Answers every call with an empty page and remembers the headers it was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[dict[str, str]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.headers.append(dict(request.headers))
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(
            {"items": [], "page": 1, "per_page": 12, "total": 0}
        ).encode()
        response.headers["Content-Type"] = "application/json"
        return response

    def close(self) -> None:
        pass


def test_every_gateway_call_carries_the_shoppers_address_and_the_request_id():
    app = create_app(from_env({"LOG_LEVEL": "WARNING", "FRONTEND_SECRET_KEY": "test"}))
    transport = RecordingTransport()
    app.extensions["gateway"].session.mount("http://", transport)
    response = app.test_client().get(
        "/", environ_base={"REMOTE_ADDR": "203.0.113.9"}, headers={"X-Request-Id": "req-12345678"}
    )
    assert response.status_code == 200
    assert transport.headers, "the home page asked the gateway nothing"
    assert {h.get("X-Forwarded-For") for h in transport.headers} == {"203.0.113.9"}
    assert {h.get("X-Request-Id") for h in transport.headers} == {"req-12345678"}
