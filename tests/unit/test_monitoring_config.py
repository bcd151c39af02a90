"""Prometheus and Grafana as shipped, checked offline: promtool validates the scrape configs and
the alert rules (and runs their unit tests), dashboards are up to date, well formed, query
metrics our processes export, and every api and worker of the stack is scraped."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from scripts import dashboards

ROOT = Path(__file__).resolve().parents[2]
PROM = ROOT / "monitoring" / "prometheus"
GRAFANA = ROOT / "monitoring" / "grafana"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (Debian: apt-get install prometheus)"
)
# Metrics that come from Prometheus itself rather than from our processes.
PROMETHEUS_OWN = {"up"}


def promtool(*args: str, cwd: Path = PROM) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def exported_metric_names() -> set[str]:
    """Every metric name BookStore's processes can expose (counters, histograms, collectors)."""
    import shared.events.consumer
    import shared.events.metrics
    import shared.web.ops
    from order_service import saga

    modules = (shared.web.ops, shared.events.metrics, shared.events.consumer, saga)
    names = set()
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, MetricWrapperBase):
                suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}
                for suffix in suffixes.get(value._type, [""]):
                    names.add(value._name + suffix)
    source = "\n".join(
        (ROOT / p).read_text() for p in ("shared/events/metrics.py", "shared/metrics.py")
    )
    names |= set(re.findall(r'GaugeMetricFamily\(\s*"([a-z_]+)"', source))
    names |= set(re.findall(r'_gauge\(\s*"([a-z_]+)"', source))
    return names


def queried_metric_names(expr: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', '""', expr)
    tokens = set(re.findall(r"\b([a-z_][a-z0-9_]*)\s*(?:\{|\[)", without_strings))
    return tokens - {"by", "without", "on", "ignoring"}


def all_exprs() -> list[str]:
    exprs = [
        target["expr"]
        for board in dashboards.all_dashboards().values()
        for panel in board["panels"]
        for target in panel["targets"]
    ]
    rules = yaml.safe_load((PROM / "alerts.yml").read_text())
    exprs += [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    return exprs


@needs_promtool
@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus.compose.yml"])
def test_promtool_accepts_the_scrape_configs(config: str) -> None:
    result = promtool("check", "config", config)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_alert_rules_are_valid_and_fire_on_the_data_they_are_meant_for() -> None:
    checked = promtool("check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", "alerts.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


@needs_promtool
def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    """promtool parses each dashboard query as a recording rule (it has no bare-query check)."""
    rules = [
        {"record": f"bookstore:check_{i}", "expr": target["expr"]}
        for i, target in enumerate(
            t
            for board in dashboards.all_dashboards().values()
            for panel in board["panels"]
            for t in panel["targets"]
        )
    ]
    (tmp_path / "queries.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "q", "rules": rules}]})
    )
    result = promtool("check", "rules", "queries.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_alerts_and_dashboards_query_only_metrics_our_processes_export() -> None:
    known = exported_metric_names() | PROMETHEUS_OWN
    for expr in all_exprs():
        unknown = queried_metric_names(expr) - known
        assert not unknown, f"{expr}: {unknown} is exported by nothing"


def test_the_generated_dashboards_are_the_committed_ones() -> None:
    generated = dashboards.all_dashboards()
    on_disk = {p.name for p in (GRAFANA / "dashboards").glob("*.json")}
    assert on_disk == set(generated), "run: python -m scripts.dashboards"
    for name, board in generated.items():
        assert (GRAFANA / "dashboards" / name).read_text() == dashboards.render(board), name


def test_there_is_a_dashboard_per_service_and_the_order_journey() -> None:
    titles = {b["title"] for b in dashboards.all_dashboards().values()}
    for service in ("frontend", "gateway", "auth", "catalog", "order", "order journey"):
        assert f"BookStore / {service}" in titles


def test_dashboards_are_well_formed_grafana_models() -> None:
    datasource = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    uids = set()
    for path in (GRAFANA / "dashboards").glob("*.json"):
        board: dict[str, Any] = json.loads(path.read_text())
        assert {"uid", "title", "panels", "schemaVersion", "time"} <= set(board), path.name
        assert board["uid"] not in uids and len(board["uid"]) <= 40
        uids.add(board["uid"])
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)), path.name
        cells: set[tuple[int, int]] = set()
        for panel in board["panels"]:
            grid = panel["gridPos"]
            assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
            area = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"])
                    for y in range(grid["y"], grid["y"] + grid["h"])}  # fmt: skip
            assert not area & cells, f"{path.name}: {panel['title']} overlaps another panel"
            cells |= area
            assert panel["type"] in ("timeseries", "stat") and panel["targets"], panel["title"]
            assert panel["datasource"]["uid"] == uid
            refs = [t["refId"] for t in panel["targets"]]
            assert len(refs) == len(set(refs)) and all(t["expr"] for t in panel["targets"])


def test_every_api_and_worker_of_the_stack_is_scraped_by_swarm_dns() -> None:
    stack = yaml.safe_load((ROOT / "swarm/stack.yml").read_text())
    ours = {
        name: service["command"][0]
        for name, service in stack["services"].items()
        if service.get("command") in (["api"], ["worker"])
    }
    config = yaml.safe_load((PROM / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for role, port in (("api", 8000), ("worker", 8001)):
        [sd] = jobs[role]["dns_sd_configs"]
        assert sd["type"] == "A" and sd["port"] == port
        assert set(sd["names"]) == {f"tasks.{n}" for n, r in ours.items() if r == role}, role
