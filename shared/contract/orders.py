"""Cart and order rules (docs/api.md, Cart and orders)."""

from __future__ import annotations

QUANTITY_MIN, QUANTITY_MAX = 1, 99
ORDER_STATUSES: tuple[str, ...] = (
    "pending",
    "reserved",
    "paid",
    "shipped",
    "delivered",
    "rejected",
    "cancelled",
)
# Shipping address fields -> their longest length once trimmed (country: ISO 3166 alpha-2).
ADDRESS_FIELDS: dict[str, int] = {
    "name": 100,
    "line1": 200,
    "line2": 200,
    "city": 100,
    "postal_code": 20,
}
CARD_HOLDER_MAX = 100
