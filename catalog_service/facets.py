"""Facet counts of a browse query (`facets=true`): how many of its books fall in each category,
condition and price bucket, under the very conditions of the page (browse.search_where)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from catalog_service.browse import BrowseQuery, search_where
from catalog_service.models import Book
from shared.contract.catalogue import CATEGORIES, CONDITIONS
from shared.contract.discovery import PRICE_BUCKETS


def _bucket_of() -> Any:
    """The index of a book's price bucket, as SQL (buckets are [low, high), the last open)."""
    whens = [(Book.price < high, index) for index, (_, high) in enumerate(PRICE_BUCKETS) if high]
    return case(*whens, else_=len(PRICE_BUCKETS) - 1)


def facet_counts(session: Session, query: BrowseQuery) -> dict[str, list[dict[str, Any]]]:
    """Category (those with books, in the list's order), every condition and every price
    bucket, each with its count; three grouped counts over the same conditions."""
    where = and_(*search_where(query)[0])

    def grouped(column: Any) -> dict[Any, int]:
        rows = session.execute(select(column, func.count()).where(where).group_by(column))
        return {key: int(count) for key, count in rows}

    categories = grouped(Book.category)
    conditions = grouped(Book.condition)
    buckets = grouped(_bucket_of())
    return {
        "category": [{"name": c, "count": categories[c]} for c in CATEGORIES if c in categories],
        "condition": [{"name": c, "count": conditions.get(c, 0)} for c in CONDITIONS],
        "price": [
            {
                "min": f"{low:.2f}",
                "max": None if high is None else f"{high:.2f}",
                "count": buckets.get(index, 0),
            }
            for index, (low, high) in enumerate(PRICE_BUCKETS)
        ],
    }
