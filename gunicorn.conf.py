"""gunicorn settings for every api process; the environment tunes them (WEB_CONCURRENCY...)."""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
accesslog = None  # the apps log every request as JSON themselves
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Every local process would share $HOME/.gunicorn/gunicorn.ctl; nothing here uses it.
control_socket_disable = True
