"""The loop behind every worker timer (WorkerSpec.timers): order and shipment timers, mail.

Fires due work until stopped: again at once while the last round found some, after `poll`
seconds when it found none, and after a growing pause when it failed (a database outage
included); it never dies, so a worker's timers outlive every outage they meet.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session

from shared.events.retry import Backoff

log = logging.getLogger(__name__)


def polling_loop(
    what: str,
    session_factory: Callable[[], Session],
    fire_due: Callable[[Session], int],
    *,
    poll: float,
) -> Callable[[threading.Event], None]:
    """`run(stop)`: each round opens a session and calls `fire_due(session)` (how many it did)."""

    def run(stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                with session_factory() as session:
                    fired = fire_due(session)
                failures = 0
            except Exception as exc:  # outages included: the loop must never die
                failures += 1
                fired = 0
                log.warning("%s failed (%s); retrying", what, exc)
                stop.wait(Backoff(base=0.5, cap=10).delay(failures))
            if not fired:
                stop.wait(poll)

    return run
