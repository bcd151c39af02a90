"""Suggestions as a shopper types (`GET /api/books/suggest?q=`): titles and authors of books in
stock that start with what was typed, or have a word that does (`harry po`, `potter`).

Starts-with uses the B-tree indexes on title and author (a range scan); word starts use the
FULLTEXT indexes in boolean mode with a trailing `*` on the last word. Boolean mode gives `+`,
`-`, quotes and `*` a meaning, so only plain words go into it, and never a word the index
does not hold (under 3 letters, a stopword), which would make `+word` match nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from catalog_service.browse import FT_MIN_WORD, FT_STOPWORDS, _escape_like
from catalog_service.models import Book
from catalog_service.service import Sessions
from catalog_service.spelling import words_of
from shared.contract.discovery import SUGGEST_MAX, SUGGEST_MIN, SUGGESTIONS_MAX
from shared.web.errors import ValidationError


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: str  # "title" | "author"
    book_id: str | None


def parse_prefix(raw: str | None) -> str:
    """The typed prefix, single-spaced; 422 unless it has SUGGEST_MIN characters once trimmed
    and at most SUGGEST_MAX as sent (the OpenAPI document's pattern and maxLength)."""
    if len(raw or "") > SUGGEST_MAX:
        raise ValidationError({"q": f"must be at most {SUGGEST_MAX} characters"})
    prefix = " ".join((raw or "").split())
    if len(prefix) < SUGGEST_MIN:
        raise ValidationError({"q": f"must be at least {SUGGEST_MIN} characters"})
    return prefix


def boolean_prefix_query(prefix: str) -> str | None:
    """`+harry +po*` for "harry po": every indexable word required, the last one as a prefix."""
    words = words_of(prefix)
    if not words:
        return None
    *whole, last = words
    terms = [f"+{w}" for w in whole if len(w) >= FT_MIN_WORD and w not in FT_STOPWORDS]
    if last not in FT_STOPWORDS:
        terms.append(f"+{last}*")
    return " ".join(terms) or None


def _live() -> list[Any]:
    return [Book.deleted_at.is_(None), Book.stock > 0]


def _found(session: Session, column: Any, where: Any, limit: int) -> list[tuple[str, str]]:
    """(text, one book id) for distinct values of `column`, the most listed first."""
    stmt = (
        select(column, func.min(Book.id))
        .where(where, *_live())
        .group_by(column)
        .order_by(func.count().desc(), column)
        .limit(limit)
    )
    return [(value, book_id) for value, book_id in session.execute(stmt)]


def _matches(
    session: Session, column: Any, index_column: str, prefix: str
) -> list[tuple[str, str]]:
    """Values starting with `prefix`, then values with a word starting with it."""
    starts = _found(session, column, column.like(f"{_escape_like(prefix)}%", "\\"), SUGGESTIONS_MAX)
    boolean = boolean_prefix_query(prefix)
    if len(starts) >= SUGGESTIONS_MAX or boolean is None:
        return starts
    words = text(f"MATCH({index_column}) AGAINST (:q IN BOOLEAN MODE)").bindparams(q=boolean)
    inside = _found(session, column, words, SUGGESTIONS_MAX)
    seen = {value.casefold() for value, _ in starts}
    return starts + [(v, b) for v, b in inside if v.casefold() not in seen]


def suggest(*, sessions: Sessions, prefix: str) -> list[Suggestion]:
    """At most SUGGESTIONS_MAX titles and authors for a typed prefix; titles first, with room
    kept for authors when both match."""
    with sessions() as session:
        titles = _matches(session, Book.title, "title", prefix)
        authors = _matches(session, Book.author, "author", prefix)
    n_authors = min(len(authors), max(2, SUGGESTIONS_MAX - len(titles)))
    chosen = [Suggestion(t, "title", b) for t, b in titles[: SUGGESTIONS_MAX - n_authors]]
    return chosen + [Suggestion(a, "author", None) for a, _ in authors[:n_authors]]
