"""What notification_service reacts to: users and books feed its read models; order, stock and
book events become notifications (inbox rows, and e-mail deliveries per preferences).

Failure policy (CONTRIBUTING.md): data that does not fit its class never reaches a handler (the
Consumer dead-letters it). order.shipped, order.delivered and stock.rejected name only the order:
its buyer comes from order.placed (order_parties). For stock.rejected, which can overtake that
order.placed, an unknown order raises and is retried (then dead-lettered); for the later events
an unknown order is one placed before this service existed, and nothing is sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.mysql import insert
from sqlalchemy.orm import Session

from notification_service import matcher, readmodel
from notification_service.inbox import notify, send_mail
from notification_service.mail import compose
from notification_service.models import Book, Favourite, OrderParty, User
from shared.db import utcnow
from shared.events import Envelope, Handler
from shared.events.catalogue import (
    EVENT_TYPES,
    BookDeleted,
    BookFields,
    OrderCancelled,
    OrderDelivered,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    ReviewPosted,
    ShipmentAwaiting,
    ShipmentCancelled,
    ShipmentShipped,
    StockRejected,
    UserRegistered,
    money_text,
)

log = logging.getLogger(__name__)


def on_user_registered(session: Session, event: Envelope[UserRegistered]) -> None:
    """Keep the user's address and name: where their e-mail goes."""
    data = event.data
    row = {"user_id": data.user_id, "email": data.email[:320], "name": data.name[:200]}
    session.execute(insert(User).values(**row).on_duplicate_key_update(row))


@dataclass(frozen=True)
class Notifier:
    public_url: str  # the web frontend, for links in e-mails

    def _notify(
        self, session: Session, user_id: str, kind: str, title: str, body: str, link: str
    ) -> None:
        notify(
            session,
            user_id=user_id,
            kind=kind,
            title=title,
            body=body,
            link=link,
            public_url=self.public_url,
        )

    # --- books: the read model, favourites and wants -------------------------------------------

    def on_book_upserted(self, session: Session, event: Envelope[BookFields]) -> None:
        change = readmodel.apply_upsert(session, event.data)
        if change is None:
            return  # an older or repeated version
        self._favourite_changes(session, change)
        book = readmodel.listing(change.book)
        if book.stock > 0:
            wants = matcher.candidate_wants(session, book)
            for want in matcher.new_matches(session, wants, book, cause=event):
                self._notify(
                    session,
                    want.user_id,
                    "want_matched",
                    f"A book you want is for sale: {book.title}",
                    f"“{book.title}” by {book.author} is listed at ${money_text(book.price)} "
                    f"({book.condition.replace('_', ' ')}).",
                    f"/books/{book.book_id}",
                )

    def on_book_deleted(self, session: Session, event: Envelope[BookDeleted]) -> None:
        readmodel.apply_deleted(session, event.data)

    def _favourite_changes(self, session: Session, change: readmodel.Change) -> None:
        book = change.book
        if change.before_price is None or change.before_stock is None:
            return  # new to us: nobody can have it as a favourite yet
        notes = []
        if book.price < change.before_price:
            notes.append(
                (
                    "favourite_price_dropped",
                    f"Price drop: {book.title}",
                    f"“{book.title}” now costs ${money_text(book.price)} "
                    f"(was ${money_text(change.before_price)}).",
                )
            )
        if change.before_stock > 0 and book.stock == 0:
            notes.append(
                ("favourite_sold_out", f"Sold out: {book.title}", f"“{book.title}” sold out.")
            )
        if change.before_stock == 0 and book.stock > 0:
            notes.append(
                (
                    "favourite_back_in_stock",
                    f"Back in stock: {book.title}",
                    f"“{book.title}” is available again at ${money_text(book.price)}.",
                )
            )
        if not notes:
            return
        fans = session.scalars(select(Favourite.user_id).where(Favourite.book_id == book.book_id))
        for user_id in list(fans):
            for kind, title, body in notes:
                self._notify(session, user_id, kind, title, body, f"/books/{book.book_id}")

    # --- orders ----------------------------------------------------------------------------------

    def on_order_placed(self, session: Session, event: Envelope[OrderPlaced]) -> None:
        data = event.data
        sellers = len({line.seller_id for line in data.items})
        party = {"order_id": data.order_id, "buyer_id": data.buyer_id, "sellers": sellers}
        session.execute(insert(OrderParty).values(**party).prefix_with("IGNORE"))
        count = sum(line.quantity for line in data.items)
        self._notify(
            session,
            data.buyer_id,
            "order_placed",
            "Order placed",
            f"We received your order of {count} book(s), ${money_text(data.total)}.",
            f"/orders/{data.order_id}",
        )
        for seller_id in dict.fromkeys(line.seller_id for line in data.items):
            lines = [line for line in data.items if line.seller_id == seller_id]
            titles = ", ".join(f"“{_title(session, line.book_id)}”" for line in lines)
            amount = sum((line.unit_price * line.quantity for line in lines), Decimal(0))
            self._notify(
                session,
                seller_id,
                "sale_made",
                "You made a sale",
                f"A buyer ordered {titles} (${money_text(amount)}).",
                "/my/sales",
            )

    def on_order_paid(self, session: Session, event: Envelope[OrderPaid]) -> None:
        data = event.data
        body = f"Your payment of ${money_text(data.amount)} went through."
        self._notify(
            session, data.buyer_id, "order_paid", "Order paid", body, f"/orders/{data.order_id}"
        )

    def on_order_cancelled(self, session: Session, event: Envelope[OrderCancelled]) -> None:
        data = event.data
        body = (
            f"Your order was cancelled: {data.reason}."
            if data.reason
            else "Your order was cancelled."
        )
        self._notify(
            session,
            data.buyer_id,
            "order_cancelled",
            "Order cancelled",
            body,
            f"/orders/{data.order_id}",
        )

    def on_order_shipped(self, session: Session, event: Envelope[OrderShipped]) -> None:
        data = event.data
        if (buyer := _buyer(session, data.order_id)) is None:
            log.info("order.shipped for an order placed before this service knew it; skipped")
            return
        body = f"Your order is on its way with {data.carrier} (tracking {data.tracking_number})."
        self._notify(
            session, buyer, "order_shipped", "Order shipped", body, f"/orders/{data.order_id}"
        )

    def on_order_delivered(self, session: Session, event: Envelope[OrderDelivered]) -> None:
        data = event.data
        if (buyer := _buyer(session, data.order_id)) is None:
            log.info("order.delivered for an order placed before this service knew it; skipped")
            return
        body = "Your order was delivered. Enjoy your books!"
        self._notify(
            session, buyer, "order_delivered", "Order delivered", body, f"/orders/{data.order_id}"
        )

    def on_stock_rejected(self, session: Session, event: Envelope[StockRejected]) -> None:
        data = event.data
        if (buyer := _buyer(session, data.order_id)) is None:
            # order.placed may still be on its way (retried, then dead-lettered for an operator)
            raise LookupError(f"stock.rejected for an order not known yet: {data.order_id}")
        titles = ", ".join(f"“{_title(session, line.book_id)}”" for line in data.items)
        body = f"Your order could not be completed: not enough stock for {titles or 'a book'}."
        self._notify(
            session, buyer, "order_rejected", "Order rejected", body, f"/orders/{data.order_id}"
        )

    # --- seller fulfilment: parts of an order, reviews ----------------------------------------

    def on_shipment_awaiting(self, session: Session, event: Envelope[ShipmentAwaiting]) -> None:
        """A seller who ships by hand has a part to send, and a date to send it by."""
        data = event.data
        body = (
            f"A buyer is waiting for your part of order {data.order_id[:8]}: ship it by "
            f"{data.ship_by:%d %b %Y, %H:%M} UTC, or it is cancelled and refunded."
        )
        self._notify(session, data.seller_id, "shipment_due", "Shipment due", body, "/my/shipments")

    def on_shipment_shipped(self, session: Session, event: Envelope[ShipmentShipped]) -> None:
        """A part of a several-seller order left (one seller's order: order.shipped says it)."""
        data = event.data
        if _sellers(session, data.order_id) < 2:
            return
        body = f"A part of your order is on its way with {data.carrier} ({data.tracking_number})."
        link = f"/orders/{data.order_id}"
        self._notify(session, data.buyer_id, "shipment_shipped", "Part shipped", body, link)

    def on_shipment_cancelled(self, session: Session, event: Envelope[ShipmentCancelled]) -> None:
        """A part will not come: the buyer learns why and what is refunded."""
        data = event.data
        if _sellers(session, data.order_id) < 2:
            return  # the whole order is cancelled: order.cancelled says it
        body = (
            f"A part of your order was cancelled ({data.reason}); "
            f"${money_text(data.refund_amount)} is refunded."
        )
        link = f"/orders/{data.order_id}"
        self._notify(session, data.buyer_id, "shipment_cancelled", "Part cancelled", body, link)

    def on_review_posted(self, session: Session, event: Envelope[ReviewPosted]) -> None:
        data = event.data
        stars = "★" * data.rating + "☆" * (5 - data.rating)
        body = f"{data.buyer_name} rated you {stars}" + (
            f": “{data.comment}”" if data.comment else "."
        )
        link = f"/sellers/{data.seller_id}"
        self._notify(session, data.seller_id, "review_received", "New review", body, link)

    # --- the password-reset hook -----------------------------------------------------------------

    def on_password_reset_requested(self, session: Session, event: Envelope) -> None:
        """E-mail the reset link to the address in the event. The token is never logged."""
        data = event.data
        mail = compose(
            name=data.name,
            title="Reset your password",
            body="Someone (we hope you) asked to reset your BookStore password. The link "
            "works once, for one hour. If it was not you, ignore this e-mail.",
            url=self.public_url + data.link,
        )
        send_mail(session, to=data.email, mail=mail, key=event.id, now=utcnow())


def _buyer(session: Session, order_id: str) -> str | None:
    return session.scalar(select(OrderParty.buyer_id).where(OrderParty.order_id == order_id))


def _sellers(session: Session, order_id: str) -> int:
    found = session.scalar(select(OrderParty.sellers).where(OrderParty.order_id == order_id))
    return int(found or 1)


def _title(session: Session, book_id: str) -> str:
    return session.scalar(select(Book.title).where(Book.book_id == book_id)) or "a book"


def build_handlers(notifier: Notifier) -> dict[str, list[Handler]]:
    """The dispatch table: everything notification_service reacts to, in one place."""
    handlers: dict[str, list[Handler]] = {
        "user.registered": [on_user_registered],
        "book.created": [notifier.on_book_upserted],
        "book.updated": [notifier.on_book_upserted],
        "book.deleted": [notifier.on_book_deleted],
        "order.placed": [notifier.on_order_placed],
        "order.paid": [notifier.on_order_paid],
        "order.cancelled": [notifier.on_order_cancelled],
        "order.shipped": [notifier.on_order_shipped],
        "order.delivered": [notifier.on_order_delivered],
        "stock.rejected": [notifier.on_stock_rejected],
        "shipment.awaiting": [notifier.on_shipment_awaiting],
        "shipment.shipped": [notifier.on_shipment_shipped],
        "shipment.cancelled": [notifier.on_shipment_cancelled],
        "review.posted": [notifier.on_review_posted],
    }
    # auth_service adds this event; handled as soon as the catalogue describes it.
    if "auth.password_reset_requested" in EVENT_TYPES:
        handlers["auth.password_reset_requested"] = [notifier.on_password_reset_requested]
    return handlers
