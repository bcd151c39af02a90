"""The catalogue's active filters as removable chips: what the results are filtered by, each with
the address of the same results without it."""

from __future__ import annotations

from typing import Any

from flask import url_for

from shared.contract.catalogue import CONDITIONS


def filter_chips(active: dict[str, str]) -> list[dict[str, Any]]:
    """[{label, remove_url}] for each filter in use (the sort and the page are not filters, and
    the search words are in the heading and the search box already)."""
    chips = []
    for key, value in active.items():
        if key == "q":
            continue
        label = _label(key, value)
        if label is None:
            continue
        rest: dict[str, Any] = {k: v for k, v in active.items() if k != key}
        chips.append({"key": key, "label": label, "remove_url": url_for("catalogue.home", **rest)})
    return chips


def heading(active: dict[str, str]) -> str | None:
    """A heading naming the filters ("Fantasy · Very good · up to $10.00"), or None."""
    labels = [_label(k, v) for k, v in active.items() if k != "q"]
    shown = [label for label in labels if label]
    return " · ".join(shown) if shown else None


def _label(key: str, value: str) -> str | None:
    if key == "q":
        return f"“{value}”"
    if key == "category":
        return value
    if key == "condition":
        return CONDITIONS.get(value, value)
    if key == "min_price":
        return f"from ${value}"
    if key == "max_price":
        return f"up to ${value}"
    return None  # the sort orders the results, it does not filter them
