"""Cart and order rules (docs/api.md, Cart and orders)."""

from __future__ import annotations

import json
from pathlib import Path

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
# ISO 3166-1 alpha-2 code -> English name, sorted by name (generated once from Debian's
# iso-codes for exactly shared/countries.py's codes): the checkout's country list.
COUNTRY_NAMES: dict[str, str] = json.loads(
    Path(__file__).with_name("countries.json").read_text(encoding="utf-8")
)
