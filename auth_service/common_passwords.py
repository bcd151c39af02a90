"""The 30,000 most common passwords (zxcvbn's list, from leaked password dumps), refused at
registration. Loaded once, on first use, as a set of lower-cased entries."""

from __future__ import annotations

from functools import cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS


@cache
def _common() -> frozenset[str]:
    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """True for a password on the list, whatever its case or surrounding spaces."""
    return password.strip().lower() in _common()
