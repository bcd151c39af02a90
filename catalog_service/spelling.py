"""Typo tolerance for search: a vocabulary of the catalogue's title and author words, and the
closest known word for one the catalogue has never seen (`tolkein` -> `tolkien`).

Pure logic, no I/O (catalog_service/vocabulary.py loads and caches it). Lookups use the
symmetric-delete idea (SymSpell): every word is indexed under itself and each of its
one-letter deletions, so a typo's own deletions meet its word's in a dict lookup instead of a
scan of the whole vocabulary; candidates are then checked with a real edit distance.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

_WORD = re.compile(r"[^\W_]+")
MIN_CORRECTABLE = 4  # shorter words have too many neighbours to guess from


def words_of(text: str) -> list[str]:
    """Lower-case words without accents: the unit the vocabulary and the corrections use."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return _WORD.findall(plain)


def allowed_distance(word: str) -> int:
    """How many edits a word of this length may carry: 1 up to 7 letters, 2 beyond."""
    return 1 if len(word) <= 7 else 2


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment): a swap of two letters is one edit."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass
class Vocabulary:
    """Known words with how many books use them, indexed for close-word lookups."""

    counts: Counter[str] = field(default_factory=Counter)
    _index: dict[str, set[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, texts: Iterable[str]) -> Vocabulary:
        """The vocabulary of some titles and authors (each text counts a word once)."""
        vocabulary = cls()
        for text in texts:
            for word in set(words_of(text)):
                vocabulary.add(word)
        return vocabulary

    def add(self, word: str, count: int = 1) -> None:
        if len(word) < MIN_CORRECTABLE - 1 or word.isdigit():
            return
        if word not in self.counts:
            for key in _deletions(word) | {word}:
                self._index.setdefault(key, set()).add(word)
        self.counts[word] += count

    def __contains__(self, word: object) -> bool:
        return word in self.counts

    def closest(self, word: str) -> str | None:
        """The known word nearest to an unknown one, or None (see `candidates`)."""
        found = self.candidates(word, limit=1)
        return found[0] if found else None

    def candidates(self, word: str, *, limit: int = 2) -> list[str]:
        """Known words within the allowed distance of an unknown one, best first: fewer edits,
        then the same first letter (typos rarely hit it), then the more common word."""
        if word in self.counts or len(word) < MIN_CORRECTABLE or word.isdigit():
            return []
        keys = _deletions(word) | {word}
        if allowed_distance(word) > 1:
            keys |= {d for k in list(keys) for d in _deletions(k)}
        found = {c for k in keys for c in self._index.get(k, ())}
        allowed = allowed_distance(word)
        scored = sorted(
            (edit_distance(word, c), c[0] != word[0], -self.counts[c], c) for c in found
        )
        return [s[3] for s in scored if s[0] <= allowed][:limit]

    def alternatives(self, query: str) -> list[str]:
        """Every candidate of every unknown word of `query` (searched beside what was typed)."""
        return [c for w in words_of(query) for c in self.candidates(w)]

    def correct(self, query: str) -> str | None:
        """The query with each unknown word replaced by its closest known one; None if no
        word changed (so "nothing to suggest" is one check for the caller)."""
        words = words_of(query)
        fixed = [self.closest(w) or w for w in words]
        return " ".join(fixed) if fixed != words else None
