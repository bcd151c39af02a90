"""Health and Prometheus metrics for every HTTP process."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Blueprint, Flask, Response, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUESTS = Counter("http_requests_total", "HTTP requests", ["service", "method", "status"])
LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency", ["service"])

Check = Callable[[], bool]


def init_ops(app: Flask, service: str, checks: dict[str, Check]) -> None:
    """Mount /health/live, /health/ready (runs `checks`) and /metrics, and time every request."""
    bp = Blueprint("ops", __name__)

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
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        if request.path != "/metrics" and "started" in g:
            LATENCY.labels(service).observe(time.perf_counter() - g.started)
            REQUESTS.labels(service, request.method, str(response.status_code)).inc()
        return response

    app.register_blueprint(bp)


def _safe(check: Check) -> bool:
    try:
        return bool(check())
    except Exception:
        return False
