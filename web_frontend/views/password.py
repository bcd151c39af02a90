"""Forgotten password: ask for a reset link by e-mail, then choose a new password with it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from web_frontend.auth import sign_out
from web_frontend.clients import GatewayError, GatewayUnavailable, api
from web_frontend.forms import ForgotPasswordForm, ResetPasswordForm, apply_field_errors

bp = Blueprint("password", __name__)

SENT = (
    "If an account uses {email}, we have sent it a link to choose a new password. "
    "The link works once, for one hour."
)


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot() -> Any:
    form = ForgotPasswordForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args.get("email", "")[:254]
    if form.validate_on_submit():
        email = form.email.data.strip()
        try:
            api().request_password_reset(email)
        except GatewayUnavailable:
            raise
        except GatewayError as exc:
            if exc.status == 429:
                wait = wait_in_words(exc.retry_after)
                error = f"Too many reset requests. Please try again in {wait}."
                return render_template("forgot_password.html", form=form, error=error), 429
            if exc.status != 422:
                raise
            apply_field_errors(form, exc.fields)
            return render_template("forgot_password.html", form=form, error=None), 422
        flash(SENT.format(email=email), "success")
        return redirect(url_for("account.login"), code=303)
    status = 422 if form.errors else 200
    return render_template("forgot_password.html", form=form, error=None), status


@bp.route("/reset-password", methods=["GET", "POST"])
def reset() -> Any:
    form = ResetPasswordForm()
    if request.method == "GET":
        form.token.data = request.args.get("token", "")[:200]
    if not form.token.data:
        flash("This reset link is incomplete: ask for a new one.", "error")
        return redirect(url_for("password.forgot"), code=303)
    if form.validate_on_submit():
        try:
            api().confirm_password_reset(form.token.data, form.password.data)
        except GatewayUnavailable:
            raise
        except GatewayError as exc:
            if exc.status in (400, 401):
                flash(
                    "This reset link is invalid, already used or expired. Ask for a new one.",
                    "error",
                )
                return redirect(url_for("password.forgot"), code=303)
            if exc.status != 422:
                raise
            apply_field_errors(form, {"password": _sentence(exc.fields.get("password", ""))})
            return render_template("reset_password.html", form=form), 422
        sign_out()  # every session of the account has just been revoked, this one included
        flash("Your password is changed. Sign in with the new one.", "success")
        return redirect(url_for("account.login"), code=303)
    return render_template("reset_password.html", form=form), 422 if form.errors else 200


def wait_in_words(seconds: int | None) -> str:
    """How long to wait, as a person reads it ("a few minutes" when the API did not say)."""
    if not seconds:
        return "a few minutes"
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _sentence(message: str) -> str:
    """An API field message ("must be at least 8 characters") as a sentence about the password."""
    if not message:
        return "Choose a stronger password."
    return f"The password {message}." if not message[0].isupper() else message
