"""Seller fulfilment, review and balance rules (docs/api.md, Seller fulfilment)."""

from __future__ import annotations

# A shipment's life: awaiting_shipment -> shipped -> delivered, or awaiting_shipment -> cancelled.
SHIPMENT_STATUSES: tuple[str, ...] = ("awaiting_shipment", "shipped", "delivered", "cancelled")
CARRIER_MIN, CARRIER_MAX = 1, 40
TRACKING_MIN, TRACKING_MAX = 4, 40
CANCEL_REASON_MIN, CANCEL_REASON_MAX = 1, 300
RATING_MIN, RATING_MAX = 1, 5
REVIEW_COMMENT_MAX = 1000
LEDGER_KINDS: tuple[str, ...] = ("sale", "commission", "refund", "payout")
# A payout amount written as a string: positive, at most two decimals, no leading zeros or spaces.
PAYOUT_AMOUNT_PATTERN = r"^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,8}(\.[0-9]{1,2})?)$"
PAYOUT_AMOUNT_MAX = "999999999.99"
# Local defaults of the settings (README configuration table).
SHIP_BY_SECONDS_DEFAULT = 259200  # three days
COMMISSION_PERCENT_DEFAULT = 10
PAYOUT_HOLD_SECONDS_DEFAULT = 0
