"""The `?status=` filter of the seller's shipments (the bodies of the fulfilment routes are the
models of shared/contract/fulfilment.py)."""

from __future__ import annotations

from shared.contract.fulfilment import SHIPMENT_STATUSES
from shared.web.errors import ValidationError


def parse_status(value: str | None) -> str | None:
    """Blank: every status."""
    if not value:
        return None
    if value not in SHIPMENT_STATUSES:
        raise ValidationError({"status": f"must be one of {', '.join(SHIPMENT_STATUSES)}"})
    return value
