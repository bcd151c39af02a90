"""Health, Prometheus metrics and the JSON access log of every HTTP process.

Labels are bounded whatever clients send (issue 11): the route is the URL rule's template
(`/api/books/<book_id>`, never the raw path), a method outside METHODS counts as "other", and
the status is a number the app chose. So the number of series is fixed by the code, not by
traffic. /metrics and /health/ready are for operators: the edge does not forward them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Blueprint, Flask, Response, g, jsonify, request
from prometheus_client import Counter, Gauge, Histogram

from shared.metrics import CONTENT_TYPE_LATEST, ReadyCollector, scrape

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route: 404s and 405s of any path share one series
OPS_PATHS = frozenset({"/metrics", "/health/live", "/health/ready"})

REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
IN_FLIGHT = Gauge(
    "http_requests_in_progress",
    "HTTP requests being answered",
    ["service"],
    multiprocess_mode="livesum",
)
access_log = logging.getLogger("bookstore.access")

Check = Callable[[], bool]


def set_route(template: str) -> None:
    """Name this request's route for metrics and the access log (catch-all views refine it)."""
    g.metrics_route = template


def route_label() -> str:
    if template := g.get("metrics_route"):
        return str(template)
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


def method_label(method: str) -> str:
    return method if method in METHODS else "other"


def init_ops(app: Flask, service: str, checks: dict[str, Check]) -> None:
    """Mount /health/live, /health/ready (runs `checks`) and /metrics; measure and log requests."""
    bp = Blueprint("ops", __name__)
    readiness = ReadyCollector(service, lambda: all(_safe(check) for check in checks.values()))

    @bp.get("/health/live")
    def live() -> Response:
        return jsonify(status="ok")

    @bp.get("/health/ready")
    def ready() -> tuple[Response, int]:
        results = {name: _safe(check) for name, check in checks.items()}
        ok = all(results.values())
        return jsonify(
            status="ready" if ok else "not_ready",
            checks={k: "ok" if v else "down" for k, v in results.items()},
        ), (200 if ok else 503)

    @bp.get("/metrics")
    def metrics() -> Response:
        return Response(scrape([readiness]), mimetype=CONTENT_TYPE_LATEST)

    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()
        g.in_flight = True
        IN_FLIGHT.labels(service).inc()

    @app.after_request
    def _observe(response: Response) -> Response:
        if "started" in g:
            _record(service, response.status_code, time.perf_counter() - g.pop("started"))
        return response

    @app.teardown_request
    def _in_flight_done(_exc: BaseException | None) -> None:
        if g.pop("in_flight", False):
            IN_FLIGHT.labels(service).dec()

    app.register_blueprint(bp)


def _record(service: str, status: int, seconds: float) -> None:
    route, method = route_label(), method_label(request.method)
    if request.path != "/metrics":
        LATENCY.labels(service, method, route).observe(seconds)
        REQUESTS.labels(service, method, route, str(status)).inc()
    access_log.log(
        logging.DEBUG if request.path in OPS_PATHS else logging.INFO,
        "%s %s %d",
        method,
        route,
        status,
        extra={
            "fields": {
                "method": method,
                "route": route,
                "path": request.path[:200],
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "client": request.remote_addr,
            }
        },
    )


def _safe(check: Check) -> bool:
    try:
        return bool(check())
    except Exception:
        return False
