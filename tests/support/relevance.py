"""The search relevance set (issue 17): queries shoppers type, each with the book that must be
in the top 3, run against the demo catalogue plus 10,000 generated books.

Used by tests/integration/test_search_relevance.py (a minimum hit rate) and by
bench/search_relevance.py (the hit rate printed, before/after a change to search).
A query's target is a title (the book) or, written `by:Name`, any book by that author.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

BOOKS_FILE = Path(__file__).resolve().parents[2] / "catalog_service/demo_books.json"
GENERATED = 10_000
QUERIES: tuple[tuple[str, str], ...] = (
    ("pride and prejudice", "Pride and Prejudice"),
    ("pride prejudise", "Pride and Prejudice"),
    ("tolkein", "by:J. R. R. Tolkien"),
    ("tolkein hobbit", "The Hobbit"),
    ("It", "It"),
    ("it stephen king", "It"),
    ("The Road", "The Road"),
    ("on the road", "On the Road"),
    ("dune", "Dune"),
    ("dostoevsky", "by:Fyodor Dostoevsky"),
    ("dostoyevsky", "by:Fyodor Dostoevsky"),
    ("harry potter", "Harry Potter and the Philosopher's Stone"),
    ("hary poter", "Harry Potter and the Philosopher's Stone"),
    ("orwell", "by:George Orwell"),
    ("nineteen eighty four", "Nineteen Eighty-Four"),
    ("brave new world", "Brave New World"),
    ("farenheit 451", "Fahrenheit 451"),
    ("great gatsbi", "The Great Gatsby"),
    ("moby dick", "Moby-Dick"),
    ("war and peace", "War and Peace"),
    ("anna karenia", "Anna Karenina"),
    ("frankenstien", "Frankenstein"),
    ("dracula", "Dracula"),
    ("hound of the baskervilles", "The Hound of the Baskervilles"),
    ("agatha christie", "by:Agatha Christie"),
    ("agata cristie", "by:Agatha Christie"),
    ("murder orient express", "Murder on the Orient Express"),
    ("i robot", "I, Robot"),
    ("catch 22", "Catch-22"),
    ("the stranger camus", "The Stranger"),
    ("emma austen", "Emma"),
    ("godel escher bach", "Gödel, Escher, Bach"),
    ("little prince", "The Little Prince"),
    ("sapiens", "Sapiens: A Brief History of Humankind"),
    ("origin of species", "On the Origin of Species"),
    ("the prince machiavelli", "The Prince"),
    ("silmarilion", "The Silmarillion"),
    ("mockingbird", "To Kill a Mockingbird"),
    ("jane eyre bronte", "Jane Eyre"),
    ("hitchhikers guide", "The Hitchhiker's Guide to the Galaxy"),
)
# Words the generated books are made of: common title words that compete with the real ones.
WORDS = (
    "war peace road king night love history magic murder house river city garden dark light "
    "secret world life death time stone fire water sea star moon sun winter summer island "
    "shadow silver golden last first lost little great old new red black white blue green "
    "prince queen girl boy man woman children story book song tale letters journey dream"
).split()
FIRST = (
    "Anna Ben Clara David Ellen Frank Grace Henry Iris Jack Kate Leo Mia Noah Olive Paul".split()
)
LAST = "Adams Baker Clark Dunn Evans Fisher Gray Hill Irving Jones Kent Lane Moore Nash".split()


@dataclass(frozen=True)
class Outcome:
    query: str
    target: str
    hit: bool
    top: list[str]


def _book(rng: random.Random, seller: str, moment: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "seller_id": seller,
        "isbn": None,
        "condition": rng.choice(["new", "like_new", "very_good", "good", "acceptable"]),
        "language": "en",
        "published_year": 2000,
        "currency": "USD",
        "price": f"{rng.randint(100, 5000) / 100:.2f}",
        "stock": 1,
        "version": 1,
        "created_at": moment,
        "updated_at": moment,
        **fields,
    }


def seed(url: str, generated: int = GENERATED) -> None:
    """The demo catalogue and `generated` made-up books, bulk-inserted into a migrated catalog."""
    rng, start, seller = random.Random(17), datetime(2026, 1, 1), str(uuid.uuid4())
    rows = [
        _book(
            rng,
            seller,
            start,
            title=e["title"],
            author=e["author"],
            category="Fiction",
            description=e["description"],
        )
        for e in json.loads(BOOKS_FILE.read_text(encoding="utf-8"))
    ]
    for i in range(generated):
        words = rng.sample(WORDS, rng.randint(2, 4))
        rows.append(
            _book(
                rng,
                seller,
                start + timedelta(seconds=i + 1),
                title=" ".join(words).title(),
                author=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                category="Fiction",
                description=" ".join(rng.choices(WORDS, k=24)).capitalize() + ".",
            )
        )
    columns = list(rows[0])
    names = ", ".join(f"`{c}`" for c in columns)  # `condition` is a reserved word
    values = ", ".join(f":{c}" for c in columns)
    statement = text(f"INSERT INTO books ({names}) VALUES ({values})")
    engine = create_engine(url)
    with engine.begin() as conn:
        for chunk in range(0, len(rows), 1000):
            conn.execute(statement, rows[chunk : chunk + 1000])
    engine.dispose()


def is_hit(target: str, books: list[dict[str, Any]]) -> bool:
    """Whether the target (a title, or `by:` an author) is among `books`."""
    if target.startswith("by:"):
        return any(b["author"] == target[3:] for b in books)
    return any(b["title"] == target for b in books)


def evaluate(search: Any) -> list[Outcome]:
    """Run every query through `search(q) -> the first 3 books` and judge them."""
    outcomes = []
    for query, target in QUERIES:
        books = search(query)
        outcomes.append(Outcome(query, target, is_hit(target, books), [b["title"] for b in books]))
    return outcomes


def hit_rate(outcomes: list[Outcome]) -> float:
    return sum(o.hit for o in outcomes) / len(outcomes)
