"""The frontend's short cache: one answer per key for its time to live, bounded in size."""

from __future__ import annotations

import pytest

from web_frontend import short_cache
from web_frontend.short_cache import ShortCache


def test_a_key_is_made_once_until_its_time_to_live_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(short_cache.time, "monotonic", lambda: clock[0])
    cache: ShortCache[int] = ShortCache(ttl=60, size=10)
    made: list[str] = []

    def make(key: str) -> int:
        made.append(key)
        return len(made)

    assert cache.get("a", lambda: make("a")) == 1
    clock[0] += 59
    assert cache.get("a", lambda: make("a")) == 1  # still fresh
    assert cache.get("b", lambda: make("b")) == 2  # another key (another viewer) is its own
    clock[0] += 2
    assert cache.get("a", lambda: make("a")) == 3  # 61 s old: made again
    assert made == ["a", "b", "a"]


def test_the_least_recently_used_key_goes_first_when_full() -> None:
    cache: ShortCache[str] = ShortCache(ttl=60, size=2)
    made: list[str] = []
    for key in ("a", "b", "a", "c", "a", "b"):
        cache.get(key, lambda key=key: made.append(key) or key)  # type: ignore[func-returns-value]
    assert made == ["a", "b", "c", "b"]  # "b" was dropped for "c"; "a" stayed in use


def test_a_failure_is_not_kept() -> None:
    cache: ShortCache[int] = ShortCache(ttl=60, size=2)

    def fail() -> int:
        raise RuntimeError("the API is away")

    with pytest.raises(RuntimeError):
        cache.get("a", fail)
    assert cache.get("a", lambda: 7) == 7
