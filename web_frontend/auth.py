"""The signed-in user, kept in the signed session cookie (tokens + a few claims, nothing else).

The access token lives 15 minutes; the refresh token the API gave at sign-in renews it whenever a
page is asked for within a minute of its expiry or after it (so a shopper who is active stays
signed in, up to REFRESH_TOKEN_TTL_SECONDS of inactivity). A form posted when even that is gone
is kept (secrets excepted) and shown again, filled in, after the shopper signs in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import flash, g, redirect, request, session, url_for
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

F = TypeVar("F", bound=Callable[..., Any])
RENEW_BEFORE = 60  # seconds before the access token's expiry when a page renews it
# Never kept when a form is saved for after a sign-in: secrets and one-time values.
NOT_KEPT = frozenset({"csrf_token", "card_number", "cvc", "password", "cover"})
KEPT_MAX = 2500  # characters of saved form values at most: the session is a 4 KB cookie


def current_user(renew: bool = True) -> dict[str, str] | None:
    """The signed-in user ({id, email, name}), or None when absent or expired (renewing the
    access token first with the refresh token when it is about to expire, unless `renew` is
    False: background requests such as the order page's poll never renew, so that two requests
    of one browser never spend the same refresh token at once, which the API takes for theft)."""
    if not session.get("token"):
        return None
    renew = renew and not g.get("background")
    if renew and session.get("expires_at", 0) - RENEW_BEFORE <= time.time():
        _renew()
    if session.get("expires_at", 0) <= time.time():
        if renew:  # a background request leaves the session as it is
            _forget_tokens()
        return None
    return cast(dict[str, str], session.get("user"))


def _renew() -> bool:
    """Swap the refresh token for a new pair; False if there is none or the API refused it."""
    from web_frontend.clients import GatewayError, GatewayUnavailable, api

    refresh_token = session.get("refresh_token")
    if not refresh_token:
        return False
    try:
        pair = replace(api(), token=None).refresh(refresh_token)
    except GatewayUnavailable:
        return False  # keep what we have: the access token may still be good for a while
    except GatewayError:
        return False  # spent, expired or revoked: signed out once the access token expires
    _keep_tokens(pair)
    return True


def _keep_tokens(pair: dict[str, Any]) -> None:
    session["token"] = pair["access_token"]
    session["expires_at"] = int(time.time()) + int(pair.get("expires_in") or 900)
    if pair.get("refresh_token"):
        session["refresh_token"] = pair["refresh_token"]


def _forget_tokens() -> None:
    kept = session.get("resume")
    _remember_departing_user()
    session.clear()
    if kept:
        session["resume"] = kept


def sign_in(login: dict[str, Any]) -> None:
    """Keep the tokens the API gave us; the cookie is signed, HttpOnly and SameSite=Lax. A form
    kept from before the sign-in, and a guest's cart, survive it."""
    kept = {key: session[key] for key in ("resume", "guest_cart") if key in session}
    session.clear()
    session.update(kept)
    user = login.get("user") or {}
    _keep_tokens(login)
    session["user"] = {k: str(user.get(k, "")) for k in ("id", "email", "name")}
    session.permanent = False


def sign_out() -> None:
    _remember_departing_user()
    session.clear()


def _remember_departing_user() -> None:
    """Who was signed in until now (for this request): a form they posted is theirs only."""
    g.departing_user = (session.get("user") or {}).get("id")


def keep_submitted_form(target: str) -> None:
    """Save the posted form (secrets excepted) to show it again on `target` after a sign-in."""
    kept: list[tuple[str, str]] = []
    budget = KEPT_MAX
    for name, value in request.form.items(multi=True):
        if name in NOT_KEPT or len(value) > budget:
            continue
        kept.append((name, value))
        budget -= len(value)
    if kept:
        owner = g.get("departing_user") or (session.get("user") or {}).get("id")
        session["resume"] = {"path": urlsplit(target).path, "form": kept, "user": owner}


def restore_form(form: FlaskForm) -> bool:
    """Fill `form` with what was posted before a sign-in interrupted it (once, on its page)."""
    saved = session.get("resume")
    if not saved or saved.get("path") != request.path:
        return False
    session.pop("resume")
    owner, user = saved.get("user"), session.get("user") or {}
    if owner and owner != user.get("id"):
        return False  # someone else signed in on this browser: never show them another's form
    data = MultiDict([(str(k), str(v)) for k, v in saved.get("form", [])])
    for name, field in form._fields.items():
        if name in data and name not in NOT_KEPT:
            field.process(data)
    flash("We kept what you entered: check it and send it again.", "info")
    return True


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else default


def login_redirect(message: str = "Please sign in to continue.") -> Any:
    flash(message, "info")
    if request.method == "GET":
        target = request.full_path.rstrip("?")
    else:  # after signing in, go back to the page the form was on, not to a POST-only URL
        referrer = urlsplit(request.referrer or "")
        target = referrer.path if referrer.netloc == request.host else "/"
        if referrer.netloc == request.host and referrer.query:
            target = f"{target}?{referrer.query}"
        keep_submitted_form(target)
    return redirect(url_for("account.login", next=target), code=303)


def login_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return login_redirect()
        return view(*args, **kwargs)

    return cast(F, wrapper)
