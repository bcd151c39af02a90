"""Catalogue input rules without I/O: ISBNs, money, book fields, browse parameters, images."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from PIL import Image

from catalog_service.browse import parse_browse, search_words
from catalog_service.covers import FORMATS, MAX_PIXELS, BadImage, reencode
from catalog_service.validation import (
    clean_book,
    format_money,
    isbn_forms,
    normalize_isbn,
    parse_money,
)
from shared.domain import Invalid


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("0-306-40615-2", "0306406152"),
        ("978-0-306-40615-7", "9780306406157"),
        (" 978 0306 406157 ", "9780306406157"),
        ("0-8044-2957-x", "080442957X"),
        ("", None),
        (None, None),
    ],
)
def test_valid_isbns_are_normalized(raw: str | None, normalized: str | None) -> None:
    assert normalize_isbn(raw) == normalized


@pytest.mark.parametrize(
    "raw", ["0-306-40615-3", "978-0-306-40615-8", "12345", "X306406152", "97803064061570", "abc"]
)
def test_isbns_with_a_wrong_shape_or_check_digit_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalize_isbn(raw)


@pytest.mark.parametrize(
    ("isbn", "forms"),
    [
        ("0306406152", ["0306406152", "9780306406157"]),
        ("9780306406157", ["9780306406157", "0306406152"]),
        ("9780804429573", ["9780804429573", "080442957X"]),
        ("9791234567896", ["9791234567896"]),
    ],
)
def test_an_isbn_is_searched_in_both_its_forms(isbn: str, forms: list[str]) -> None:
    assert isbn_forms(isbn) == forms


@pytest.mark.parametrize(
    ("raw", "exact"),
    [("12.5", "12.50"), (7, "7.00"), (19.99, "19.99"), ("0.10", "0.10"), (" 3 ", "3.00")],
)
def test_money_is_exact_and_printed_with_two_decimals(raw: object, exact: str) -> None:
    assert format_money(parse_money(raw)) == exact


@pytest.mark.parametrize("raw", ["1.001", 0.125, "1e2", "NaN", "inf", "", True, None, [], "1,00"])
def test_money_with_more_than_two_decimals_or_not_a_number_is_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_money(raw)


@pytest.mark.parametrize("raw", ["8,50", "1,000", "1.234,50", "1,234.50"])
def test_money_with_a_comma_is_refused_never_read_as_another_amount(raw: str) -> None:
    with pytest.raises(ValueError, match="dot for the decimals"):
        parse_money(raw)


def test_a_new_book_gets_defaults_and_loses_surrounding_space() -> None:
    cleaned = clean_book(
        {"title": " Dune ", "author": "Frank Herbert", "condition": "good", "price": "9.5"},
        partial=False,
    )
    assert cleaned == {
        "title": "Dune",
        "author": "Frank Herbert",
        "condition": "good",
        "price": Decimal("9.50"),
        "stock": 1,
        "category": "Other",
        "description": "",
    }


def test_a_partial_update_may_clear_optional_fields_but_not_required_ones() -> None:
    assert clean_book({"isbn": None, "language": None}, partial=True) == {
        "isbn": None,
        "language": None,
    }
    with pytest.raises(Invalid):
        clean_book({"title": None}, partial=True)


def test_browse_defaults_to_newest_and_to_relevance_when_searching() -> None:
    assert parse_browse({}).sort == "newest"
    assert parse_browse({"q": "dune"}).sort == "relevance"
    query = parse_browse({"page": "3", "per_page": "10", "include_sold_out": "TRUE"})
    assert (query.page.offset, query.include_sold_out) == (20, True)


def test_search_words_keep_letters_of_any_script_and_drop_operators() -> None:
    assert search_words('+hobbit -"dune*" (x)') == "hobbit dune x"
    assert search_words("红楼梦 Ünïcödé") == "红楼梦 Ünïcödé"
    assert search_words("*** ''' ---") == ""


def test_search_words_drop_little_words_unless_nothing_else_is_left() -> None:
    assert search_words("War and Peace") == "War Peace"
    assert search_words("and the") == "and the"


def _image(fmt: str, size: tuple[int, int] = (10, 10)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size).save(out, fmt)
    return out.getvalue()


def test_images_are_reencoded_in_their_own_format_and_bounded() -> None:
    cover = reencode(_image("PNG", (4000, 100)))
    assert cover.format == "PNG" and Image.open(io.BytesIO(cover.data)).size == (1600, 40)
    assert reencode(_image("JPEG")).mime == "image/jpeg"
    assert reencode(_image("WEBP")).sha256 == reencode(_image("WEBP")).sha256


@pytest.mark.parametrize(
    "data", [b"", b"GIF89a", _image("GIF"), _image("TIFF"), _image("PNG")[:40]]
)
def test_anything_but_jpeg_png_or_webp_is_a_bad_image(data: bytes) -> None:
    with pytest.raises(BadImage):
        reencode(data)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_reencoding_drops_exif_in_every_format(fmt: str) -> None:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    out = io.BytesIO()
    Image.new("RGB", (30, 30)).save(out, fmt, exif=exif.tobytes())
    assert b"SpyCam" in out.getvalue()
    cover = reencode(out.getvalue())
    assert b"SpyCam" not in cover.data and not Image.open(io.BytesIO(cover.data)).getexif()


def _mpo() -> bytes:
    """A two-picture MPO, as phones and 3D cameras write it (Pillow opens it as format MPO)."""
    out = io.BytesIO()
    first, second = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")
    first.save(out, "MPO", save_all=True, append_images=[second])
    return out.getvalue()


def _animated(fmt: str) -> bytes:
    out = io.BytesIO()
    frames = [Image.new("RGBA", (20, 20), colour) for colour in ("red", "green", "blue")]
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def _in_mode(mode: str, fmt: str) -> bytes:
    out = io.BytesIO()
    image = Image.new(mode, (20, 20), 300 if mode.startswith("I") else 1)
    image.save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    "data,stored",
    [
        (_mpo(), "JPEG"),
        (_animated("WEBP"), "WEBP"),
        (_animated("PNG"), "PNG"),
        (_in_mode("CMYK", "JPEG"), "JPEG"),
        (_in_mode("I;16", "PNG"), "PNG"),
        (_in_mode("P", "PNG"), "PNG"),
        (_in_mode("LA", "PNG"), "PNG"),
    ],
    ids=["mpo", "animated-webp", "apng", "cmyk-jpeg", "16-bit-png", "palette-png", "grey-alpha"],
)
def test_every_decodable_kind_is_stored_as_a_served_format(data: bytes, stored: str) -> None:
    cover = reencode(data)
    assert cover.format == stored and cover.mime in FORMATS.values()
    served = Image.open(io.BytesIO(cover.data))
    assert served.format == stored and getattr(served, "n_frames", 1) == 1
    assert served.mode in ("RGB", "RGBA")


def test_a_png_with_more_pixels_than_the_bound_is_refused_before_decoding() -> None:
    side = int(MAX_PIXELS**0.5) + 10
    with pytest.raises(BadImage, match="too many pixels"):
        reencode(_image("PNG", (side, side)))
