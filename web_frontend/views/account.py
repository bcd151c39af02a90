"""Register, sign in, sign out. The token lives only in the signed session cookie."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from web_frontend.auth import current_user, safe_next, sign_in, sign_out
from web_frontend.clients import GatewayError, GatewayUnavailable, api
from web_frontend.forms import LoginForm, RegisterForm, apply_field_errors
from web_frontend.views import guest_cart
from web_frontend.views.password import wait_in_words

bp = Blueprint("account", __name__)


@bp.route("/register", methods=["GET", "POST"])
def register() -> Any:
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        email, password = form.email.data.strip(), form.password.data
        try:
            api().register(email=email, password=password, name=form.name.data.strip())
            sign_in(api().login(email, password))
            guest_cart.merge()
        except GatewayUnavailable:
            raise
        except GatewayError as exc:
            status = exc.status
            _show_error(form, exc)
        else:
            flash(f"Welcome to BookStore, {form.name.data.strip()}!", "success")
            return redirect(url_for("catalogue.home"), code=303)
    elif form.errors:
        status = 422
    return render_template("register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if current_user():
            return redirect(safe_next(form.next.data), code=303)
    if form.validate_on_submit():
        try:
            sign_in(api().login(form.email.data.strip(), form.password.data))
            guest_cart.merge()
        except GatewayUnavailable:
            raise
        except GatewayError as exc:
            status = 429 if exc.status == 429 else 401
            message = exc.message if exc.status == 401 else "Could not sign you in."
            if exc.status == 429:
                message = (
                    "Too many failed sign-ins. Please try again in "
                    f"{wait_in_words(exc.retry_after)}, or reset your password."
                )
            return render_template("login.html", form=form, error=message), status
        flash(f"Signed in as {current_user()['name']}.", "success")  # type: ignore[index]
        return redirect(safe_next(form.next.data), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("login.html", form=form, error=None), status


@bp.post("/logout")
def logout() -> Any:
    """Revoke the token through the API, then forget it (even if the API is unreachable)."""
    if current_user():  # CSRFProtect has already checked the form's token
        try:
            api().logout()
        except GatewayError:
            pass  # the cookie is dropped anyway; the token expires on its own
    sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("catalogue.home"), code=303)


def _show_error(form: RegisterForm, exc: GatewayError) -> None:
    if exc.status == 409:
        form.email.errors = [*form.email.errors, "An account with this email already exists."]
        return
    leftovers = apply_field_errors(form, exc.fields)
    if leftovers or not exc.fields:
        flash(" ".join([exc.message, *leftovers]), "error")
