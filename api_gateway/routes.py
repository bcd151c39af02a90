"""The route table: the single place a public API route is added (docs/api.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shared.web.errors import ApiError

AUTH, CATALOG, ORDER = "auth", "catalog", "order"
NOTIFICATION = "notification"
PUBLIC, PROTECTED = False, True
JSON_BODY_MAX = 1024 * 1024
COVER_BODY_MAX = 5 * 1024 * 1024 + 64 * 1024  # the 5 MB image plus multipart framing


@dataclass(frozen=True)
class Route:
    path: str  # a template: literal segments and {param} segments
    methods: frozenset[str]
    upstream: str
    protected: bool
    timeout: float | None = None  # seconds; None: the gateway's default
    max_body: int = JSON_BODY_MAX
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(self.path))
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))


def route(path: str, methods: str, upstream: str, protected: bool, **kw: object) -> Route:
    return Route(path, frozenset(methods.split()), upstream, protected, **kw)  # type: ignore[arg-type]


ROUTES: tuple[Route, ...] = (
    route("/api/auth/register", "POST", AUTH, PUBLIC),
    route("/api/auth/login", "POST", AUTH, PUBLIC),
    route("/api/auth/logout", "POST", AUTH, PROTECTED),
    route("/api/auth/me", "GET", AUTH, PROTECTED),
    route("/api/auth/refresh", "POST", AUTH, PUBLIC),
    route("/api/auth/password-reset", "POST", AUTH, PUBLIC),
    route("/api/auth/password-reset/confirm", "POST", AUTH, PUBLIC),
    route("/api/books", "GET", CATALOG, PUBLIC),
    route("/api/books", "POST", CATALOG, PROTECTED),
    route("/api/books/suggest", "GET", CATALOG, PUBLIC),
    route("/api/books/{book_id}", "GET", CATALOG, PUBLIC),
    route("/api/books/{book_id}", "PATCH DELETE", CATALOG, PROTECTED),
    route("/api/books/{book_id}/cover", "GET", CATALOG, PUBLIC),
    route(
        "/api/books/{book_id}/cover",
        "PUT",
        CATALOG,
        PROTECTED,
        timeout=30.0,
        max_body=COVER_BODY_MAX,
    ),
    route("/api/books/{book_id}/recommendations", "GET", CATALOG, PUBLIC),
    route("/api/categories", "GET", CATALOG, PUBLIC),
    route("/api/me/books", "GET", CATALOG, PROTECTED),
    route("/api/cart", "GET", ORDER, PROTECTED),
    route("/api/cart/items/{book_id}", "PUT DELETE", ORDER, PROTECTED),
    route("/api/orders", "GET POST", ORDER, PROTECTED),
    route("/api/orders/{order_id}", "GET", ORDER, PROTECTED),
    route("/api/orders/{order_id}/cancel", "POST", ORDER, PROTECTED),
    route("/api/me/sales", "GET", ORDER, PROTECTED),
    # notification_service: favourites, wants, the inbox and e-mail preferences
    route("/api/me/favourites", "GET", NOTIFICATION, PROTECTED),
    route("/api/me/favourites/{book_id}", "PUT DELETE", NOTIFICATION, PROTECTED),
    route("/api/me/wants", "GET POST", NOTIFICATION, PROTECTED),
    route("/api/me/wants/{want_id}", "DELETE", NOTIFICATION, PROTECTED),
    route("/api/wants/demand", "GET", NOTIFICATION, PUBLIC),
    route("/api/me/notifications", "GET", NOTIFICATION, PROTECTED),
    route("/api/me/notifications/unread-count", "GET", NOTIFICATION, PROTECTED),
    route("/api/me/notifications/read", "POST", NOTIFICATION, PROTECTED),
    route("/api/me/preferences", "GET PUT", NOTIFICATION, PROTECTED),
    route("/api/me/sales/summary", "GET", ORDER, PROTECTED),
    route("/api/me/sales.csv", "GET", ORDER, PROTECTED),
    # seller fulfilment, reviews and balance (order_service); seller profiles (catalog_service)
    route("/api/me/shipments", "GET", ORDER, PROTECTED),
    route("/api/shipments/{shipment_id}/ship", "POST", ORDER, PROTECTED),
    route("/api/shipments/{shipment_id}/cancel", "POST", ORDER, PROTECTED),
    route("/api/orders/{order_id}/shipments/{shipment_id}/received", "POST", ORDER, PROTECTED),
    route("/api/orders/{order_id}/shipments/{shipment_id}/review", "POST", ORDER, PROTECTED),
    route("/api/me/seller-settings", "GET PUT", ORDER, PROTECTED),
    route("/api/me/balance", "GET", ORDER, PROTECTED),
    route("/api/me/balance/entries", "GET", ORDER, PROTECTED),
    route("/api/me/payouts", "POST", ORDER, PROTECTED),
    route("/api/sellers/{seller_id}", "GET", CATALOG, PUBLIC),
    route("/api/sellers/{seller_id}/reviews", "GET", CATALOG, PUBLIC),
)
# Served by the gateway itself rather than forwarded.
LOCAL_ROUTES: tuple[tuple[str, str], ...] = (("GET", "/api/openapi.json"),)


def resolve(method: str, path: str, routes: tuple[Route, ...] = ROUTES) -> Route:
    """The route for (method, path); ApiError 404 for an unknown path, 405 for a wrong method."""
    if any(segment in (".", "..") for segment in path.split("/")):
        raise ApiError(404, "No such resource.")
    candidates = matching(path, routes)
    local = {m for m, p in LOCAL_ROUTES if p == path}  # served by Flask rules before this one
    if not candidates and not local:
        raise ApiError(404, "No such resource.")
    lookup = "GET" if method == "HEAD" else method
    for candidate in candidates:
        if lookup in candidate.methods:
            return candidate
    allowed = sorted({m for r in candidates for m in r.methods} | local)
    raise ApiError(
        405, "Method not allowed on this resource.", headers={"Allow": ", ".join(allowed)}
    )


def allowed_methods(path: str, routes: tuple[Route, ...] = ROUTES) -> list[str]:
    """Every method some route accepts on `path` (for CORS preflights)."""
    local = {m for m, p in LOCAL_ROUTES if p == path}
    return sorted({m for r in matching(path, routes) for m in r.methods} | local)


def matching(path: str, routes: tuple[Route, ...] = ROUTES) -> list[Route]:
    """The routes of `path`; a literal one (`/api/books/suggest`) hides the templates it also
    fits (`/api/books/{book_id}`), so its 405 and Allow list only its own methods."""
    found = [r for r in routes if r.pattern.match(path)]
    literal = [r for r in found if "{" not in r.path]
    return literal or found
