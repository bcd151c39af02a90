"""Discovery and insight rules (docs/api.md, "Discovery and insight"), written once.

Used by catalog_service (recommendations, suggestions, facets), order_service (the sales
summary), the gateway's OpenAPI document and the web frontend.
"""

from __future__ import annotations

from decimal import Decimal

RECOMMENDATIONS_PER_ROW = 6
RECOMMENDATION_ROWS: tuple[str, ...] = ("also_bought", "same_author", "similar")
SUGGEST_MIN, SUGGEST_MAX = 2, 100  # characters of the typed prefix
SUGGESTIONS_MAX = 8
SALES_DAYS_MIN, SALES_DAYS_MAX, SALES_DAYS_DEFAULT = 1, 365, 30
TOP_BOOKS_MAX = 5
# Price facet buckets: [low, high) in USD; the last one is open-ended (high None).
PRICE_BUCKETS: tuple[tuple[Decimal, Decimal | None], ...] = (
    (Decimal("0.00"), Decimal("5.00")),
    (Decimal("5.00"), Decimal("10.00")),
    (Decimal("10.00"), Decimal("20.00")),
    (Decimal("20.00"), Decimal("50.00")),
    (Decimal("50.00"), None),
)
# The order statuses whose items count as sold (paid and not cancelled or rejected).
SOLD_STATUSES: tuple[str, ...] = ("paid", "shipped", "delivered")
