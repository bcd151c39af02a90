"""The frontend's only way out: the public API of the gateway, over a pooled HTTP session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import requests
from flask import current_app, g, request, session
from requests.adapters import HTTPAdapter

UNAVAILABLE = {502, 503, 504}


class GatewayError(Exception):
    """The API refused a request; carries its error shape (code, message, fields)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
        self.retry_after = retry_after  # seconds, from a 429's Retry-After


class GatewayUnavailable(GatewayError):
    """The gateway did not answer, timed out, or said an upstream is down."""


class Unauthorized(GatewayError):
    """The token is missing, expired or revoked."""


class Gateway:
    """One per process: a pooled, keep-alive session to the gateway."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url, self.timeout = base_url.rstrip("/"), timeout
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def send(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        request_id: str | None,
        client_address: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if client_address:
            # The browser's address, so the gateway throttles logins per shopper, not per frontend.
            headers["X-Forwarded-For"] = client_address
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if request_id:
            headers["X-Request-Id"] = request_id
        try:
            response = self.session.request(
                method, self.base_url + path, headers=headers, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise GatewayUnavailable(503, "upstream_unavailable", str(exc)) from None
        if response.status_code >= 400:
            raise _error(response)
        return response


def path_id(value: str) -> str:
    """An id as a path segment: only a UUID (in its canonical spelling) ever goes into a path, so
    form input such as `../../books/<id>` cannot steer a request elsewhere; anything else is a
    404, as the API would answer for an unknown id."""
    try:
        canonical = str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise GatewayError(404, "not_found", "No such resource.") from None
    if canonical != value.lower():  # uuid.UUID also takes braces, urn: prefixes and no hyphens
        raise GatewayError(404, "not_found", "No such resource.")
    return canonical


def _error(response: requests.Response) -> GatewayError:
    try:
        error = response.json()["error"]
        code, message = str(error["code"]), str(error["message"])
        fields = {str(k): str(v) for k, v in (error.get("fields") or {}).items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        code, message, fields = "error", response.reason or "Request failed", {}
    status = response.status_code
    kind = GatewayUnavailable if status in UNAVAILABLE else GatewayError
    kind = Unauthorized if status == 401 else kind
    retry = response.headers.get("Retry-After", "")
    return kind(status, code, message, fields, int(retry) if retry.isdigit() else None)


@dataclass
class Api:
    """The public API as the current user sees it (their token, this request's id)."""

    gateway: Gateway
    token: str | None
    request_id: str | None
    client_address: str | None = None

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.gateway.send(
            method,
            path,
            token=self.token,
            request_id=self.request_id,
            client_address=self.client_address,
            **kwargs,
        )
        return response.json() if response.content else None

    # auth
    def register(self, **body: str) -> Any:
        return self._call("POST", "/api/auth/register", json=body)

    def login(self, email: str, password: str) -> Any:
        return self._call("POST", "/api/auth/login", json={"email": email, "password": password})

    def logout(self) -> None:
        self._call("POST", "/api/auth/logout")

    def refresh(self, refresh_token: str) -> Any:
        return self._call("POST", "/api/auth/refresh", json={"refresh_token": refresh_token})

    def request_password_reset(self, email: str) -> None:
        self._call("POST", "/api/auth/password-reset", json={"email": email})

    def confirm_password_reset(self, token: str, password: str) -> None:
        body = {"token": token, "password": password}
        self._call("POST", "/api/auth/password-reset/confirm", json=body)

    # catalogue
    def books(self, params: dict[str, Any]) -> Any:
        return self._call("GET", "/api/books", params=params)

    def book(self, book_id: str) -> Any:
        return self._call("GET", f"/api/books/{path_id(book_id)}")

    def categories(self) -> Any:
        return self._call("GET", "/api/categories")

    def recommendations(self, book_id: str) -> Any:
        return self._call("GET", f"/api/books/{path_id(book_id)}/recommendations")

    def suggest(self, prefix: str) -> Any:
        return self._call("GET", "/api/books/suggest", params={"q": prefix})

    def create_book(self, body: dict[str, Any]) -> Any:
        return self._call("POST", "/api/books", json=body)

    def update_book(self, book_id: str, body: dict[str, Any]) -> Any:
        return self._call("PATCH", f"/api/books/{path_id(book_id)}", json=body)

    def delete_book(self, book_id: str) -> None:
        self._call("DELETE", f"/api/books/{path_id(book_id)}")

    def upload_cover(self, book_id: str, data: bytes, content_type: str) -> Any:
        headers = {"Content-Type": content_type}
        return self._call("PUT", f"/api/books/{path_id(book_id)}/cover", data=data, headers=headers)

    def cover(self, book_id: str) -> requests.Response:
        return self.gateway.send(
            "GET", f"/api/books/{path_id(book_id)}/cover", token=None, request_id=self.request_id
        )

    def my_books(self, page: int, per_page: int) -> Any:
        return self._call("GET", "/api/me/books", params={"page": page, "per_page": per_page})

    # cart and orders
    def cart(self) -> Any:
        return self._call("GET", "/api/cart")

    def set_cart_item(self, book_id: str, quantity: int) -> Any:
        return self._call("PUT", f"/api/cart/items/{path_id(book_id)}", json={"quantity": quantity})

    def remove_cart_item(self, book_id: str) -> Any:
        return self._call("DELETE", f"/api/cart/items/{path_id(book_id)}")

    def place_order(self, body: dict[str, Any], idempotency_key: str) -> Any:
        headers = {"Idempotency-Key": idempotency_key}
        return self._call("POST", "/api/orders", json=body, headers=headers)

    def orders(self, page: int, per_page: int) -> Any:
        return self._call("GET", "/api/orders", params={"page": page, "per_page": per_page})

    def order(self, order_id: str) -> Any:
        return self._call("GET", f"/api/orders/{path_id(order_id)}")

    def cancel_order(self, order_id: str) -> Any:
        return self._call("POST", f"/api/orders/{path_id(order_id)}/cancel")

    def my_sales(self, page: int, per_page: int) -> Any:
        return self._call("GET", "/api/me/sales", params={"page": page, "per_page": per_page})

    def sales_summary(self, days: int) -> Any:
        return self._call("GET", "/api/me/sales/summary", params={"days": days})

    def sales_csv(self) -> requests.Response:
        return self.gateway.send(
            "GET", "/api/me/sales.csv", token=self.token, request_id=self.request_id, stream=True
        )

    # favourites, wants and notifications (notification_service)
    def favourites(self, page: int, per_page: int) -> Any:
        return self._call("GET", "/api/me/favourites", params={"page": page, "per_page": per_page})

    def add_favourite(self, book_id: str) -> Any:
        return self._call("PUT", f"/api/me/favourites/{path_id(book_id)}")

    def remove_favourite(self, book_id: str) -> None:
        self._call("DELETE", f"/api/me/favourites/{path_id(book_id)}")

    def wants(self, page: int, per_page: int) -> Any:
        return self._call("GET", "/api/me/wants", params={"page": page, "per_page": per_page})

    def create_want(self, body: dict[str, Any]) -> Any:
        return self._call("POST", "/api/me/wants", json=body)

    def delete_want(self, want_id: str) -> None:
        self._call("DELETE", f"/api/me/wants/{path_id(want_id)}")

    def demand(self, isbn: str) -> Any:
        return self._call("GET", "/api/wants/demand", params={"isbn": isbn})

    def notifications(self, page: int, per_page: int, unread: bool = False) -> Any:
        params = {"page": page, "per_page": per_page, **({"unread": "true"} if unread else {})}
        return self._call("GET", "/api/me/notifications", params=params)

    def unread_count(self) -> Any:
        return self._call("GET", "/api/me/notifications/unread-count")

    def mark_read(self, body: dict[str, Any]) -> Any:
        return self._call("POST", "/api/me/notifications/read", json=body)

    def preferences(self) -> Any:
        return self._call("GET", "/api/me/preferences")

    def set_preferences(self, email: dict[str, bool]) -> Any:
        return self._call("PUT", "/api/me/preferences", json={"email": email})

    # seller fulfilment, reviews, balance and seller profiles
    def shipments(self, status: str, page: int, per_page: int) -> Any:
        params = {"status": status, "page": page, "per_page": per_page}
        return self._call("GET", "/api/me/shipments", params=params)

    def ship(self, shipment_id: str, body: dict[str, Any]) -> Any:
        return self._call("POST", f"/api/shipments/{path_id(shipment_id)}/ship", json=body)

    def cancel_shipment(self, shipment_id: str, reason: str) -> Any:
        path = f"/api/shipments/{path_id(shipment_id)}/cancel"
        return self._call("POST", path, json={"reason": reason})

    def receive(self, order_id: str, shipment_id: str) -> Any:
        path = f"/api/orders/{path_id(order_id)}/shipments/{path_id(shipment_id)}/received"
        return self._call("POST", path)

    def review(self, order_id: str, shipment_id: str, body: dict[str, Any]) -> Any:
        path = f"/api/orders/{path_id(order_id)}/shipments/{path_id(shipment_id)}/review"
        return self._call("POST", path, json=body)

    def seller_settings(self) -> Any:
        return self._call("GET", "/api/me/seller-settings")

    def set_seller_settings(self, auto_ship: bool) -> Any:
        return self._call("PUT", "/api/me/seller-settings", json={"auto_ship": auto_ship})

    def seller(self, seller_id: str) -> Any:
        return self._call("GET", f"/api/sellers/{path_id(seller_id)}")

    def seller_reviews(self, seller_id: str, page: int, per_page: int) -> Any:
        params = {"page": page, "per_page": per_page}
        return self._call("GET", f"/api/sellers/{path_id(seller_id)}/reviews", params=params)

    def balance(self) -> Any:
        return self._call("GET", "/api/me/balance")

    def balance_entries(self, page: int, per_page: int) -> Any:
        params = {"page": page, "per_page": per_page}
        return self._call("GET", "/api/me/balance/entries", params=params)

    def payout(self, amount: str | None) -> Any:
        return self._call("POST", "/api/me/payouts", json={"amount": amount} if amount else {})


def init_app(app: Any, gateway_url: str, timeout: float) -> None:
    app.extensions["gateway"] = Gateway(gateway_url, timeout)


def api() -> Api:
    """The API bound to the signed-in user's token (if any) and this request's id."""
    gateway: Gateway = current_app.extensions["gateway"]
    return Api(gateway, session.get("token"), g.get("request_id"), request.remote_addr)


def gateway_alive() -> bool:
    """Readiness: the gateway answers its liveness probe."""
    gateway: Gateway = current_app.extensions["gateway"]
    response = gateway.session.get(gateway.base_url + "/health/live", timeout=2)
    return response.status_code == 200
