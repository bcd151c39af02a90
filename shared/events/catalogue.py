"""The event catalogue: one class per event type, holding the fields of its `data`.

This module is the single source of truth for what travels between services. Producers build
these classes (`record(session, OrderPaid(...))`), the consumer decodes every message it has a
handler for into one of them before any handler runs (a payload that does not fit is dead-lettered
there, once, for every handler), and `docs/events.md` is generated from them
(`make events`, checked by tests/unit/test_events_contract.py).

Adding an event: write its class here (docstring, `TYPE`, `PRODUCER`, fields with a docstring
each), record it in the producer's use case, add a handler to each consumer's dispatch table,
then `make events`. Readers are tolerant: unknown fields are ignored, so a producer may add
optional fields without waiting for its consumers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from shared.timestamps import iso


def money_text(amount: Decimal) -> str:
    """Money on the wire: a decimal string with exactly two decimals ("12.50")."""
    return f"{amount.quantize(Decimal('0.01'))}"


# Field types shared by several events (each says what it accepts, in one place).
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
BookId = Annotated[str, StringConstraints(min_length=1, max_length=36)]
Text = Annotated[str, StringConstraints(min_length=1)]
Money = Annotated[
    Decimal,
    Field(ge=0),
    PlainSerializer(money_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d+\.\d{2}$"}, mode="serialization"),
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Quantity = Annotated[int, Field(strict=True, ge=1)]
Count = Annotated[int, Field(strict=True, ge=0)]
Timestamp = Annotated[
    datetime,
    PlainSerializer(iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]

EVENT_TYPES: dict[str, type[EventData]] = {}


class EventData(BaseModel):
    """The `data` of one event type. Subclasses set TYPE and PRODUCER and are registered."""

    model_config = ConfigDict(extra="ignore", frozen=True, use_attribute_docstrings=True)
    TYPE: ClassVar[str] = ""
    PRODUCER: ClassVar[str] = ""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if not cls.__dict__.get("TYPE"):
            return  # a base that groups fields (BookFields), not an event type
        if cls.TYPE in EVENT_TYPES:
            raise TypeError(f"{cls.TYPE} is catalogued twice")
        if not cls.PRODUCER:
            raise TypeError(f"{cls.__name__} names no PRODUCER")
        EVENT_TYPES[cls.TYPE] = cls

    def wire(self) -> dict[str, Any]:
        """The JSON object that travels as the envelope's `data`."""
        return self.model_dump(mode="json")


class Item(BaseModel):
    """A line of a nested list: immutable, tolerant of unknown fields like the events."""

    model_config = ConfigDict(extra="ignore", frozen=True, use_attribute_docstrings=True)


# --- auth_service -------------------------------------------------------------------------------


class UserRegistered(EventData):
    """An account was created. Consumers keep the name they show for that user."""

    TYPE: ClassVar[str] = "user.registered"
    PRODUCER: ClassVar[str] = "auth_service"
    user_id: Id
    """The new user's id (the `sub` of their tokens)."""
    email: Text
    """Their e-mail address, lower-cased."""
    name: Text
    """Their display name, as given at registration."""


class TokenRevoked(EventData):
    """A token was logged out; every gateway process refuses it until it expires."""

    TYPE: ClassVar[str] = "auth.token_revoked"
    PRODUCER: ClassVar[str] = "auth_service"
    jti: Text
    """The revoked token's `jti` claim."""
    exp: Annotated[int, Field(strict=True)]
    """The token's `exp` claim, in epoch seconds as JWT has it: the denylist forgets it after."""


class PasswordResetRequested(EventData):
    """Someone asked to reset an existing account's password: notification_service e-mails the
    link. The token is a secret: consumers never log it (nor the link)."""

    TYPE: ClassVar[str] = "auth.password_reset_requested"
    PRODUCER: ClassVar[str] = "auth_service"
    user_id: Id
    """The account's id."""
    email: Text
    """Where the link goes (the account's e-mail, lower-cased)."""
    name: Text
    """The account holder's display name, for the greeting."""
    token: Text
    """The single-use reset token (only its hash is stored by auth_service)."""
    link: Text
    """The frontend path that uses it: `/reset-password?token=…`."""
    expires_at: Timestamp
    """When the token stops working (one hour after the request)."""


# --- catalog_service ----------------------------------------------------------------------------


class BookFields(EventData):
    """Everything a listing shows; `book.created` and `book.updated` carry all of it."""

    book_id: BookId
    """The listing's id."""
    seller_id: Id
    """The seller's user id."""
    seller_name: str
    """The seller's name as the catalogue knows it ("" until it learns one)."""
    title: Text
    """Title, at most 200 characters."""
    author: str
    """Author(s)."""
    isbn: str | None
    """ISBN-10 or ISBN-13 without separators, or null."""
    category: str
    """One of the catalogue's fixed categories (shared/contract/catalogue.py)."""
    condition: Text
    """new, like_new, very_good, good or acceptable."""
    price: Money
    """Unit price, a string with two decimals."""
    currency: Currency
    """ISO 4217 code, "USD"."""
    stock: Count
    """Copies left for sale."""
    version: Annotated[int, Field(strict=True, ge=1)]
    """The catalogue row's version: read models apply an event only if newer than theirs."""
    description: str | None = None
    """Free-text description (optional)."""
    language: str | None = None
    """ISO 639-1 code of the book's language ("en"), or null (optional)."""
    published_year: int | None = None
    """Year of publication (optional)."""
    cover_url: str | None = None
    """Path of the cover image through the API, or null (optional)."""
    created_at: Timestamp | None = None
    """When the listing was created (optional)."""
    updated_at: Timestamp | None = None
    """When the listing last changed (optional)."""


class BookCreated(BookFields):
    """A seller listed a book."""

    TYPE: ClassVar[str] = "book.created"
    PRODUCER: ClassVar[str] = "catalog_service"


class BookUpdated(BookFields):
    """A listing changed: edited by its seller, stock reserved or released, or republished."""

    TYPE: ClassVar[str] = "book.updated"
    PRODUCER: ClassVar[str] = "catalog_service"


class BookDeleted(EventData):
    """A seller withdrew a listing; it can no longer be ordered and leaves every cart."""

    TYPE: ClassVar[str] = "book.deleted"
    PRODUCER: ClassVar[str] = "catalog_service"
    book_id: BookId
    """The listing's id."""
    seller_id: Id
    """The seller's user id."""
    version: Annotated[int, Field(strict=True, ge=1)]
    """The catalogue row's version at deletion."""


class StockLine(Item):
    book_id: BookId
    """The book."""
    quantity: Quantity
    """Copies taken (reserved) or given back (released)."""


class RejectedLine(Item):
    book_id: BookId
    """The book."""
    requested: Quantity
    """Copies the order asked for."""
    available: Count
    """Copies there were (0 for a deleted or unknown book)."""


class StockReserved(EventData):
    """Every item of an order was taken from stock, in one transaction."""

    TYPE: ClassVar[str] = "stock.reserved"
    PRODUCER: ClassVar[str] = "catalog_service"
    order_id: Id
    """The order."""
    items: Annotated[list[StockLine], Field(min_length=1)]
    """What was reserved, one line per book."""


class StockRejected(EventData):
    """An order could not be met in full, so nothing was reserved."""

    TYPE: ClassVar[str] = "stock.rejected"
    PRODUCER: ClassVar[str] = "catalog_service"
    order_id: Id
    """The order."""
    reason: Text
    """`insufficient_stock` or `book_unavailable` (deleted or unknown book)."""
    items: list[RejectedLine]
    """Every line of the order, with the copies there were."""


class StockReleased(EventData):
    """Stock of a cancelled order went back on the shelf, exactly once."""

    TYPE: ClassVar[str] = "stock.released"
    PRODUCER: ClassVar[str] = "catalog_service"
    order_id: Id
    """The order."""
    items: list[StockLine]
    """What came back, one line per book."""


# --- order_service ------------------------------------------------------------------------------


class OrderLine(Item):
    book_id: BookId
    """The book."""
    seller_id: Id
    """Its seller."""
    quantity: Quantity
    """Copies ordered."""
    unit_price: Money
    """Price per copy when the order was placed."""


class OrderPlaced(EventData):
    """A buyer placed an order (card authorized); the catalogue is asked to reserve its stock."""

    TYPE: ClassVar[str] = "order.placed"
    PRODUCER: ClassVar[str] = "order_service"
    order_id: Id
    """The order."""
    buyer_id: Id
    """The buyer's user id."""
    items: Annotated[list[OrderLine], Field(min_length=1)]
    """The order's lines."""
    total: Money
    """Sum of the lines."""
    currency: Currency
    """ISO 4217 code."""


class OrderPaid(EventData):
    """Payment was captured after the stock was reserved: the reserved copies are sold."""

    TYPE: ClassVar[str] = "order.paid"
    PRODUCER: ClassVar[str] = "order_service"
    order_id: Id
    """The order."""
    buyer_id: Id
    """The buyer's user id."""
    amount: Money
    """Amount captured."""
    currency: Currency
    """ISO 4217 code."""
    payment_id: Text
    """The payment provider's capture id."""


class OrderCancelled(EventData):
    """An order was cancelled (by its buyer, a failed capture, or a timeout) before shipping."""

    TYPE: ClassVar[str] = "order.cancelled"
    PRODUCER: ClassVar[str] = "order_service"
    order_id: Id
    """The order."""
    buyer_id: Id
    """The buyer's user id."""
    reason: str
    """Why, in words a buyer can read."""
    stock_was_reserved: Annotated[bool, Field(strict=True)]
    """Whether the catalogue had reserved its stock (it releases it either way, once)."""


class OrderShipped(EventData):
    """A paid order left with the (simulated) carrier."""

    TYPE: ClassVar[str] = "order.shipped"
    PRODUCER: ClassVar[str] = "order_service"
    order_id: Id
    """The order."""
    carrier: Text
    """Carrier name."""
    tracking_number: Text
    """Carrier's tracking number."""


class OrderDelivered(EventData):
    """A shipped order reached its buyer."""

    TYPE: ClassVar[str] = "order.delivered"
    PRODUCER: ClassVar[str] = "order_service"
    order_id: Id
    """The order."""


# --- order_service: seller fulfilment and reviews ------------------------------------------------


class ShipmentMoved(EventData):
    """Fields common to a shipment leaving and reaching its buyer."""

    order_id: Id
    """The order the shipment belongs to."""
    shipment_id: Id
    """The shipment (one per seller of a paid order)."""
    seller_id: Id
    """The seller who sends it."""
    buyer_id: Id
    """The buyer's user id."""
    carrier: Text
    """Carrier name."""
    tracking_number: Text
    """Carrier's tracking number."""


class ShipmentAwaiting(EventData):
    """A paid order's part waits for a seller who ships by hand (auto-ship off): a reminder."""

    TYPE: ClassVar[str] = "shipment.awaiting"
    PRODUCER: ClassVar[str] = "order_service"
    order_id: Id
    """The order the shipment belongs to."""
    shipment_id: Id
    """The shipment (one per seller of a paid order)."""
    seller_id: Id
    """The seller who must send it."""
    buyer_id: Id
    """The buyer's user id."""
    ship_by: Timestamp
    """When it is cancelled by itself (and refunded) if not shipped."""


class ShipmentShipped(ShipmentMoved):
    """A seller (or the simulated carrier for an auto-shipping seller) sent their part."""

    TYPE: ClassVar[str] = "shipment.shipped"
    PRODUCER: ClassVar[str] = "order_service"


class ShipmentDelivered(ShipmentMoved):
    """A shipment reached its buyer (the carrier said so, or the buyer confirmed receipt)."""

    TYPE: ClassVar[str] = "shipment.delivered"
    PRODUCER: ClassVar[str] = "order_service"


class ShipmentCancelled(EventData):
    """A shipment will not be sent: its stock goes back and its part of the payment is refunded."""

    TYPE: ClassVar[str] = "shipment.cancelled"
    PRODUCER: ClassVar[str] = "order_service"
    order_id: Id
    """The order the shipment belongs to."""
    shipment_id: Id
    """The shipment."""
    seller_id: Id
    """Its seller."""
    buyer_id: Id
    """The buyer's user id."""
    reason: str
    """Why, in words a buyer can read (the seller's reason, or the missed ship-by date)."""
    items: list[StockLine]
    """The copies that go back on the shelf, one line per book."""
    refund_amount: Money
    """What the buyer gets back for this shipment."""


class ReviewPosted(EventData):
    """A buyer rated the seller of a delivered shipment (once per shipment)."""

    TYPE: ClassVar[str] = "review.posted"
    PRODUCER: ClassVar[str] = "order_service"
    review_id: Id
    """The review."""
    order_id: Id
    """The order."""
    shipment_id: Id
    """The delivered shipment it rates."""
    seller_id: Id
    """The rated seller."""
    buyer_id: Id
    """The buyer who wrote it."""
    buyer_name: str
    """The buyer's name as shown with the review."""
    rating: Annotated[int, Field(strict=True, ge=1, le=5)]
    """1 to 5 stars."""
    comment: str | None = None
    """Optional text, at most 1000 characters."""
    created_at: Timestamp | None = None
    """When it was written."""


# --- notification_service ----------------------------------------------------------------------


class WantMatched(EventData):
    """A listing matches a user's want, for the first time (once per want and book, ever)."""

    TYPE: ClassVar[str] = "want.matched"
    PRODUCER: ClassVar[str] = "notification_service"
    want_id: Id
    """The want."""
    user_id: Id
    """Who wants it."""
    book_id: BookId
    """The matching listing."""
