"""Pure logic of search that forgives: the spelling vocabulary, prefixes for suggestions, and
which queries need the title path because FULLTEXT cannot see their words."""

from __future__ import annotations

import pytest

from catalog_service.browse import has_unindexed_words, parse_browse, title_phrase
from catalog_service.spelling import Vocabulary, edit_distance, words_of
from catalog_service.suggest import boolean_prefix_query, parse_prefix
from shared.web.errors import ValidationError

CATALOGUE = Vocabulary.of(
    [
        "The Hobbit",
        "J. R. R. Tolkien",
        "Pride and Prejudice",
        "Jane Austen",
        "Crime and Punishment",
        "Fyodor Dostoevsky",
        "Gabriel García Márquez",
        "Prejudice Reconsidered",
    ]
)


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("tolkein", "tolkien", 1),
        ("prejudise", "prejudice", 1),
        ("kitten", "sitting", 3),
        ("", "ab", 2),
    ],
)
def test_edit_distance_counts_a_swap_as_one_edit(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance == edit_distance(b, a)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("tolkein", "tolkien"),
        ("Tolkein", "tolkien"),
        ("pride prejudise", "pride prejudice"),
        ("hobit", "hobbit"),
        ("dostoevksy", "dostoevsky"),
        ("garcia marqez", "garcia marquez"),
        ("punishmnet", "punishment"),
    ],
)
def test_a_misspelt_word_is_corrected_to_the_closest_known_one(typed: str, meant: str) -> None:
    assert CATALOGUE.correct(typed) == meant


@pytest.mark.parametrize("typed", ["tolkien", "the hobbit", "zzzzqqqq", "it", "abc", "1984"])
def test_known_short_or_hopeless_words_are_left_alone(typed: str) -> None:
    assert CATALOGUE.correct(typed) is None


def test_ties_go_to_the_more_common_word() -> None:
    vocabulary = Vocabulary.of(["cart", "cart", "card"])
    assert vocabulary.closest("carx") == "cart"


def test_words_are_folded_to_lower_case_without_accents() -> None:
    assert words_of("García-Márquez, ÉMILE!") == ["garcia", "marquez", "emile"]


@pytest.mark.parametrize(
    ("q", "unindexed"),
    [("It", True), ("The Road", True), ("on", True), ("tolkien", False), ("dune messiah", False)],
)
def test_short_words_and_stopwords_need_the_title_path(q: str, unindexed: bool) -> None:
    assert has_unindexed_words(q) is unindexed


def test_the_title_phrase_is_single_spaced_without_outer_punctuation() -> None:
    assert title_phrase('  "The   Road"? ') == "The Road"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("harry po", "+harry +po*"),
        ("the ro", "+ro*"),
        ("lord of", "+lord"),
        ('+ab* -"cd', "+cd*"),
        ("of", None),
        ("--", None),
    ],
)
def test_boolean_prefix_queries_hold_only_plain_indexable_words(
    typed: str, expected: str | None
) -> None:
    assert boolean_prefix_query(typed) == expected


@pytest.mark.parametrize("raw", [None, "", "a", "  b  ", "x" * 101])
def test_a_suggestion_prefix_needs_two_to_a_hundred_characters(raw: str | None) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_prefix(raw)
    assert caught.value.fields and "q" in caught.value.fields


def test_a_suggestion_prefix_is_single_spaced() -> None:
    assert parse_prefix("  harry    po ") == "harry po"


@pytest.mark.parametrize(
    ("raw", "facets"), [("true", True), ("1", True), ("", False), ("no", False)]
)
def test_facets_are_asked_for_with_a_boolean(raw: str, facets: bool) -> None:
    assert parse_browse({"facets": raw}).facets is facets


def test_a_prefix_is_measured_as_sent_so_padding_cannot_pass_the_limit() -> None:
    with pytest.raises(ValidationError):
        parse_prefix("\x85" * 99 + "ab")
    assert parse_prefix("\x85" * 98 + "ab") == "ab"
