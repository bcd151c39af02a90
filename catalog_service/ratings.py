"""A seller's rating from their profile's count and sum (catalog_service/sellers.py keeps them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog_service.models import SellerProfile


@dataclass(frozen=True)
class Rating:
    average: float | None
    count: int

    def json(self) -> dict[str, Any]:
        """`{average|null, count}`: the `rating` of a profile, the `seller_rating` of a book."""
        return {"average": self.average, "count": self.count}


UNRATED = Rating(None, 0)


def rating_of(profile: SellerProfile | None) -> Rating:
    if profile is None or not profile.rating_count:
        return UNRATED
    return Rating(round(profile.rating_sum / profile.rating_count, 2), profile.rating_count)


def ratings(session: Session, seller_ids: set[str]) -> dict[str, Rating]:
    """The rating of each seller that has one (books carry it as `seller_rating`)."""
    if not seller_ids:
        return {}
    found = session.scalars(select(SellerProfile).where(SellerProfile.seller_id.in_(seller_ids)))
    return {p.seller_id: rating_of(p) for p in found}
