"""Payments behind a narrow interface: authorize, capture, void, refund.

`PaymentProvider` is what the rest of order_service sees; `SimulatedProvider` implements it with
the test cards of docs/saga.md and keeps its ledger in its own table, in transactions of
its own (as a remote provider would). A real provider replaces it without touching the saga.
Every call but `authorize` is idempotent, so a redelivered event can never charge twice. Only the
brand and the last four digits ever leave a `Card`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from order_service.models import SimulatedPayment, SimulatedRefund
from shared.db import utcnow

DECLINED_AT_AUTHORIZATION = "4000000000000002"
FAILS_AT_CAPTURE = "4000000000000341"


@dataclass(frozen=True)
class Card:
    number: str = field(repr=False)  # digits only; never stored, never logged
    exp_month: int
    exp_year: int
    cvc: str = field(repr=False)
    holder: str

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def brand(self) -> str:
        return card_brand(self.number)


def card_brand(number: str) -> str:
    """The card network from the number's prefix (enough for display)."""
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"34", "37"}:
        return "amex"
    if 51 <= int(number[:2] or 0) <= 55 or 2221 <= int(number[:4] or 0) <= 2720:
        return "mastercard"
    if number.startswith(("6011", "65")):
        return "discover"
    return "card"


@dataclass(frozen=True)
class Authorization:
    id: str
    brand: str
    last4: str


class PaymentDeclined(Exception):
    """The issuer refused the authorization (the client gets a 402)."""


class CaptureFailed(Exception):
    """The capture of an authorization failed (the saga compensates)."""


class AlreadyCaptured(Exception):
    """A void came after a capture (one whose commit on our side was lost): refund instead."""

    def __init__(self, payment_id: str) -> None:
        super().__init__(f"already captured as {payment_id}")
        self.payment_id = payment_id


class PaymentProvider(Protocol):
    def authorize(
        self, *, card: Card, amount: Decimal, currency: str, reference: str
    ) -> Authorization: ...

    def capture(self, *, authorization_id: str, amount: Decimal) -> str: ...

    def void(self, *, authorization_id: str) -> None: ...

    def refund(self, *, payment_id: str, amount: Decimal, reference: str | None = None) -> None:
        """Refund `amount` (capped at what is left); a repeated `reference` refunds nothing."""
        ...


def release_payment(
    provider: PaymentProvider, *, authorization_id: str, payment_id: str | None, amount: Decimal
) -> str:
    """Give the buyer's money back whatever happened so far: 'voided' or 'refunded'."""
    if payment_id is None:
        try:
            provider.void(authorization_id=authorization_id)
            return "voided"
        except AlreadyCaptured as captured:
            payment_id = captured.payment_id
    provider.refund(payment_id=payment_id, amount=amount)
    return "refunded"


class SimulatedProvider:
    """The simulated card provider: test cards decide the outcome."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def authorize(
        self, *, card: Card, amount: Decimal, currency: str, reference: str
    ) -> Authorization:
        if card.number == DECLINED_AT_AUTHORIZATION:
            raise PaymentDeclined("The card was declined.")
        auth = SimulatedPayment(
            id=f"auth_{uuid.uuid4().hex}",
            reference=reference,
            amount=amount,
            currency=currency,
            brand=card.brand,
            last4=card.last4,
            status="authorized",
            capture_fails=card.number == FAILS_AT_CAPTURE,
            captures=0,
            refunds=0,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        with self._sessions() as session, session.begin():
            session.add(auth)
        return Authorization(id=auth.id, brand=auth.brand, last4=auth.last4)

    def capture(self, *, authorization_id: str, amount: Decimal) -> str:
        with self._sessions() as session, session.begin():
            auth = self._locked(session, SimulatedPayment.id == authorization_id)
            if auth.status == "captured" and auth.payment_id:
                return auth.payment_id  # a repeated capture returns the first one
            if auth.status != "authorized" or amount > auth.amount:
                raise CaptureFailed(f"authorization is {auth.status}")
            if auth.capture_fails:
                raise CaptureFailed("the issuer refused the capture")
            auth.status, auth.payment_id = "captured", f"pay_{uuid.uuid4().hex}"
            auth.captures += 1
            auth.updated_at = utcnow()
            return auth.payment_id

    def void(self, *, authorization_id: str) -> None:
        with self._sessions() as session, session.begin():
            auth = self._locked(session, SimulatedPayment.id == authorization_id)
            if auth.status == "captured" and auth.payment_id:
                raise AlreadyCaptured(auth.payment_id)
            if auth.status == "authorized":
                auth.status, auth.updated_at = "voided", utcnow()

    def refund(self, *, payment_id: str, amount: Decimal, reference: str | None = None) -> None:
        """Partial refunds add up; the payment is `refunded` once all of it went back."""
        with self._sessions() as session, session.begin():
            auth = self._locked(session, SimulatedPayment.payment_id == payment_id)
            if auth.status != "captured":
                return
            reference = reference or f"full:{payment_id}"
            if session.get(SimulatedRefund, reference) is not None:
                return  # this refund already happened (a replayed step)
            take = min(amount, auth.amount - auth.refunded_amount)
            if take <= 0:
                return
            session.add(
                SimulatedRefund(
                    reference=reference, payment_id=payment_id, amount=take, created_at=utcnow()
                )
            )
            auth.refunded_amount += take
            auth.refunds, auth.updated_at = auth.refunds + 1, utcnow()
            if auth.refunded_amount >= auth.amount:
                auth.status = "refunded"

    @staticmethod
    def _locked(session: Session, condition: object) -> SimulatedPayment:
        found = session.scalars(
            select(SimulatedPayment).where(condition).with_for_update()  # type: ignore[arg-type]
        ).one_or_none()
        if found is None:
            raise CaptureFailed("unknown authorization or payment")
        return found
