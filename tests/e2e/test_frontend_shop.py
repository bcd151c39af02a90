"""The shop over real HTTP: frontend -> gateway -> services, every process running (2 replicas)."""

from __future__ import annotations

import re
import time
import uuid

import pytest
import requests

from tests.support.system import System

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e7a1d5"
    "3a0000000049454e44ae426082"
)
CARD_OK, CARD_DECLINED = "4242 4242 4242 4242", "4000 0000 0000 0002"
CARD_CAPTURE_FAILS = "4000 0000 0000 0341"


class Shopper:
    """A browser without JavaScript: a cookie jar, CSRF tokens read from the pages."""

    def __init__(self, system: System, name: str) -> None:
        self.base, self.http = system.frontend_url, requests.Session()
        self.name = name
        self.email = f"{name.lower()}.{uuid.uuid4().hex[:8]}@example.com"

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, timeout=15)

    def post(self, path: str, data: dict, files: dict | None = None) -> requests.Response:
        page = self.http.get(self.base + "/login", timeout=15).text  # any page with a form
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token, "no CSRF token"
        return self.http.post(
            self.base + path,
            data={**data, "csrf_token": token.group(1)},
            files=files,
            allow_redirects=False,
            timeout=15,
        )

    def register(self) -> Shopper:
        response = self.post(
            "/register",
            {"name": self.name, "email": self.email, "password": "correct horse battery"},
        )
        assert response.status_code == 303, response.text
        return self

    def auto_ship(self, on: bool = True) -> Shopper:
        """The seller's auto-ship setting, through the selling section of /my/settings."""
        response = self.post("/my/settings/auto-ship", {"auto_ship": "on"} if on else {})
        assert response.status_code == 303, response.text
        return self

    def sell(self, title: str, price: str = "14.00", stock: str = "3") -> str:
        response = self.post(
            "/sell",
            {
                "title": title,
                "author": "Ursula K. Le Guin",
                "category": "Science Fiction",
                "condition": "like_new",
                "price": price,
                "stock": stock,
                "description": "A clean copy, no notes.",
            },
            files={"cover": ("cover.png", PNG_1PX, "image/png")},
        )
        assert response.status_code == 303, response.text
        assert response.headers["Location"].startswith("/books/"), response.headers["Location"]
        return response.headers["Location"].rsplit("/", 1)[-1]

    def checkout(self, card: str) -> requests.Response:
        return self.post(
            "/checkout",
            {
                "name": self.name,
                "line1": "12 Library Lane",
                "city": "Portland",
                "postal_code": "97201",
                "country": "US",
                "holder": self.name,
                "card_number": card,
                "exp_month": "12",
                "exp_year": "2031",
                "cvc": "123",
                "idempotency_key": str(uuid.uuid4()),
            },
        )


def wait_for(predicate, timeout: float = 30.0, every: float = 0.3):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(every)
    raise AssertionError("timed out")


@pytest.fixture
def seller(system: System) -> Shopper:
    return Shopper(system, "Sella").register().auto_ship()  # the simulated carrier ships


@pytest.fixture
def buyer(system: System) -> Shopper:
    return Shopper(system, "Bruno").register()


def test_a_listed_book_is_found_bought_and_followed_to_delivered(
    system: System, seller: Shopper, buyer: Shopper
) -> None:
    title = f"The Dispossessed {uuid.uuid4().hex[:6]}"
    book_id = seller.sell(title)
    cover = buyer.get(f"/books/{book_id}/cover")
    assert cover.status_code == 200 and cover.headers["Content-Type"].startswith("image/")
    found = wait_for(lambda: title in buyer.get(f"/?q={title.split()[-1]}").text)
    assert found
    assert (
        buyer.post("/cart", {"book_id": book_id, "quantity": "1", "action": "add"}).status_code
        == 303
    )
    assert title in buyer.get("/cart").text
    placed = buyer.checkout(CARD_OK)
    assert placed.status_code == 303, placed.text
    order_path = placed.headers["Location"]
    assert order_path.startswith("/orders/")

    def delivered() -> dict | None:
        state = buyer.get(order_path + "/timeline.json").json()
        return state if state["status"] == "delivered" else None

    state = wait_for(delivered, timeout=45)
    assert state["final"] is True and "tracking" in state["html"]
    sales = seller.get("/my/sales").text
    assert title in sales and "Delivered" in sales


def test_a_declined_card_is_explained_on_the_checkout_page(
    system: System, seller: Shopper, buyer: Shopper
) -> None:
    book_id = seller.sell(f"Earthsea {uuid.uuid4().hex[:6]}")
    wait_for(
        lambda: (
            buyer.post("/cart", {"book_id": book_id, "quantity": "1", "action": "add"}).headers[
                "Location"
            ]
            == "/cart"
        )
    )
    response = buyer.checkout(CARD_DECLINED)
    assert response.status_code == 402
    assert "Payment declined." in response.text
    assert "Your cart is empty" not in buyer.get("/cart").text


def test_a_failed_capture_cancels_the_order_and_the_page_says_why(
    system: System, seller: Shopper, buyer: Shopper
) -> None:
    book_id = seller.sell(f"Tehanu {uuid.uuid4().hex[:6]}")
    wait_for(lambda: buyer.get(f"/checkout?book_id={book_id}&quantity=1").status_code == 200)
    placed = buyer.post(
        "/checkout",
        {
            "book_id": book_id,
            "quantity": "1",
            "name": "Bruno",
            "line1": "12 Library Lane",
            "city": "Portland",
            "postal_code": "97201",
            "country": "US",
            "holder": "Bruno",
            "card_number": CARD_CAPTURE_FAILS,
            "exp_month": "12",
            "exp_year": "2031",
            "cvc": "123",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert placed.status_code == 303, placed.text
    order_path = placed.headers["Location"]
    state = wait_for(lambda: (s := buyer.get(order_path + "/timeline.json").json())["final"] and s)
    assert state["status"] == "cancelled"
    page = buyer.get(order_path).text
    assert "Cancelled" in page and "notice-error" in page and "Cancel order" not in page


def test_the_cart_tells_about_a_new_price_and_a_book_that_was_withdrawn(
    system: System, seller: Shopper, buyer: Shopper
) -> None:
    kept, withdrawn = seller.sell(f"Lavinia {uuid.uuid4().hex[:6]}"), seller.sell("Always Coming")
    for book_id in (kept, withdrawn):
        wait_for(
            lambda b=book_id: (
                buyer.post("/cart", {"book_id": b, "quantity": "1", "action": "add"}).headers[
                    "Location"
                ]
                == "/cart"
            )
        )
    edit = {
        "title": "Lavinia",
        "author": "Ursula K. Le Guin",
        "category": "Fiction",
        "condition": "good",
        "price": "15.00",
        "stock": "3",
    }
    assert seller.post(f"/books/{kept}/edit", edit).status_code == 303
    assert seller.post(f"/books/{withdrawn}/delete", {}).status_code == 303
    page = wait_for(lambda: (t := buyer.get("/cart").text).count("notice-warning") >= 2 and t)
    assert "$15.00" in page and "was <s>$14.00</s>" in page
    assert "Always Coming" not in page.split("<table")[-1]


def test_after_logout_private_pages_send_back_to_login(system: System, buyer: Shopper) -> None:
    assert buyer.get("/orders").status_code == 200
    assert buyer.post("/logout", {}).status_code == 303
    again = buyer.get("/orders")
    assert again.status_code == 303 and again.headers["Location"].startswith("/login")


def test_the_frontend_is_ready_when_the_gateway_is(system: System) -> None:
    response = requests.get(system.frontend_url + "/health/ready", timeout=5)
    assert response.status_code == 200 and response.json()["checks"] == {"gateway": "ok"}


def test_an_unknown_page_is_a_friendly_html_404(system: System) -> None:
    response = requests.get(system.frontend_url + "/no/such/page", timeout=5)
    assert response.status_code == 404 and "Page not found" in response.text
