"""`make run`: migrate, load the demo catalogue once, start every process, stop on Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

from scripts.stack import PYTHON, ROOT, Ports, ProcessGroup, migrate_all, process_specs, stack_env


def main() -> int:
    ports = Ports()
    env = stack_env(ports)
    # The frontend runs on this host: let the gateway believe the shopper address it forwards.
    env.setdefault("GATEWAY_TRUSTED_PROXIES", "127.0.0.1/32")
    log_dir = ROOT / "var/log"
    print("BookStore: migrating databases")
    migrate_all(env)
    group = ProcessGroup(process_specs(ports, env), log_dir=log_dir)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        group.start(timeout=90)
        if (ROOT / "catalog_service/demo.py").exists():
            subprocess.run([PYTHON, "-m", "catalog_service.demo"], env=env, cwd=ROOT, check=True)
        print(
            f"\nBookStore is running. Open http://127.0.0.1:{ports.frontend}/"
            f"\n  API (gateway): http://127.0.0.1:{ports.gateway}/api/books"
            f"\n  e-mail (mail catcher): http://127.0.0.1:{ports.mail_http}/api/messages"
            f"\n  logs: {Path(log_dir).relative_to(ROOT)}/*.log\nPress Ctrl-C to stop.\n",
            flush=True,
        )
        while not stop.wait(1):
            dead = [name for name, proc in group.procs.items() if proc.poll() is not None]
            if dead:
                print(
                    f"BookStore: {', '.join(dead)} exited; stopping (see var/log/)", file=sys.stderr
                )
                return 1
        return 0
    finally:
        print("BookStore: stopping every process")
        group.stop()


if __name__ == "__main__":
    sys.exit(main())
