"""Gateway overhead: one cheap GET through the gateway vs straight to the upstream.

    .venv/bin/python -m bench.gateway_overhead [--concurrency 8] [--duration 10]

Starts its own auth api and gateway (gunicorn, same settings as the e2e stack) on free ports,
a fresh database and a unique broker prefix, then drives `GET /api/auth/me` (token check, two
primary-key reads) with the same client, concurrency and duration against both, alternating
rounds so both see the same machine. Prints requests/s, p50, p99 and the ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pika
import requests
from sqlalchemy import create_engine, text

from scripts.keys import ensure_key_pair
from scripts.stack import PYTHON, ROOT, Ports, ProcessGroup, ProcessSpec, gunicorn, stack_env
from tests.support.ports import free_port

SERVER = "mysql+pymysql://root@127.0.0.1:3306/"
AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"


def drive(url: str, token: str, concurrency: int, duration: float) -> tuple[int, list[float]]:
    """`concurrency` keep-alive clients in a closed loop for `duration` s: (errors, latencies)."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    stop = time.monotonic() + duration

    def client(i: int) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {token}"}
        while time.monotonic() < stop:
            started = time.perf_counter()
            ok = session.get(url, headers=headers, timeout=10).status_code == 200
            latencies[i].append(time.perf_counter() - started)
            errors[i] += not ok

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(errors), [x for per in latencies for x in per]


def summary(latencies: list[float], seconds: float) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / seconds, "p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000}


def start(tmp: Path, database: str, prefix: str) -> tuple[ProcessGroup, str, str]:
    ensure_key_pair(tmp / "jwt_private.pem", tmp / "jwt_public.pem")
    auth_port, gateway_port, closed = free_port(), free_port(), free_port()
    env = stack_env(
        Ports(),
        {
            "AUTH_DATABASE_URL": SERVER + database,
            "RABBITMQ_URL": AMQP,
            "EVENT_PREFIX": prefix,
            "JWT_PRIVATE_KEY_FILE": str(tmp / "jwt_private.pem"),
            "JWT_PUBLIC_KEY_FILE": str(tmp / "jwt_public.pem"),
            "ARGON2_PROFILE": "test",
            "AUTH_URL": f"http://127.0.0.1:{auth_port}",
            "CATALOG_URL": f"http://127.0.0.1:{closed}",
            "ORDER_URL": f"http://127.0.0.1:{closed}",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "8",
            "LOG_LEVEL": "WARNING",
        },
    )
    import subprocess

    subprocess.run([PYTHON, "-m", "auth_service.migrate"], env=env, cwd=ROOT, check=True)
    specs = [
        ProcessSpec(
            "bench-auth",
            gunicorn("auth_service", auth_port),
            env,
            f"http://127.0.0.1:{auth_port}/health/live",
        ),
        ProcessSpec(
            "bench-gateway",
            gunicorn("api_gateway", gateway_port),
            env,
            f"http://127.0.0.1:{gateway_port}/health/live",
        ),
    ]
    group = ProcessGroup(specs, log_dir=tmp / "logs")
    group.start(timeout=60)
    return group, f"http://127.0.0.1:{auth_port}", f"http://127.0.0.1:{gateway_port}"


def token_for(gateway: str) -> str:
    email = f"bench.{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": "correct horse battery", "name": "Bench"}
    requests.post(f"{gateway}/api/auth/register", json=body, timeout=10).raise_for_status()
    del body["name"]
    answer = requests.post(f"{gateway}/api/auth/login", json=body, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def cleanup(database: str, prefix: str) -> None:
    engine = create_engine(SERVER)
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{database}`"))
    engine.dispose()
    connection = pika.BlockingConnection(pika.URLParameters(AMQP))
    channel = connection.channel()
    for suffix in ("bookstore.events", "bookstore.dlx", "bookstore.unrouted"):
        channel.exchange_delete(exchange=prefix + suffix)
    channel.queue_delete(queue=prefix + "bookstore.unrouted")
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per target")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    database, prefix = f"bench_gw_{run}", f"bench{run}."
    with tempfile.TemporaryDirectory() as tmp:
        group, direct, gateway = start(Path(tmp), database, prefix)
        try:
            token = token_for(gateway)
            pids = {name: proc.pid for name, proc in group.procs.items()}
            results = measure(direct, gateway, token, args, pids)
        finally:
            group.stop()
            cleanup(database, prefix)
    report(results, args)


def cpu_seconds(pid: int) -> float:
    """user + system CPU of a gunicorn master and its workers (load-independent cost)."""
    pids = [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    ticks = 0
    for one in pids:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(
    direct: str, gateway: str, token: str, args: argparse.Namespace, pids: dict[str, int]
) -> dict:
    targets = {"direct": f"{direct}/api/auth/me", "gateway": f"{gateway}/api/auth/me"}
    for url in targets.values():  # warm pools, imports and caches
        drive(url, token, args.concurrency, 1.0)
    latencies: dict[str, list[float]] = {name: [] for name in targets}
    errors = dict.fromkeys(targets, 0)
    cpu = {name: dict.fromkeys(pids, 0.0) for name in targets}
    for _ in range(args.rounds):
        for name, url in targets.items():
            before = {p: cpu_seconds(pid) for p, pid in pids.items()}
            failed, samples = drive(url, token, args.concurrency, args.duration)
            for p, pid in pids.items():
                cpu[name][p] += cpu_seconds(pid) - before[p]
            errors[name] += failed
            latencies[name] += samples
    seconds = args.duration * args.rounds
    return {
        name: summary(samples, seconds)
        | {"errors": errors[name]}
        | {f"cpu_ms_{p}": 1000 * c / len(samples) for p, c in cpu[name].items()}
        for name, samples in latencies.items()
    }


def report(results: dict, args: argparse.Namespace) -> None:
    print(
        f"GET /api/auth/me, concurrency {args.concurrency}, "
        f"{args.rounds} x {args.duration:.0f}s per target, same run"
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  machine: {os.cpu_count()} cores, load average {load} (1/5/15 min)")
    for name, r in results.items():
        print(
            f"  {name:8} {r['rps']:8.1f} req/s   p50 {r['p50_ms']:6.2f} ms   "
            f"p99 {r['p99_ms']:6.2f} ms   errors {r['errors']}"
        )
    d, g = results["direct"], results["gateway"]
    print(
        f"  CPU per request: auth api {d['cpu_ms_bench-auth']:.2f} ms (direct), "
        f"{g['cpu_ms_bench-auth']:.2f} ms (via gateway); "
        f"gateway process {g['cpu_ms_bench-gateway']:.2f} ms"
    )
    print(
        f"  ratio gateway/direct: throughput {g['rps'] / d['rps']:.2f}x, "
        f"p50 {g['p50_ms'] / d['p50_ms']:.2f}x, p99 {g['p99_ms'] / d['p99_ms']:.2f}x; "
        f"added p50 {g['p50_ms'] - d['p50_ms']:.2f} ms"
    )


if __name__ == "__main__":
    main()
