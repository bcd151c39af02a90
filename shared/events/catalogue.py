"""The event catalogue of DESIGN.md section 3: every type and the data fields it must carry."""

REQUIRED_DATA: dict[str, frozenset[str]] = {
    "user.registered": frozenset({"user_id", "email", "name"}),
    "auth.token_revoked": frozenset({"jti", "exp"}),
    "book.created": frozenset(
        {
            "book_id",
            "seller_id",
            "seller_name",
            "title",
            "author",
            "isbn",
            "category",
            "condition",
            "price",
            "currency",
            "stock",
            "version",
        }
    ),
    "book.deleted": frozenset({"book_id", "seller_id", "version"}),
    "order.placed": frozenset({"order_id", "buyer_id", "items", "total", "currency"}),
    "stock.reserved": frozenset({"order_id", "items"}),
    "stock.rejected": frozenset({"order_id", "reason", "items"}),
    "stock.released": frozenset({"order_id", "items"}),
    "order.paid": frozenset({"order_id", "buyer_id", "amount", "currency", "payment_id"}),
    "order.cancelled": frozenset({"order_id", "buyer_id", "reason", "stock_was_reserved"}),
    "order.shipped": frozenset({"order_id", "carrier", "tracking_number"}),
    "order.delivered": frozenset({"order_id"}),
}
REQUIRED_DATA["book.updated"] = REQUIRED_DATA["book.created"]


def missing_fields(event_type: str, data: dict) -> list[str]:
    """Data fields the catalogue requires for this type that `data` lacks (unknown types: none)."""
    return sorted(REQUIRED_DATA.get(event_type, frozenset()) - data.keys())
