"""The edge's own refusals when an upstream is down: the API error shape under /api, a readable
page elsewhere, never nginx's default HTML. Runs its own nginx in front of closed ports, so the
shared system is left alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.e2e.test_edge_nginx import SECURITY_HEADERS, Edge, free_port, pytestmark, run_edge

__all__ = ["pytestmark"]  # skipped, like test_edge_nginx, where nginx is not installed


@pytest.fixture(scope="module")
def edge_without_upstreams(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    closed = f"127.0.0.1:{free_port()}"  # nothing listens there
    with run_edge(tmp_path_factory.mktemp("edge-down"), closed, closed) as running:
        yield running


def test_an_api_call_to_a_down_gateway_gets_502_in_the_api_error_shape(
    edge_without_upstreams: Edge,
) -> None:
    response = edge_without_upstreams.get("/api/books")
    assert response.status_code == 502  # nginx's own status; the edge supplies the body
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"]["code"] == "upstream_unavailable"
    assert body["request_id"] == response.headers["X-Request-Id"]
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value


def test_a_page_of_a_down_frontend_gets_a_short_html_page_with_a_reference(
    edge_without_upstreams: Edge,
) -> None:
    response = edge_without_upstreams.get("/books/123")
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["X-Request-Id"] in response.text
    assert "nginx" not in response.text.lower()


def test_the_redirect_and_health_need_no_upstream(edge_without_upstreams: Edge) -> None:
    redirect = requests.get(f"{edge_without_upstreams.http}/", allow_redirects=False, timeout=5)
    assert redirect.status_code == 301
    assert requests.get(f"{edge_without_upstreams.status}/health", timeout=5).status_code == 200
