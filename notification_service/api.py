"""notification_service HTTP routes: thin views over favourites, wants and the inbox."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.orm import Session, sessionmaker

from notification_service import favourites, notifications, wants
from notification_service.presenters import favourite_json, notification_json, want_json
from shared.contract.notifications import MarkRead, PreferencesUpdate
from shared.contract.patterns import is_uuid
from shared.contract.wants import WantCreate, required_isbn
from shared.domain import Invalid, NotFound
from shared.web.paging import page_json, paging_args
from shared.web.requests import body
from shared.web.tokens import current_user, login_required

bp = Blueprint("notifications", __name__, url_prefix="/api")


def _sessions() -> sessionmaker[Session]:
    return current_app.extensions["db"].session  # type: ignore[no-any-return]


def _book_id(book_id: str) -> str:
    if not is_uuid(book_id):
        raise NotFound("No such book.")
    return book_id.lower()


@bp.get("/me/favourites")
@login_required
def list_favourites() -> Response:
    paging = paging_args(request.args)
    found = favourites.list_favourites(
        sessions=_sessions(), user_id=current_user().id, page=paging.page, per_page=paging.per_page
    )
    return jsonify(page_json(map(favourite_json, found.items), paging, found.total))


@bp.put("/me/favourites/<book_id>")
@login_required
def put_favourite(book_id: str) -> Response:
    view = favourites.add_favourite(
        sessions=_sessions(), user_id=current_user().id, book_id=_book_id(book_id)
    )
    return jsonify(favourite_json(view))


@bp.delete("/me/favourites/<book_id>")
@login_required
def delete_favourite(book_id: str) -> tuple[str, int]:
    favourites.remove_favourite(
        sessions=_sessions(), user_id=current_user().id, book_id=_book_id(book_id)
    )
    return "", 204


@bp.get("/me/wants")
@login_required
def list_wants() -> Response:
    paging = paging_args(request.args)
    found = wants.list_wants(
        sessions=_sessions(), user_id=current_user().id, page=paging.page, per_page=paging.per_page
    )
    return jsonify(page_json(map(want_json, found.items), paging, found.total))


@bp.post("/me/wants")
@login_required
def create_want() -> tuple[Response, int]:
    want = body(WantCreate)
    view = wants.create_want(sessions=_sessions(), user_id=current_user().id, want=want)
    return jsonify(want_json(view)), 201


@bp.delete("/me/wants/<want_id>")
@login_required
def delete_want(want_id: str) -> tuple[str, int]:
    if not is_uuid(want_id):
        raise NotFound("No such want.")
    wants.delete_want(sessions=_sessions(), user_id=current_user().id, want_id=want_id)
    return "", 204


@bp.get("/wants/demand")
def demand() -> Response:
    try:
        isbn = required_isbn(request.args.get("isbn"))
    except ValueError as exc:
        raise Invalid("The ISBN is not valid.", fields={"isbn": str(exc)}) from None
    return jsonify({"isbn": isbn, "wanting": wants.demand(sessions=_sessions(), isbn=isbn)})


@bp.get("/me/notifications")
@login_required
def list_notifications() -> Response:
    paging = paging_args(request.args)
    unread = _unread_filter(request.args.get("unread", ""))
    found = notifications.list_notifications(
        sessions=_sessions(),
        user_id=current_user().id,
        unread=unread,
        page=paging.page,
        per_page=paging.per_page,
    )
    return jsonify(page_json(map(notification_json, found.items), paging, found.total))


def _unread_filter(raw: str) -> bool:
    """`?unread=true` filters, false or blank does not; anything else is a bad filter (422)."""
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("", "false", "0", "no"):
        return False
    raise Invalid("The request is not valid.", fields={"unread": "must be true or false"})


@bp.get("/me/notifications/unread-count")
@login_required
def unread_count() -> Response:
    return jsonify(
        {"unread": notifications.unread_count(sessions=_sessions(), user_id=current_user().id)}
    )


@bp.post("/me/notifications/read")
@login_required
def mark_read() -> Response:
    ids = body(MarkRead).which
    unread = notifications.mark_read(sessions=_sessions(), user_id=current_user().id, ids=ids)
    return jsonify({"unread": unread})


@bp.get("/me/preferences")
@login_required
def get_preferences() -> Response:
    prefs = notifications.get_preferences(sessions=_sessions(), user_id=current_user().id)
    return jsonify({"email": prefs})


@bp.put("/me/preferences")
@login_required
def put_preferences() -> Response:
    changes = body(PreferencesUpdate).changes()
    prefs = notifications.set_preferences(
        sessions=_sessions(), user_id=current_user().id, changes=changes
    )
    return jsonify({"email": prefs})
