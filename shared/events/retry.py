"""Backoff and the bounded retry policy for failed handlers (docs/architecture.md, rule 4)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, capped: delay(1) ~ base, delay(n) <= cap."""

    base: float = 0.5
    cap: float = 15.0
    jitter: bool = True

    def delay(self, attempt: int) -> float:
        ceiling = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return random.uniform(ceiling / 2, ceiling) if self.jitter else ceiling


@dataclass(frozen=True)
class RetryPolicy:
    """A handler that raises is retried after a backoff until `max_attempts`, then dead-lettered."""

    max_attempts: int = 5
    backoff: Backoff = Backoff(base=0.5, cap=30.0)

    def next_step(self, attempts_made: int) -> tuple[str, float]:
        """('retry', delay seconds) or ('dead_letter', 0) after `attempts_made` failed attempts."""
        if attempts_made >= self.max_attempts:
            return "dead_letter", 0.0
        return "retry", self.backoff.delay(attempts_made)
