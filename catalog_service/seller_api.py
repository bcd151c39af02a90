"""Seller profile routes (docs/api.md, Seller fulfilment): public reads over sellers.py."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request
from sqlalchemy.orm import Session, sessionmaker

from catalog_service import sellers
from catalog_service.models import SellerReview
from shared.timestamps import iso_or_none
from shared.web.caching import fresh_or_304
from shared.web.paging import page_json, paging_args

bp = Blueprint("sellers", __name__, url_prefix="/api")


def _readers() -> sessionmaker[Session]:
    return current_app.extensions["db"].reader  # type: ignore[no-any-return]


def review_json(review: SellerReview) -> dict[str, Any]:
    return {
        "rating": review.rating,
        "comment": review.comment,
        "buyer_name": review.buyer_name,
        "created_at": iso_or_none(review.created_at),
    }


@bp.get("/sellers/<seller_id>")
def seller_profile(seller_id: str) -> Response:
    profile = sellers.get_profile(sessions=_readers(), seller_id=seller_id)
    return fresh_or_304(
        {
            "id": profile.seller_id,
            "name": profile.name,
            "member_since": iso_or_none(profile.member_since),
            "rating": profile.rating.json(),
            "sales_count": profile.sales_count,
            "listings_count": profile.listings_count,
            "recent_reviews": [review_json(r) for r in profile.recent_reviews],
        }
    )


@bp.get("/sellers/<seller_id>/reviews")
def seller_reviews(seller_id: str) -> Response:
    paging = paging_args(request.args)
    found, total = sellers.list_reviews(
        sessions=_readers(), seller_id=seller_id, page=paging.page, per_page=paging.per_page
    )
    return fresh_or_304(page_json(map(review_json, found), paging, total))
