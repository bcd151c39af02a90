"""gunicorn settings for every api process; the environment tunes them (WEB_CONCURRENCY...).

Metrics: each worker process writes its values under a directory of this master's own
(prometheus_client's multiprocess mode), emptied when the master starts and pruned when a
worker exits, so a scrape answered by any worker adds up every worker's counts.
Logs: gunicorn's own lines are JSON, like the app's (shared.logs.gunicorn_logconfig).
"""

import os
import re
import shutil
import sys
import tempfile

from shared.logs import gunicorn_logconfig

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# The longest request line gunicorn allows (its default, 4094, refused a search the API accepts:
# q of 500 characters is up to 6,000 bytes percent-encoded); the edge allows 8 KB as well.
limit_request_line = 8190
accesslog = None  # the apps write the access log (JSON, with the route template and request id)
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Every local process would share $HOME/.gunicorn/gunicorn.ctl; nothing here uses it.
control_socket_disable = True


def _service_name(argv: list[str]) -> str:
    """`catalog_service` from `... catalog_service.wsgi:app`, as the app names itself in logs."""
    for arg in reversed(argv):
        if match := re.fullmatch(r"([A-Za-z_][\w]*)\.wsgi(:\w+)?", arg):
            return match.group(1)
    return "gunicorn"


logconfig_dict = gunicorn_logconfig(_service_name(sys.argv), loglevel)

# One directory per master (never shared by two gunicorns on one host), under
# PROMETHEUS_MULTIPROC_ROOT if given (a tmpfs in containers), else the system's temporary dir.
# Set before anything imports prometheus_client: it picks its storage at import time, and the
# workers fork from this process.
metrics_dir = os.path.join(
    os.environ.get("PROMETHEUS_MULTIPROC_ROOT") or tempfile.gettempdir(),
    f"bookstore-metrics-{os.getpid()}",
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir


def on_starting(server):
    """A fresh directory per run: files of an earlier master would be added to ours."""
    shutil.rmtree(metrics_dir, ignore_errors=True)
    os.makedirs(metrics_dir, mode=0o700)


def child_exit(server, worker):
    """A dead worker's live gauges go; its counters stay in the totals (they only grow)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, metrics_dir)


def on_exit(server):
    shutil.rmtree(metrics_dir, ignore_errors=True)
