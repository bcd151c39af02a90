"""Container health check for every BookStore image: healthy if the api or the worker answers.

One image runs either process type, each with its own port (api 8000, worker health 8001), and
only one of them listens in a given container, so "either answers 200" is exact. Liveness, not
readiness: restarting a process because its database is away would not bring the database back
(the processes reconnect by themselves and report it on /health/ready).
"""

import os
import sys
import urllib.request

PORTS = (os.environ.get("API_PORT", "8000"), os.environ.get("WORKER_HEALTH_PORT", "8001"))


def answers(port: str) -> bool:
    try:
        url = f"http://127.0.0.1:{port}/health/live"
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(0 if any(answers(port) for port in PORTS) else 1)
