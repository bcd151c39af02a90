"""Browse and search: the query string of `GET /api/books` parsed, then turned into SQL.

Search is MariaDB FULLTEXT in natural language mode over title, author and description, plus an
exact match on a normalized ISBN. Natural language mode gives no meaning to operators, quotes or
wildcards, and the text travels as a bound parameter, so hostile input is just words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.dialects.mysql import match

from catalog_service.models import Book
from catalog_service.validation import CONDITIONS, isbn_forms, normalize_isbn, parse_money
from shared.contract import catalogue as contract
from shared.web.errors import ValidationError
from shared.web.paging import Paging as Page
from shared.web.paging import paging_args

SORTS = tuple(contract.SORTS)
MAX_QUERY = contract.QUERY_MAX
_NON_WORD = re.compile(r"[\W_]+")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_LITTLE_WORDS = frozenset(
    "a an and are as at be but by for from in into is it its of on or so than that the their "
    "then there these they this to was were will with".split()
)
# What InnoDB's FULLTEXT never indexes: words under innodb_ft_min_token_size (3, the default)
# and its default stopword list (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD).
FT_MIN_WORD = 3
FT_STOPWORDS = frozenset(
    "a about an are as at be by com de en for from how i in is it la of on or that the this to "
    "was what when where who will with und www".split()
)
TRUE_WORDS, FALSE_WORDS = {"true", "1", "yes"}, {"false", "0", "no", ""}


@dataclass(frozen=True)
class BrowseQuery:
    page: Page = Page()
    q: str | None = None
    category: str | None = None
    author: str | None = None
    condition: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    seller_id: str | None = None
    sort: str = "newest"
    include_sold_out: bool = False
    facets: bool = False
    # Known words standing in for misspelt ones (catalog_service/spelling.py), searched too.
    corrections: tuple[str, ...] = ()


def _money_arg(args: Mapping[str, str], name: str, errors: dict) -> Decimal | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = parse_money(raw)
    except ValueError as exc:
        errors[name] = str(exc)
        return None
    if value < 0 or raw.startswith("-"):  # "-0" too: the document's pattern has no sign
        errors[name] = "must not be negative"
    return value


def _text_arg(args: Mapping[str, str], name: str, high: int, errors: dict) -> str | None:
    raw = args.get(name) or ""
    if len(raw) > high:  # as sent, as the document's maxLength counts
        errors[name] = f"must be at most {high} characters"
    return " ".join(raw.split()) or None  # also drops control whitespace


def _category_arg(args: Mapping[str, str], errors: dict) -> str | None:
    """A category filter, matched case-insensitively; blank is none, an unknown one a 422."""
    value = (args.get("category") or "").strip()
    if not value:
        return None
    try:
        return contract.check_category(value)
    except ValueError as exc:
        errors["category"] = str(exc)
        return None


def _id_arg(args: Mapping[str, str], name: str, errors: dict) -> str | None:
    """An id filter: blank is no filter, anything but a UUID is a bad filter (422)."""
    value = (args.get(name) or "").strip().lower()
    if value and not _UUID.match(value):
        errors[name] = "must be a user id (a UUID)"
    return value or None


def _choice(args: Mapping[str, str], name: str, allowed: tuple[str, ...], errors: dict) -> str:
    value = (args.get(name) or "").strip()
    if value and value not in allowed:
        errors[name] = f"must be one of: {', '.join(allowed)}"
    return value


def parse_browse(args: Mapping[str, str]) -> BrowseQuery:
    """The filters, sort and paging of `GET /api/books`; unknown parameters are ignored."""
    errors: dict[str, str] = {}
    try:
        page = paging_args(args)
    except ValidationError as exc:
        errors.update(exc.fields or {})
        page = Page()
    q = _text_arg(args, "q", MAX_QUERY, errors)
    sold_out = (args.get("include_sold_out") or "").strip().lower()
    if sold_out not in TRUE_WORDS | FALSE_WORDS:
        errors["include_sold_out"] = "must be true or false"
    facets = (args.get("facets") or "").strip().lower()
    if facets not in TRUE_WORDS | FALSE_WORDS:
        errors["facets"] = "must be true or false"
    query = BrowseQuery(
        page=page,
        q=q,
        category=_category_arg(args, errors),
        author=_text_arg(args, "author", contract.AUTHOR_MAX, errors),
        condition=_choice(args, "condition", CONDITIONS, errors) or None,
        min_price=_money_arg(args, "min_price", errors),
        max_price=_money_arg(args, "max_price", errors),
        seller_id=_id_arg(args, "seller_id", errors),
        sort=_choice(args, "sort", SORTS, errors) or ("relevance" if q else "newest"),
        include_sold_out=sold_out in TRUE_WORDS,
        facets=facets in TRUE_WORDS,
    )
    low, high = query.min_price, query.max_price
    if low is not None and high is not None and low > high and "max_price" not in errors:
        errors["max_price"] = "must not be less than min_price"
    if errors:
        raise ValidationError(dict(sorted(errors.items())))
    return query


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _isbn_in(q: str) -> str | None:
    try:
        return normalize_isbn(q)
    except ValueError:
        return None


def _conditions(query: BrowseQuery) -> list[Any]:
    where: list[Any] = [Book.deleted_at.is_(None)]
    if not query.include_sold_out:
        where.append(Book.stock > 0)
    if query.category:
        where.append(Book.category == query.category)
    if query.author:
        where.append(Book.author.like(f"%{_escape_like(query.author)}%", escape="\\"))
    if query.condition:
        where.append(Book.condition == query.condition)
    if query.min_price is not None:
        where.append(Book.price >= query.min_price)
    if query.max_price is not None:
        where.append(Book.price <= query.max_price)
    if query.seller_id:
        where.append(Book.seller_id == query.seller_id)
    return where


def search_words(q: str) -> str:
    """Only the words of `q`: InnoDB parses even natural language queries, and a lone `*` or
    an unbalanced quote there is a syntax error, so every non-word character becomes a space.
    Common little words InnoDB does not drop itself ("and" is in half of all descriptions) go
    too, unless nothing else is left."""
    words = _NON_WORD.sub(" ", q).split()
    meaningful = [w for w in words if w.lower() not in _LITTLE_WORDS]
    return " ".join(meaningful or words)


def _search(q: str, corrections: tuple[str, ...] = ()) -> tuple[Any, Any]:
    """(where clause, relevance score) of a text query; an exact ISBN match ranks first.

    The score weighs a match in the title 3x and in the author 2x over one anywhere. Words the
    FULLTEXT index cannot see (under 3 letters, InnoDB stopwords: "It", "The Road") are found
    through the title itself: an exact title first, then titles starting with the query.
    """
    words, isbn = " ".join([search_words(q), *corrections]).strip(), _isbn_in(q)
    clauses: list[Any] = []
    scores: list[Any] = []
    # A FULLTEXT clause OR'ed with anything else cannot use its index, so it is only there
    # when it can match: when some word is one the index holds.
    if not has_unindexed_words(words, every=True):
        title, author = Book.title.expression, Book.author.expression
        anywhere = match(title, author, Book.description.expression, against=words)
        clauses.append(anywhere)
        scores.append(match(title, against=words) * 3 + match(author, against=words) * 2 + anywhere)
    phrase = title_phrase(q)
    if phrase:  # the title as typed ranks first ("War and Peace" over "Peace War")
        exact, starts = Book.title == phrase, Book.title.like(f"{_escape_like(phrase)}%", "\\")
        scores.append(case((exact, 100.0), (starts, 10.0), else_=0.0))
        if not clauses:  # no word FULLTEXT can see ("It"): only the title finds it, by index
            clauses.append(or_(exact, starts))
    if isbn is not None:
        exact_isbn = Book.isbn.in_(isbn_forms(isbn))
        clauses.append(exact_isbn)
        scores.append(case((exact_isbn, 1000.0), else_=0.0))
    if not clauses:  # nothing but punctuation
        return false(), None
    score = scores[0] if len(scores) == 1 else sum(scores[1:], scores[0])
    return (clauses[0] if len(clauses) == 1 else or_(*clauses)), score


def title_phrase(q: str) -> str:
    """The query as a title would spell it: its words, single-spaced (punctuation kept inside)."""
    return " ".join(q.split()).strip(" .,;:!?\"'")[:200]


def has_unindexed_words(q: str, *, every: bool = False) -> bool:
    """Whether `q` holds a word (`every`: only words, or none at all) that InnoDB's FULLTEXT
    index never stores: too short, or a stopword."""
    words = _NON_WORD.sub(" ", q).split()
    unindexed = (len(w) < FT_MIN_WORD or w.lower() in FT_STOPWORDS for w in words)
    return all(unindexed) if every else any(unindexed)


def search_where(query: BrowseQuery) -> tuple[list[Any], Any]:
    """(conditions, relevance score or None) of a browse query: shared by the page, its count
    and its facets, so the three always describe the same books."""
    where = _conditions(query)
    score: Any = None
    if query.q:
        condition, score = _search(query.q, query.corrections)
        where.append(condition)
    return where, score


def browse_statements(query: BrowseQuery) -> tuple[Select[Any], Select[Any]]:
    """(ids of the page's books in order, total count) for a browse query.

    Only ids are sorted and paged (a "deferred join": the caller loads those rows), so the sort
    never drags descriptions along; newest-first walks ix_books_listing without sorting at all.
    """
    where, score = search_where(query)
    newest = [Book.created_at.desc(), Book.id.desc()]
    order = {
        "relevance": ([] if score is None else [score.desc()]) + newest,
        "newest": newest,
        "price_asc": [Book.price.asc(), *newest],
        "price_desc": [Book.price.desc(), *newest],
    }[query.sort]
    page = (
        select(Book.id)
        .where(and_(*where))
        .order_by(*order)
        .limit(query.page.per_page)
        .offset(query.page.offset)
    )
    return page, select(func.count()).select_from(Book).where(and_(*where))
