"""Browser tier: the whole system (as in tests/e2e) driven by Debian's Chromium via Playwright.

The stack is the e2e `system` fixture's, scoped to this package: it stops when the browser
tests are done, before tests/e2e starts its own on the same ports in a full `make test`.
Chromium is never downloaded: `.ci/run` installs Debian's `chromium` package.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support import system as e2e
from tests.support.system import System, auth_header

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# `make screenshots` refreshes the README's pictures in docs/screenshots; a plain test run keeps
# its own under var/ so that it leaves the working tree clean.
SCREENSHOTS = Path(
    os.environ.get("SCREENSHOTS_DIR", Path(__file__).resolve().parents[2] / "var" / "screenshots")
)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"


@pytest.fixture(scope="package")
def system(
    servers: dict[str, str],
    database_factory: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[System]:
    yield from e2e.running_system(servers, database_factory, tmp_path_factory)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (never download one)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """new_page(viewport=DESKTOP, javascript=True): a page in a fresh context (own cookies)."""
    contexts = []

    def make(viewport: dict[str, int] = DESKTOP, javascript: bool = True) -> Page:
        context = browser.new_context(
            viewport=viewport,
            device_scale_factor=1,
            is_mobile=viewport["width"] < 500,
            java_script_enabled=javascript,
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def cover_png(title: str, color: tuple[int, int, int]) -> bytes:
    """A simple, good-looking cover: a coloured board with the title in serif capitals."""
    image = Image.new("RGB", (400, 600), color)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 34) if Path(FONT).exists() else ImageFont.load_default()
    draw.rectangle((24, 24, 376, 576), outline=(250, 246, 238), width=3)
    y = 200
    for word in title.upper().split()[:5]:
        width = draw.textlength(word, font=font)
        draw.text(((400 - width) / 2, y), word, fill=(250, 246, 238), font=font)
        y += 48
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


SHELF = [
    ("A Wizard of Earthsea", "Ursula K. Le Guin", "Fantasy", "very_good", "8.50", (38, 70, 83)),
    ("Middlemarch", "George Eliot", "Classics", "good", "6.00", (122, 46, 31)),
    (
        "The Left Hand of Darkness",
        "Ursula K. Le Guin",
        "Science fiction",
        "like_new",
        "11.00",
        (42, 42, 60),
    ),
    ("Moby-Dick", "Herman Melville", "Classics", "acceptable", "4.25", (29, 84, 110)),
    ("Pride and Prejudice", "Jane Austen", "Classics", "new", "9.99", None),
    (
        "The Name of the Rose",
        "Umberto Eco",
        "Mystery & Thriller",
        "very_good",
        "7.75",
        (90, 60, 30),
    ),
]


@pytest.fixture(scope="package")
def shelf(system: System) -> list[dict[str, Any]]:
    """A few books from another seller, so the catalogue looks like a shop."""
    _, token = system.register_and_login("Marguerite Booksellers")
    books = []
    for title, author, category, condition, price, color in SHELF:
        response = requests.post(
            system.api("/api/books"),
            headers=auth_header(token),
            timeout=10,
            json={
                "title": title,
                "author": author,
                "category": category,
                "condition": condition,
                "price": price,
                "stock": 2,
                "description": f"A {condition.replace('_', ' ')} copy.",
            },
        )
        assert response.status_code == 201, response.text
        book = response.json()
        if color:
            upload = requests.put(
                system.api(f"/api/books/{book['id']}/cover"),
                data=cover_png(title, color),
                timeout=10,
                headers={**auth_header(token), "Content-Type": "image/png"},
            )
            assert upload.status_code == 200, upload.text
        books.append(book)
    return books


def unique_email(name: str) -> str:
    return f"{name.lower()}.{uuid.uuid4().hex[:8]}@example.com"


IMAGES_LOADED = """() => Promise.all([...document.images].map(img => {
    img.loading = "eager";
    return img.complete ? null : new Promise(done => { img.onload = img.onerror = done; });
}))"""


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate(IMAGES_LOADED)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
