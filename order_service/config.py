"""The only reader of os.environ in order_service, with working local defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from order_service.shipments import Fulfilment
from shared.config import flag
from shared.contract.fulfilment import (
    COMMISSION_PERCENT_DEFAULT,
    PAYOUT_HOLD_SECONDS_DEFAULT,
    SHIP_BY_SECONDS_DEFAULT,
)

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Config:
    database_url: str
    rabbitmq_url: str
    event_prefix: str
    jwt_public_key_file: str
    jwt_issuer: str
    jwt_audience: str
    log_level: str
    worker_health_port: int
    # auth_service's api replicas, asked for revoked tokens (shared/web/revocations.py).
    auth_url: str = "http://127.0.0.1:8101"
    follow_revocations: bool = True  # off only where no auth_service runs (tests, tools)
    shipping_delay_seconds: float = 10.0
    delivery_delay_seconds: float = 10.0
    timer_poll_seconds: float = 0.25
    # A pending order the catalogue never answered is cancelled after this (never stuck).
    pending_timeout_seconds: float = 600.0
    # `python -m order_service.rebuild_read_model` runs this to make the catalogue republish.
    republish_command: str = "python -m catalog_service.republish"
    # Seller fulfilment (docs/saga.md): ship-by deadline, commission, payout hold.
    ship_by_seconds: float = SHIP_BY_SECONDS_DEFAULT
    commission_percent: Decimal = Decimal(COMMISSION_PERCENT_DEFAULT)
    payout_hold_seconds: float = PAYOUT_HOLD_SECONDS_DEFAULT

    @property
    def fulfilment(self) -> Fulfilment:
        return Fulfilment(
            ship_by_seconds=self.ship_by_seconds,
            auto_ship_delay_seconds=self.shipping_delay_seconds,
            delivery_delay_seconds=self.delivery_delay_seconds,
            commission_percent=self.commission_percent,
            payout_hold_seconds=self.payout_hold_seconds,
        )


def from_env(env: os._Environ[str] | dict[str, str] = os.environ) -> Config:
    return Config(
        database_url=env.get(
            "ORDER_DATABASE_URL", "mysql+pymysql://root@127.0.0.1:3306/bookstore_orders"
        ),
        rabbitmq_url=env.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
        event_prefix=env.get("EVENT_PREFIX", ""),
        jwt_public_key_file=env.get("JWT_PUBLIC_KEY_FILE", str(ROOT / "var/keys/jwt_public.pem")),
        jwt_issuer=env.get("JWT_ISSUER", "bookstore-auth"),
        jwt_audience=env.get("JWT_AUDIENCE", "bookstore"),
        log_level=env.get("LOG_LEVEL", "INFO"),
        worker_health_port=int(env.get("WORKER_HEALTH_PORT", "8203")),
        auth_url=env.get("AUTH_URL", "http://127.0.0.1:8101"),
        follow_revocations=flag(env, "FOLLOW_REVOCATIONS", True),
        shipping_delay_seconds=float(env.get("SHIPPING_DELAY_SECONDS", "10")),
        delivery_delay_seconds=float(env.get("DELIVERY_DELAY_SECONDS", "10")),
        timer_poll_seconds=float(env.get("ORDER_TIMER_POLL_SECONDS", "0.25")),
        pending_timeout_seconds=float(env.get("ORDER_PENDING_TIMEOUT_SECONDS", "600")),
        republish_command=env.get("ORDER_REPUBLISH_COMMAND", "python -m catalog_service.republish"),
        ship_by_seconds=float(env.get("SHIP_BY_SECONDS", str(SHIP_BY_SECONDS_DEFAULT))),
        commission_percent=Decimal(env.get("COMMISSION_PERCENT", str(COMMISSION_PERCENT_DEFAULT))),
        payout_hold_seconds=float(env.get("PAYOUT_HOLD_SECONDS", str(PAYOUT_HOLD_SECONDS_DEFAULT))),
    )
