"""Favourites, wants and notifications (docs/api.md): limits, the order of conditions, the
notification kinds and the e-mail preference each kind obeys."""

from __future__ import annotations

from shared.contract.catalogue import CONDITIONS

WANT_TEXT_MIN, WANT_TEXT_MAX = 2, 200
WANTS_PER_USER_MAX = 100
# Worst to best: a want's `min_condition` accepts that condition and every better one.
CONDITION_ORDER: tuple[str, ...] = ("acceptable", "good", "very_good", "like_new", "new")
assert set(CONDITION_ORDER) == set(CONDITIONS)

# Each preference (`/api/me/preferences`, `/my/settings`) and the kinds it governs.
PREFERENCES: dict[str, str] = {  # name -> how the settings page names it
    "orders": "My orders (placed, paid, shipped, delivered, cancelled, rejected)",
    "sales": "My sales",
    "wants": "Matches for my wants",
    "favourites": "Changes to my favourites",
}
KINDS: dict[str, str] = {  # kind -> its preference
    "order_placed": "orders",
    "order_paid": "orders",
    "order_shipped": "orders",
    "order_delivered": "orders",
    "order_cancelled": "orders",
    "order_rejected": "orders",
    "sale_made": "sales",
    "want_matched": "wants",
    "favourite_price_dropped": "favourites",
    "favourite_sold_out": "favourites",
    "favourite_back_in_stock": "favourites",
    "shipment_due": "sales",
    "shipment_shipped": "orders",
    "shipment_cancelled": "orders",
    "review_received": "sales",
}


def condition_at_least(condition: str, minimum: str | None) -> bool:
    """True when `condition` is `minimum` or better (no minimum: any condition)."""
    if minimum is None:
        return True
    if condition not in CONDITION_ORDER:
        return False
    return CONDITION_ORDER.index(condition) >= CONDITION_ORDER.index(minimum)
