"""The Markdown table of `make bench`, from the results dictionary bench/run_all.py writes."""

from __future__ import annotations

from typing import Any


def _latency(figures: dict[str, Any]) -> str:
    return f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms"


def _http(figures: dict[str, Any]) -> str:
    return f"{figures['rps']:.0f} req/s, {_latency(figures)}, {figures['errors']} errors"


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(measurement, figure, baseline in the same run, ratio) per line of the table."""
    gateway = results["gateway_overhead"]
    ratio = gateway["ratio"]
    table = [
        (
            "1. `GET /api/books/{id}`, gateway vs direct",
            _http(gateway["gateway"]),
            "direct to catalog api: " + _http(gateway["direct"]),
            f"throughput {ratio['throughput']:.2f}x, p50 {ratio['p50']:.2f}x, "
            f"p99 {ratio['p99']:.2f}x",
        )
    ]
    for kind in ("browse", "search"):
        figures = results["browse_search"][kind]
        table.append((f"2. {kind} through the gateway", _http(figures), "", ""))
    for buyers, saga in results["saga"].items():
        table.append(
            (
                f"3. saga, {buyers} concurrent buyer(s), {saga['orders']} orders",
                f"pending→paid {_latency(saga['paid'])}; "
                f"pending→shipped {_latency(saga['shipped'])}",
                "",
                f"{saga['failures']} failures",
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
    orders = results["orders_per_second"]
    table.append(
        (
            f"5. orders sustained, {orders['clients']} buyers, {orders['seconds']} s",
            f"{orders['orders_per_second']} orders/s",
            "",
            f"{orders['errors']} errors, {orders['accepted_but_never_paid']} never paid",
        )
    )
    return table


def markdown(results: dict[str, Any]) -> str:
    meta, load = results.get("meta", {}), results["load"]
    lines = [
        "| measurement | figure | baseline (same run) | ratio / errors |",
        "|---|---|---|---|",
        *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(results)),
        "",
        f"{load['books']} books loaded ({load['insert_seconds']} s insert, "
        f"{load['to_read_model_seconds']} s through the outbox to the order read model). "
        f"{meta.get('machine', '')}, {meta.get('cpus', '?')} CPUs, "
        f"{meta.get('replicas', '?')} api + worker replicas per service, "
        f"{meta.get('concurrency', '?')} HTTP clients; run at {meta.get('at', '?')} "
        f"in {meta.get('seconds_total', '?')} s.",
    ]
    return "\n".join(lines)
