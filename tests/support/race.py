"""Racing calls: released together, every one counted, any exception re-raised in the test."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def race(calls: Sequence[Callable[[], T]], timeout: float = 120) -> list[T]:
    """Run every call in its own thread, all released at once; their results in call order.

    A call that raises fails the test with its own exception (not a thread warning), and a
    call that never returns fails it with a timeout: no racer goes uncounted.
    """
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[], T]) -> T:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(released, call) for call in calls]
        results = [future.result(timeout=timeout) for future in futures]
    assert len(results) == len(calls)
    return results
