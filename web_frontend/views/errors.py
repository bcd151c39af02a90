"""Friendly pages for every failure: 404, 403, 500, expired forms and "service unavailable"."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from shared.web.errors import error_response
from web_frontend.auth import login_redirect, sign_out
from web_frontend.clients import GatewayError, GatewayUnavailable, Unauthorized

log = logging.getLogger(__name__)

TITLES = {
    400: ("This form has expired", "Please go back, reload the page and try again."),
    403: ("Not yours", "Only the owner of this page can do that."),
    404: ("Page not found", "We looked everywhere on the shelves but could not find it."),
    405: ("Not allowed", "That is not something this page can do."),
    413: ("Too large", "The file you sent is too large (5 MB at most)."),
    429: ("Slow down", "Too many attempts. Please wait a little and try again."),
    409: ("That did not work", "Something changed in the meantime. Please try again."),
    422: ("That did not work", "Some of what was sent is not valid."),
    500: ("Something went wrong", "It is our fault, not yours. Please try again shortly."),
    503: ("Service unavailable", "The shop is having a short break. Please try again soon."),
}


def page(status: int, detail: str | None = None) -> Any:
    if _wants_json():
        return error_response(status, detail or TITLES.get(status, TITLES[500])[0])
    title, text = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[409])
    return render_template(
        "error.html", status=status, title=title, text=text, detail=detail
    ), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        return page(400)

    @app.errorhandler(Unauthorized)
    def _expired(exc: Unauthorized) -> Any:
        sign_out()
        return login_redirect("Your session has expired. Please sign in again.")

    @app.errorhandler(GatewayUnavailable)
    def _unavailable(exc: GatewayUnavailable) -> Any:
        log.warning("gateway unavailable: %s", exc.message)
        return page(503)

    @app.errorhandler(GatewayError)
    def _refused(exc: GatewayError) -> Any:
        known = exc.status in TITLES
        return page(exc.status if known else 500, exc.message if exc.status < 500 else None)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        return page(exc.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error")
        return page(500)


def _wants_json() -> bool:
    return request.path.startswith(("/health", "/metrics")) or request.path.endswith(".json")
