"""Seller profiles: what catalog_service learns of sellers from events, and how it shows them.

order_service alone knows that a shipment was delivered or reviewed; it says so with
`shipment.delivered` and `review.posted`, and this read model keeps a count and a sum per
seller (so a rating costs one row, not a scan of the reviews). Each handler runs inside the
consumer's transaction: the inbox applies an event once, and the review row's key makes a
distinct duplicate harmless too. `shipment.cancelled` gives one shipment's stock back, keyed by
shipment (the order's reservation then holds only what is still sold).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, insert, select
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from catalog_service import events as catalog_events
from catalog_service.models import (
    Book,
    Reservation,
    Seller,
    SellerProfile,
    SellerReview,
    ShipmentRelease,
)
from catalog_service.ratings import Rating, rating_of
from catalog_service.stock import _lines, _move_stock, _publish_books
from shared.db import utcnow
from shared.domain import NotFound
from shared.events import Envelope
from shared.events.catalogue import (
    ReviewPosted,
    ShipmentCancelled,
    ShipmentDelivered,
    StockReleased,
    UserRegistered,
)

log = logging.getLogger(__name__)
RECENT_REVIEWS = 5


def _bump(session: Session, seller_id: str, **values: Any) -> None:
    """Add to a seller's profile counters, creating the profile on first use."""
    stmt = mysql_insert(SellerProfile).values(
        seller_id=seller_id,
        rating_count=values.get("rating_count", 0),
        rating_sum=values.get("rating_sum", 0),
        sales_count=values.get("sales_count", 0),
    )
    updates = {name: getattr(SellerProfile, name) + amount for name, amount in values.items()}
    session.execute(stmt.on_duplicate_key_update(**updates))


def record_review(session: Session, event: Envelope[ReviewPosted]) -> None:
    """review.posted: keep the review, add its rating to the seller's count and sum."""
    data = event.data
    inserted = session.execute(
        insert(SellerReview)
        .values(
            review_id=data.review_id,
            seller_id=data.seller_id,
            rating=data.rating,
            comment=data.comment,
            buyer_name=data.buyer_name[:200],
            created_at=(data.created_at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None),
        )
        .prefix_with("IGNORE")
    )
    if cast(CursorResult[Any], inserted).rowcount:
        _bump(session, data.seller_id, rating_count=1, rating_sum=data.rating)


def count_sale(session: Session, event: Envelope[ShipmentDelivered]) -> None:
    """shipment.delivered: one more completed sale for that seller."""
    _bump(session, event.data.seller_id, sales_count=1)


def note_member_since(session: Session, event: Envelope[UserRegistered]) -> None:
    """user.registered: when the seller joined (the event's time)."""
    try:
        joined = datetime.fromisoformat(event.occurred_at.replace("Z", "+00:00"))
    except ValueError:
        return
    stmt = mysql_insert(SellerProfile).values(
        seller_id=event.data.user_id,
        member_since=joined.astimezone(UTC).replace(tzinfo=None),
        rating_count=0,
        rating_sum=0,
        sales_count=0,
    )
    session.execute(stmt.on_duplicate_key_update(member_since=stmt.inserted.member_since))


def release_shipment(session: Session, event: Envelope[ShipmentCancelled]) -> None:
    """shipment.cancelled: that shipment's copies back on the shelf, exactly once."""
    data = event.data
    try:
        with session.begin_nested():
            session.add(
                ShipmentRelease(
                    shipment_id=data.shipment_id, order_id=data.order_id, created_at=utcnow()
                )
            )
    except IntegrityError:
        return  # already released
    reservation = session.get(Reservation, data.order_id, with_for_update=True)
    if reservation is None or reservation.status not in ("reserved", "sold"):
        log.info(
            "shipment %s: order %s holds no stock, nothing to release",
            data.shipment_id,
            data.order_id,
        )
        return
    held = {i["book_id"]: int(i["quantity"]) for i in reservation.items}
    back = [(line.book_id, min(line.quantity, held.get(line.book_id, 0))) for line in data.items]
    back = sorted((book_id, q) for book_id, q in back if q > 0)
    for book_id, quantity in back:
        _move_stock(session, book_id, quantity, live_only=False)
        held[book_id] -= quantity
    reservation.items = [{"book_id": b, "quantity": q} for b, q in sorted(held.items()) if q > 0]
    reservation.updated_at = utcnow()
    if back:
        released = StockReleased(order_id=data.order_id, items=_lines(back))
        catalog_events.record(session, released, cause=event)
        _publish_books(session, [b for b, _ in back], event)


@dataclass(frozen=True)
class Profile:
    seller_id: str
    name: str
    member_since: datetime | None
    rating: Rating
    sales_count: int
    listings_count: int
    recent_reviews: list[SellerReview]


def get_profile(*, sessions: sessionmaker[Session], seller_id: str) -> Profile:
    """A seller's public profile; 404 for someone the catalogue never saw sell or register."""
    with sessions() as session:
        seller = session.get(Seller, seller_id)
        profile = session.get(SellerProfile, seller_id)
        first_book = session.scalar(
            select(func.min(Book.created_at)).where(Book.seller_id == seller_id)
        )
        if seller is None and profile is None and first_book is None:
            raise NotFound("No such seller.")
        listings = session.scalar(
            select(func.count()).where(
                Book.seller_id == seller_id, Book.deleted_at.is_(None), Book.stock > 0
            )
        )
        since = (profile.member_since if profile else None) or first_book
        return Profile(
            seller_id=seller_id,
            name=seller.name if seller else "",
            member_since=since,
            rating=rating_of(profile),
            sales_count=profile.sales_count if profile else 0,
            listings_count=listings or 0,
            recent_reviews=_reviews(session, seller_id, RECENT_REVIEWS, 0),
        )


def list_reviews(
    *, sessions: sessionmaker[Session], seller_id: str, page: int, per_page: int
) -> tuple[list[SellerReview], int]:
    """A seller's reviews, newest first, and how many there are."""
    get_profile(sessions=sessions, seller_id=seller_id)  # 404 for an unknown seller
    with sessions() as session:
        total = session.scalar(
            select(func.count())
            .select_from(SellerReview)
            .where(SellerReview.seller_id == seller_id)
        )
        return _reviews(session, seller_id, per_page, (page - 1) * per_page), total or 0


def _reviews(session: Session, seller_id: str, limit: int, offset: int) -> list[SellerReview]:
    return list(
        session.scalars(
            select(SellerReview)
            .where(SellerReview.seller_id == seller_id)
            .order_by(SellerReview.created_at.desc(), SellerReview.review_id)
            .limit(limit)
            .offset(offset)
        )
    )
