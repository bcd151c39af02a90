"""The only reader of os.environ in order_service, with working local defaults (see
shared/config.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal

from order_service.shipments import Fulfilment
from shared.config import (
    ROOT,
    FollowsRevocations,
    ServiceSettings,
    database_url,
    setting,
    worker_health_port,
)
from shared.contract.fulfilment import (
    COMMISSION_PERCENT_DEFAULT,
    PAYOUT_HOLD_SECONDS_DEFAULT,
    SHIP_BY_SECONDS_DEFAULT,
)

__all__ = ["ROOT", "Config", "from_env"]  # ROOT: rebuild_read_model runs from the repository


class Config(ServiceSettings, FollowsRevocations):
    database_url: str = database_url("ORDER", "bookstore_orders")
    worker_health_port: int = worker_health_port(8203)
    shipping_delay_seconds: float = setting("SHIPPING_DELAY_SECONDS", 10.0)
    delivery_delay_seconds: float = setting("DELIVERY_DELAY_SECONDS", 10.0)
    timer_poll_seconds: float = setting("ORDER_TIMER_POLL_SECONDS", 0.25)
    # A pending order the catalogue never answered is cancelled after this (never stuck).
    pending_timeout_seconds: float = setting("ORDER_PENDING_TIMEOUT_SECONDS", 600.0)
    # `python -m order_service.rebuild_read_model` runs this to make the catalogue republish.
    republish_command: str = setting(
        "ORDER_REPUBLISH_COMMAND", "python -m catalog_service.republish"
    )
    # Seller fulfilment (docs/saga.md): ship-by deadline, commission, payout hold.
    ship_by_seconds: float = setting("SHIP_BY_SECONDS", float(SHIP_BY_SECONDS_DEFAULT))
    commission_percent: Decimal = setting("COMMISSION_PERCENT", Decimal(COMMISSION_PERCENT_DEFAULT))
    payout_hold_seconds: float = setting("PAYOUT_HOLD_SECONDS", float(PAYOUT_HOLD_SECONDS_DEFAULT))

    @property
    def fulfilment(self) -> Fulfilment:
        return Fulfilment(
            ship_by_seconds=self.ship_by_seconds,
            auto_ship_delay_seconds=self.shipping_delay_seconds,
            delivery_delay_seconds=self.delivery_delay_seconds,
            commission_percent=self.commission_percent,
            payout_hold_seconds=self.payout_hold_seconds,
        )


def from_env(env: Mapping[str, str] = os.environ) -> Config:
    return Config.from_env(env)
