"""Metrics and logs of an api under real gunicorn with 2 worker processes (multiprocess mode).

Every scrape, whichever worker answers it, must count every request answered so far; every
line gunicorn and the app write must be JSON, with one access line per request.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
BATCHES, PER_BATCH, SCRAPES = 4, 40, 6


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "1",
        "PROMETHEUS_MULTIPROC_ROOT": str(tmp_path),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             "-b", f"127.0.0.1:{port}", "tests.support.metrics_app:app"],
            cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, process)
            yield base, log
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        assert process.poll() is None, "gunicorn exited"
        try:
            with urllib.request.urlopen(f"{base}/health/live", timeout=1):
                return
        except OSError:
            subprocess.run(["sleep", "0.1"], check=True)
    raise AssertionError("gunicorn did not come up")


def _get(url: str, method: str = "GET", request_id: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method)
    if request_id:
        request.add_header("X-Request-Id", request_id)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _series(text: str, name: str) -> dict[str, float]:
    """{labels: value} of one metric in a text exposition."""
    pattern = re.compile(rf"^{name}\{{(.*)\}} (\S+)$")
    return {m[1]: float(m[2]) for line in text.splitlines() if (m := pattern.match(line))}


def test_every_scrape_counts_the_requests_of_both_workers(two_workers: tuple[str, Path]) -> None:
    base, _ = two_workers
    pids: set[int] = set()
    sent = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(BATCHES):
            answers = list(pool.map(lambda i: _get(f"{base}/things/{i}"), range(PER_BATCH)))
            assert all(status == 200 for status, _ in answers)
            pids |= {json.loads(body)["pid"] for _, body in answers}
            sent += PER_BATCH
            for _ in range(SCRAPES):
                status, body = _get(f"{base}/metrics")
                counts = _series(body.decode(), "http_requests_total")
                key = 'method="GET",route="/things/<thing_id>",service="metrics_probe",status="200"'
                assert counts.get(key) == sent, counts
                latency = _series(body.decode(), "http_request_duration_seconds_count")
                assert latency[key.replace(',status="200"', "")] == sent
    assert len(pids) == 2, "both gunicorn workers must have answered for this to prove anything"


def test_invented_methods_and_paths_add_no_series(two_workers: tuple[str, Path]) -> None:
    base, _ = two_workers
    for i in range(20):
        _get(f"{base}/nowhere/{uuid.uuid4()}", method=f"INVENTED{i}")
        _get(f"{base}/things/{uuid.uuid4()}", method=f"BREW{i}")
        _get(f"{base}/random/{uuid.uuid4()}")
    text = _get(f"{base}/metrics")[1].decode()
    labels = _series(text, "http_requests_total")
    assert all("INVENTED" not in k and "BREW" not in k and "/nowhere/" not in k for k in labels)
    assert sum(v for k, v in labels.items() if 'method="other"' in k) == 40
    assert {re.search(r'route="([^"]*)"', k)[1] for k in labels} <= {  # type: ignore[index]
        "unmatched",
        "/things/<thing_id>",
        "/health/live",
    }


def test_every_line_gunicorn_and_the_app_write_is_json(two_workers: tuple[str, Path]) -> None:
    base, log = two_workers
    request_id = f"req-{uuid.uuid4()}"
    assert _get(f"{base}/things/abc", request_id=request_id)[0] == 200
    assert _get(f"{base}/nowhere", method="DELETE")[0] in (404, 405)
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # raises on the first non-JSON line
    assert any(e["logger"].startswith("gunicorn.") for e in entries), "gunicorn's own lines"
    assert not any(e["logger"] == "gunicorn.access" for e in entries), "one access line, the app's"
    access = [e for e in entries if e["logger"] == "bookstore.access"]
    mine = [e for e in access if e.get("request_id") == request_id]
    assert len(mine) == 1
    assert mine[0]["method"] == "GET" and mine[0]["route"] == "/things/<thing_id>"
    assert mine[0]["status"] == 200 and mine[0]["duration_ms"] > 0
    assert any(e["route"] == "unmatched" and e["method"] == "DELETE" for e in access)
