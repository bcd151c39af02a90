"""What a Prometheus scrape of any BookStore process returns, single- or multi-process.

Under gunicorn every worker process counts its own requests. `gunicorn.conf.py` gives each run
a fresh PROMETHEUS_MULTIPROC_DIR, prometheus_client then keeps every process's values in files
there, and a scrape adds them up (MultiProcessCollector), whichever worker answers it. Without
that variable (event workers, tests) the process's own registry is the whole truth.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

__all__ = ["CONTENT_TYPE_LATEST", "ReadyCollector", "scrape"]


def multiprocess_dir() -> str | None:
    """The directory prometheus_client itself reads from the environment (so do we, only here)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def scrape(extra: Iterable[Collector] = ()) -> bytes:
    """The text exposition of every metric of this process (all processes of its gunicorn)."""
    directory = multiprocess_dir()
    if directory is None:
        base: Collector = REGISTRY
    else:
        base = CollectorRegistry()
        MultiProcessCollector(base, path=directory)
    return generate_latest(_Union([base, *extra]))  # type: ignore[arg-type]


class _Union:
    """Several collectors exposed as one (generate_latest only needs `collect`)."""

    def __init__(self, parts: list[Collector]) -> None:
        self.parts = parts

    def collect(self) -> Iterator[Metric]:
        for part in self.parts:
            yield from part.collect()


class ReadyCollector:
    """bookstore_ready{service}: 1 when the process's readiness checks pass, for alerting."""

    def __init__(self, service: str, ready: Callable[[], bool]) -> None:
        self.service, self.ready = service, ready

    def collect(self) -> Iterator[Metric]:
        try:
            ok = bool(self.ready())
        except Exception:
            ok = False
        family = GaugeMetricFamily(
            "bookstore_ready", "1 if the process is ready", labels=["service"]
        )
        family.add_metric([self.service], int(ok))
        yield family
