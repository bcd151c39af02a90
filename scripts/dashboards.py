"""Grafana dashboards as code: `python -m scripts.dashboards` writes monitoring/grafana/dashboards/.

One dashboard per service (its api's RED metrics, and its worker's events, outbox and queues)
and the order journey (checkouts, saga latency, outbox backlog, dead letters). Grafana loads the
files through monitoring/grafana/provisioning; tests check they are up to date and well formed.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "monitoring" / "grafana" / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
WINDOW = "5m"


@dataclass(frozen=True)
class Panel:
    title: str
    unit: str
    targets: tuple[tuple[str, str], ...]  # (PromQL, legend)
    kind: str = "timeseries"
    width: int = 12


@dataclass(frozen=True)
class Service:
    name: str  # dashboard title and uid
    api: str  # the `service` label of its api's HTTP metrics
    worker: str | None = None  # the `service` label of its worker's event metrics


SERVICES = (
    Service("frontend", "web_frontend"),
    Service("gateway", "api_gateway"),
    Service("auth", "auth_service", "auth"),
    Service("catalog", "catalog_service", "catalog"),
    Service("order", "order_service", "order"),
)


def p95(metric: str, selector: str, by: str) -> str:
    rate = f"rate({metric}_bucket{{{selector}}}[{WINDOW}])"
    return f"histogram_quantile(0.95, sum by (le, {by}) ({rate}))"


def api_panels(service: str) -> list[Panel]:
    s = f'service="{service}"'
    requests = f"http_requests_total{{{s}}}"
    return [
        Panel(
            "Requests per second, by route",
            "reqps",
            ((f"sum by (route) (rate({requests}[{WINDOW}]))", "{{route}}"),),
        ),
        Panel(
            "Errors: share of requests answered 5xx and 4xx",
            "percentunit",
            tuple(
                (
                    f'sum(rate(http_requests_total{{{s}, status=~"{c}.."}}[{WINDOW}]))'
                    f" / sum(rate({requests}[{WINDOW}]))",
                    f"{c}xx",
                )
                for c in ("5", "4")
            ),
        ),
        Panel(
            "Latency p95, by route",
            "s",
            ((p95("http_request_duration_seconds", s, "route"), "{{route}}"),),
        ),
        Panel(
            "Requests in progress, and ready replicas",
            "short",
            (
                (f"sum(http_requests_in_progress{{{s}}})", "in progress"),
                (f"sum(bookstore_ready{{{s}}})", "ready replicas"),
            ),
        ),
    ]


def worker_panels(service: str) -> list[Panel]:
    s = f'service="{service}"'
    return [
        Panel(
            "Events handled per second, by outcome",
            "ops",
            ((f"sum by (outcome) (rate(events_handled_total{{{s}}}[{WINDOW}]))", "{{outcome}}"),),
        ),
        Panel(
            "Event handling time and lag (p95)",
            "s",
            (
                (p95("events_handling_seconds", s, "queue"), "handling {{queue}}"),
                (p95("events_lag_seconds", s, "queue"), "lag {{queue}}"),
            ),
        ),
        Panel(
            "Outbox: events waiting to be published",
            "short",
            ((f"max(outbox_pending_events{{{s}}})", "pending"),),
        ),
        Panel(
            "Outbox: age of the oldest waiting event",
            "s",
            ((f"max(outbox_oldest_pending_seconds{{{s}}})", "oldest"),),
        ),
        Panel(
            "Queue depth: work, retry, dead letters",
            "short",
            ((f"max by (kind) (events_queue_messages{{{s}}})", "{{kind}}"),),
        ),
        Panel(
            "Ready worker replicas",
            "short",
            ((f'sum(bookstore_ready{{service="{service}_worker"}})', "ready"),),
            kind="stat",
        ),
    ]


def journey_panels() -> list[Panel]:
    checkout = 'service="order_service", route="/api/orders", method="POST"'
    return [
        Panel(
            "Checkouts per minute (accepted, refused)",
            "short",
            (
                (
                    f'sum(rate(http_requests_total{{{checkout}, status=~"2.."}}[{WINDOW}])) * 60',
                    "accepted",
                ),  # noqa: E501
                (
                    f'sum(rate(http_requests_total{{{checkout}, status=~"4.."}}[{WINDOW}])) * 60',
                    "refused (4xx)",
                ),  # noqa: E501
                (
                    f'sum(rate(http_requests_total{{{checkout}, status=~"5.."}}[{WINDOW}])) * 60',
                    "failed (5xx)",
                ),  # noqa: E501
            ),
        ),
        Panel(
            "Orders reaching each status, per minute",
            "short",
            (
                (
                    f"sum by (to_status) (rate(saga_stage_seconds_count[{WINDOW}])) * 60",
                    "{{to_status}}",
                ),
            ),  # noqa: E501
        ),
        Panel(
            "From checkout to each status (p95)",
            "s",
            ((p95("saga_since_placed_seconds", "", "status"), "{{status}}"),),
        ),
        Panel(
            "Saga stage latency (p95)",
            "s",
            (
                (
                    p95("saga_stage_seconds", "", "from_status, to_status"),
                    "{{from_status}} -> {{to_status}}",
                ),
            ),  # noqa: E501
        ),
        Panel(
            "Outbox backlog, by service",
            "short",
            (("max by (service) (outbox_pending_events)", "{{service}} pending"),),
        ),
        Panel(
            "Oldest unpublished event, by service",
            "s",
            (("max by (service) (outbox_oldest_pending_seconds)", "{{service}}"),),
        ),
        Panel(
            "Dead letters, by queue",
            "short",
            (('max by (queue) (events_queue_messages{kind="dead"})', "{{queue}}"),),
        ),
        Panel(
            "Event lag from occurrence to handling (p95), by consumer",
            "s",
            ((p95("events_lag_seconds", "", "service"), "{{service}}"),),
        ),
    ]


def dashboard(uid: str, title: str, panels: list[Panel]) -> dict[str, Any]:
    placed: list[dict[str, Any]] = []
    x = y = 0
    for number, panel in enumerate(panels, start=1):
        if x + panel.width > 24:
            x, y = 0, y + 8
        placed.append(_panel(number, panel, {"h": 8, "w": panel.width, "x": x, "y": y}))
        x += panel.width
    return {
        "uid": uid,
        "title": title,
        "tags": ["bookstore"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": placed,
    }


def _panel(number: int, panel: Panel, grid: dict[str, int]) -> dict[str, Any]:
    return {
        "id": number,
        "type": panel.kind,
        "title": panel.title,
        "gridPos": grid,
        "datasource": DATASOURCE,
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}},
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": DATASOURCE,
                "expr": expr,
                "legendFormat": legend,
            }  # noqa: E501
            for i, (expr, legend) in enumerate(panel.targets)
        ],
    }


def all_dashboards() -> dict[str, dict[str, Any]]:
    """{file name: dashboard}."""
    boards = {
        f"bookstore-{s.name}.json": dashboard(
            f"bookstore-{s.name}",
            f"BookStore / {s.name}",
            api_panels(s.api) + (worker_panels(s.worker) if s.worker else []),
        )
        for s in SERVICES
    }
    boards["bookstore-order-journey.json"] = dashboard(
        "bookstore-order-journey", "BookStore / order journey", journey_panels()
    )
    return boards


def render(board: dict[str, Any]) -> str:
    return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, board in all_dashboards().items():
        (OUT / name).write_text(render(board))
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
