"""The Markdown table of `make bench`, from the results dictionary bench/run_all.py writes.

Given the results of an earlier run (bench/results/before.json: the figures before issue 12's
fast paths), each row also shows what that run measured, so old and new sit side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = tuple[str, str, str, str]  # measurement, figure, baseline in the same run, ratio


def _latency(figures: dict[str, Any]) -> str:
    return f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms"


def _http(figures: dict[str, Any]) -> str:
    return f"{figures['rps']:.0f} req/s, {_latency(figures)}, {figures['errors']} errors"


def _ratio(a: dict[str, Any], b: dict[str, Any]) -> str:
    """a vs b: throughput ratio, and a's p99 against its own p50."""
    return f"{a['rps'] / b['rps']:.2f}x; p99/p50 {a['p99_ms'] / a['p50_ms']:.1f}"


def _reads(results: dict[str, Any]) -> list[Row]:
    if "reads" not in results:
        return []
    book, lists = results["reads"]["book"], results["reads"]["lists"]
    bare, direct = book["bare_flask"], book["direct"]
    table = [
        (
            "1a. `GET /api/books/{id}` direct to catalog api vs bare Flask",
            _http(direct),
            "bare Flask JSON route: " + _http(bare),
            _ratio(direct, bare),
        ),
        ("1b. frontend book page `/books/{id}`", _http(book["frontend"]), "", ""),
    ]
    for kind in ("browse", "search"):
        table.append(
            (
                f"2. {kind}, gateway vs direct",
                _http(lists[f"{kind}_gateway"]),
                "direct: " + _http(lists[f"{kind}_direct"]),
                _ratio(lists[f"{kind}_gateway"], lists[f"{kind}_direct"]),
            )
        )
    return table


def _gateway(results: dict[str, Any]) -> list[Row]:
    gateway = results["gateway_overhead"]
    ratio = gateway["ratio"]
    return [
        (
            "1. `GET /api/books/{id}`, gateway vs direct",
            _http(gateway["gateway"]),
            "direct to catalog api: " + _http(gateway["direct"]),
            f"throughput {ratio['throughput']:.2f}x, p50 {ratio['p50']:.2f}x, "
            f"p99 {ratio['p99']:.2f}x; gateway p99/p50 "
            f"{gateway['gateway']['p99_ms'] / gateway['gateway']['p50_ms']:.1f}",
        )
    ]


def _old_lists(results: dict[str, Any]) -> list[Row]:
    if "reads" in results:
        return []  # shown with their direct baseline by _reads
    return [
        (f"2. {kind} through the gateway", _http(results["browse_search"][kind]), "", "")
        for kind in ("browse", "search")
    ]


def _events(results: dict[str, Any]) -> list[Row]:
    table: list[Row] = []
    if "listing" in results:
        listing = results["listing"]
        table.append(
            (
                f"3a. new listing orderable: `POST /api/books` answered → order read model "
                f"({listing['listings']} listings)",
                _latency(listing),
                "",
                "",
            )
        )
    for buyers, saga in results["saga"].items():
        table.append(
            (
                f"3. saga, {buyers} concurrent buyer(s)",
                f"pending→paid {_latency(saga['paid'])}"
                + (f"; pending→shipped {_latency(saga['shipped'])}" if "shipped" in saga else ""),
                "",
                f"{saga['failures']} failures",
            )
        )
    if cpu := results["saga"].get("8", {}).get("cpu_ms_per_order"):
        parts = ", ".join(f"{part} {ms:.1f}" for part, ms in cpu.items() if ms >= 0.5)
        table.append(
            (
                "3b. CPU per paid order, 8 buyers (ms, every process and server)",
                f"{sum(cpu.values()):.0f} ms: {parts}",
                "",
                f"2 cores: at most {2000 / max(sum(cpu.values()), 1):.0f} orders/s",
            )
        )
    pipe = results["event_pipeline"]
    table.append(
        (
            f"4. {pipe['events']} `book.updated`, catalog outbox → order read model",
            f"{pipe['pipeline_per_s']:.0f} events/s",
            f"raw pika publish (confirms) then consume (acks): "
            f"{pipe['raw_publish_then_consume_per_s']:.0f} events/s "
            f"({pipe['raw_publish_per_s']:.0f} publish, {pipe['raw_consume_per_s']:.0f} consume);"
            f" the relay alone sent {pipe.get('relay_per_s', 0):.0f} events/s",
            f"{pipe['ratio']:.2f}x",
        )
    )
    return table


def _orders(results: dict[str, Any]) -> list[Row]:
    orders = results["orders_per_second"]
    table = [
        (
            f"5. orders sustained, {orders['clients']} buyers",
            f"{orders['orders_per_second']} orders/s",
            "",
            f"{orders['errors']} errors, {orders['accepted_but_never_paid']} never paid",
        )
    ]
    if "idle" in results:
        idle = results["idle"]
        table.append(
            (
                f"6. idle system ({idle['processes']} processes, {idle['seconds']:.0f} s)",
                f"CPU {idle['cpu_percent']:.1f} % of one core, "
                f"{idle['db_statements_per_s']:.1f} database statements/s",
                "",
                "",
            )
        )
    return table


SECTIONS: list[Callable[[dict[str, Any]], list[Row]]] = [
    _gateway,
    _reads,
    _old_lists,
    _events,
    _orders,
]


def rows(results: dict[str, Any]) -> list[Row]:
    """(measurement, figure, baseline in the same run, ratio) per line of the table."""
    return [row for section in SECTIONS for row in section(results)]


def markdown(results: dict[str, Any], before: dict[str, Any] | None = None) -> str:
    meta, load = results.get("meta", {}), results["load"]
    earlier = {row[0]: row for row in rows(before)} if before else {}
    lines = [
        "| measurement | figure | baseline (same run) | ratio / errors |",
        "|---|---|---|---|",
    ]
    for name, figure, baseline, ratio in rows(results):
        lines.append(f"| {name} | {figure} | {baseline} | {ratio} |")
        if name in earlier:
            _, old_figure, old_baseline, old_ratio = earlier[name]
            lines.append(f"| ↳ before | {old_figure} | {old_baseline} | {old_ratio} |")
    lines += [
        "",
        f"{load['books']} books loaded ({load['insert_seconds']} s insert, "
        f"{load['to_read_model_seconds']} s through the outbox to the order read model). "
        f"{meta.get('machine', '')}, {meta.get('cpus', '?')} CPUs, "
        f"{meta.get('replicas', '?')} api + worker replicas per service, "
        f"{meta.get('concurrency', '?')} HTTP clients; run at {meta.get('at', '?')} "
        f"in {meta.get('seconds_total', '?')} s.",
    ]
    if before:
        lines.append(f"Rows marked ↳ before: the run of {before.get('meta', {}).get('at', '?')}.")
    return "\n".join(lines)
