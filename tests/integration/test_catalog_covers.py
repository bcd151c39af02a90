"""Cover uploads: re-encoded images stored by hash, served with caching headers."""
# ruff: noqa: F811  (pytest fixtures imported from test_catalog_api are parameters here)

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image

from tests.integration.test_catalog_api import (  # noqa: F401 (fixtures)
    Seller,
    assert_error_shape,
    client,
    database_url,
    minter,
    other,
    seller,
)


def image_bytes(fmt: str, size: tuple[int, int] = (40, 60), **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt, **save)
    return out.getvalue()


def put_cover(client: FlaskClient, who: Seller, book_id: str, data: bytes, kind: str) -> Any:
    return client.put(
        f"/api/books/{book_id}/cover", data=data, content_type=kind, headers=who.headers
    )


@pytest.mark.parametrize(
    ("fmt", "kind"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_a_valid_image_becomes_the_cover_and_is_served_with_cache_headers(
    client: FlaskClient, seller: Seller, fmt: str, kind: str
) -> None:
    book = seller.create()
    response = put_cover(client, seller, book["id"], image_bytes(fmt), kind)
    assert response.status_code == 200, response.get_json()
    updated = response.get_json()
    assert updated["cover_url"].startswith(f"/api/books/{book['id']}/cover")
    assert updated["version"] == book["version"] + 1
    served = client.get(updated["cover_url"])
    assert served.status_code == 200 and served.mimetype == kind
    assert Image.open(io.BytesIO(served.data)).format == fmt
    assert served.headers["ETag"] and "max-age" in served.headers["Cache-Control"]
    again = client.get(updated["cover_url"], headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304


def test_metadata_is_stripped_and_size_is_bounded(client: FlaskClient, seller: Seller) -> None:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x9286] = "secret comment"
    data = image_bytes("JPEG", (3000, 2000), exif=exif.tobytes()) + b"trailing junk"
    book = seller.create()
    cover_url = put_cover(client, seller, book["id"], data, "image/jpeg").get_json()["cover_url"]
    served = Image.open(io.BytesIO(client.get(cover_url).data))
    assert max(served.size) <= 1600 and not served.getexif()
    assert b"SpyCam" not in client.get(cover_url).data


def test_a_multipart_upload_with_a_file_field_is_accepted(
    client: FlaskClient, seller: Seller
) -> None:
    book = seller.create()
    response = client.put(
        f"/api/books/{book['id']}/cover",
        data={"file": (io.BytesIO(image_bytes("PNG")), "cover.png", "image/png")},
        content_type="multipart/form-data",
        headers=seller.headers,
    )
    assert response.status_code == 200 and response.get_json()["cover_url"]


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"definitely not an image", "image/jpeg"),
        (image_bytes("GIF"), "image/png"),
        (image_bytes("BMP"), "image/png"),
        (image_bytes("PNG")[:60], "image/png"),
        (b"", "image/png"),
        (image_bytes("PNG"), "text/plain"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
    ],
    ids=["text", "gif", "bmp", "truncated", "empty", "wrong-type", "svg"],
)
def test_anything_but_a_decodable_jpeg_png_or_webp_is_422(
    client: FlaskClient, seller: Seller, data: bytes, kind: str
) -> None:
    book = seller.create()
    assert_error_shape(put_cover(client, seller, book["id"], data, kind), 422)
    assert client.get(f"/api/books/{book['id']}").get_json()["cover_url"] is None


def test_a_decompression_bomb_is_refused(client: FlaskClient, seller: Seller) -> None:
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")  # a few KB, 400 million pixels
    book = seller.create()
    assert_error_shape(put_cover(client, seller, book["id"], bomb.getvalue(), "image/png"), 422)


def test_a_multi_picture_jpeg_is_stored_and_served_as_a_jpeg(
    client: FlaskClient, seller: Seller
) -> None:
    mpo = io.BytesIO()
    pictures = [Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")]
    pictures[0].save(mpo, "MPO", save_all=True, append_images=pictures[1:])
    book = seller.create()
    updated = put_cover(client, seller, book["id"], mpo.getvalue(), "image/jpeg")
    assert updated.status_code == 200, updated.get_json()
    for _ in range(2):  # it answered 500 on every read once stored as "MPO"
        served = client.get(updated.get_json()["cover_url"])
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert Image.open(io.BytesIO(served.data)).format == "JPEG"


def test_an_image_over_5_mb_is_413(client: FlaskClient, seller: Seller) -> None:
    book = seller.create()
    big = image_bytes("PNG") + b"\0" * (5 * 1024 * 1024)
    assert_error_shape(put_cover(client, seller, book["id"], big, "image/png"), 413)


def test_only_the_seller_may_set_a_cover(
    client: FlaskClient, seller: Seller, other: Seller
) -> None:
    book = seller.create()
    assert_error_shape(put_cover(client, other, book["id"], image_bytes("PNG"), "image/png"), 403)
    anonymous = client.put(
        f"/api/books/{book['id']}/cover", data=image_bytes("PNG"), content_type="image/png"
    )
    assert_error_shape(anonymous, 401)


def test_covers_of_unknown_books_or_books_without_one_are_404(
    client: FlaskClient, seller: Seller
) -> None:
    book = seller.create()
    assert_error_shape(client.get(f"/api/books/{book['id']}/cover"), 404)
    assert_error_shape(client.get("/api/books/nope/cover"), 404)
    put_cover(client, seller, book["id"], image_bytes("PNG"), "image/png")
    client.delete(f"/api/books/{book['id']}", headers=seller.headers)
    assert_error_shape(client.get(f"/api/books/{book['id']}/cover"), 404)


def test_an_image_of_almost_5_mb_is_accepted_raw_or_as_a_form(
    client: FlaskClient, seller: Seller
) -> None:
    noise = io.BytesIO()
    Image.frombytes("RGB", (1200, 1100), os.urandom(1200 * 1100 * 3)).save(noise, "PNG")
    data = noise.getvalue()
    assert 3 * 1024 * 1024 < len(data) <= 5 * 1024 * 1024
    book = seller.create()
    assert put_cover(client, seller, book["id"], data, "image/png").status_code == 200
    form = client.put(
        f"/api/books/{book['id']}/cover",
        data={"file": (io.BytesIO(data), "big.png", "image/png")},
        content_type="multipart/form-data",
        headers=seller.headers,
    )
    assert form.status_code == 200, form.get_json()
