"""Favourites (the heart on a book page, /my/favourites), wants (/my/wants), the inbox
(/notifications, and the unread count in the header), e-mail settings (/my/settings) and the
demand shown on /sell: the pages over notification_service's API."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from shared.contract.wants import PREFERENCES
from web_frontend.auth import current_user, login_required
from web_frontend.clients import GatewayError, GatewayUnavailable, api
from web_frontend.forms import apply_field_errors
from web_frontend.notification_forms import PreferencesForm, WantForm

log = logging.getLogger(__name__)
bp = Blueprint("notifications", __name__)


def _page() -> int:
    raw = request.args.get("page", "1")
    return max(1, int(raw)) if raw.isdigit() else 1


def _per_page() -> int:
    return int(current_app.extensions["config"].per_page)


# --- favourites ----------------------------------------------------------------------------------


@bp.post("/books/<book_id>/favourite")
@login_required
def toggle_favourite(book_id: str) -> ResponseReturnValue:
    """The heart: `action=add` or `remove`, then back to the book (303)."""
    if request.form.get("action") == "remove":
        api().remove_favourite(book_id)
        flash("Removed from your favourites.", "success")
    else:
        try:
            api().add_favourite(book_id)
        except GatewayUnavailable:
            raise
        except GatewayError as exc:
            if exc.status != 409:
                raise
            flash("That is your own listing.", "error")
        else:
            flash("Added to your favourites: we will tell you when its price drops.", "success")
    return redirect(url_for("catalogue.book_detail", book_id=book_id), 303)


@bp.get("/my/favourites")
@login_required
def favourites() -> str:
    listing = api().favourites(_page(), _per_page())
    return render_template("my_favourites.html", listing=listing)


def is_favourite(book_id: str) -> bool:
    """For the heart on a book page (the first 100 favourites are looked at)."""
    if current_user() is None:
        return False
    try:
        page = api().favourites(1, 100)
    except GatewayError:
        return False
    return any(item["book"]["id"] == book_id for item in page["items"])


# --- wants ---------------------------------------------------------------------------------------


@bp.route("/my/wants", methods=["GET", "POST"])
@login_required
def wants() -> ResponseReturnValue:
    form = WantForm()
    status = 200
    if form.validate_on_submit():
        try:
            want = api().create_want(form.api_body())
        except GatewayUnavailable:
            raise
        except GatewayError as exc:
            for message in apply_field_errors(form, exc.fields) or (
                [] if exc.fields else [exc.message]
            ):
                flash(message, "error")
            status = 422
        else:
            found = len(want["matches"])
            flash(
                f"Want saved: {found} listing(s) match already." if found else "Want saved.",
                "success",
            )
            return redirect(url_for("notifications.wants"), 303)
    elif form.errors:
        status = 422
    listing = api().wants(_page(), _per_page())
    return render_template("my_wants.html", form=form, listing=listing), status


@bp.post("/my/wants/<want_id>/delete")
@login_required
def delete_want(want_id: str) -> ResponseReturnValue:
    api().delete_want(want_id)
    flash("Want deleted.", "success")
    return redirect(url_for("notifications.wants"), 303)


@bp.get("/sell/demand.json")
def demand() -> ResponseReturnValue:
    """How many users want the ISBN typed on /sell (for its script)."""
    wanting = isbn_demand(request.args.get("isbn", ""))
    return jsonify({"wanting": wanting})


def isbn_demand(isbn: str | None) -> int | None:
    """Users wanting `isbn`, or None when it is blank or not an ISBN."""
    if not isbn or not isbn.strip():
        return None
    try:
        return int(api().demand(isbn.strip())["wanting"])
    except GatewayError:
        return None


# --- the inbox -----------------------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def inbox() -> str:
    unread = request.args.get("unread") == "true"
    listing = api().notifications(_page(), _per_page(), unread=unread)
    return render_template("notifications.html", listing=listing, unread_only=unread)


@bp.post("/notifications/read")
@login_required
def mark_read() -> ResponseReturnValue:
    """`id=<one>` marks one read (and opens its link when `open` is set); none marks all."""
    note_id = request.form.get("id")
    api().mark_read({"ids": [note_id]} if note_id else {"all": True})
    target = request.form.get("open", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target, 303)
    return redirect(url_for("notifications.inbox"), 303)


def unread_count() -> int | None:
    """The header's bell; None when signed out or the service does not answer right now."""
    if current_user() is None:
        return None
    try:
        return int(api().unread_count()["unread"])
    except (GatewayError, KeyError, TypeError):
        return None


# --- settings ------------------------------------------------------------------------------------


@bp.route("/my/settings", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    form = PreferencesForm()
    if form.validate_on_submit():
        api().set_preferences({name: bool(form[name].data) for name in PREFERENCES})
        flash("Your e-mail preferences are saved.", "success")
        return redirect(url_for("notifications.settings"), 303)
    if request.method == "GET":
        for name, on in api().preferences()["email"].items():
            if name in form:
                form[name].data = on
    return render_template("my_settings.html", form=form)


def init_app(app: Flask) -> None:
    """The blueprint, and what every page's header and the book/sell pages ask for."""
    app.register_blueprint(bp)
    app.add_template_global(is_favourite)
    app.add_template_global(isbn_demand)

    @app.context_processor
    def _bell() -> dict[str, Any]:
        return {"unread_count": unread_count}
