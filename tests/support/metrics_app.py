"""A small app on the shared web plumbing, for tests that run it under real gunicorn workers."""

from __future__ import annotations

import os
import time

from flask import Flask, jsonify

from shared.web.app import init_common

app = Flask(__name__)
init_common(app, service="metrics_probe", checks={"always": lambda: True})


@app.get("/things/<thing_id>")
def thing(thing_id: str):  # type: ignore[no-untyped-def]
    """Answers slowly enough that concurrent requests need both workers; says which answered."""
    time.sleep(0.02)
    return jsonify(id=thing_id, pid=os.getpid())
