"""The signed-in user, kept in the signed session cookie (token + a few claims, nothing else)."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import flash, redirect, request, session, url_for

F = TypeVar("F", bound=Callable[..., Any])


def current_user() -> dict[str, str] | None:
    """The signed-in user ({id, email, name}), or None when absent or expired."""
    if not session.get("token"):
        return None
    if session.get("expires_at", 0) <= time.time():
        session.clear()
        return None
    return cast(dict[str, str], session.get("user"))


def sign_in(login: dict[str, Any]) -> None:
    """Keep the token the API gave us; the cookie is signed, HttpOnly and SameSite=Lax."""
    session.clear()
    user = login.get("user") or {}
    session["token"] = login["access_token"]
    session["expires_at"] = int(time.time()) + int(login.get("expires_in") or 900)
    session["user"] = {k: str(user.get(k, "")) for k in ("id", "email", "name")}
    session.permanent = False


def sign_out() -> None:
    session.clear()


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
    return redirect(url_for("account.login", next=target), code=303)


def login_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return login_redirect()
        return view(*args, **kwargs)

    return cast(F, wrapper)
